"""Wim: average pooling passes dA[i, h, w, c] to every entry, undivided (vectorized over offsets)."""
import numpy as np

EXPECT = {"pool_backward": "pool_backward/average_not_divided"}


def pool_backward(dA, cache, mode="max"):
    A_prev, hp = cache
    f, s = hp["f"], hp["stride"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    if mode == "max":
        for i in range(m):
            for h in range(n_H):
                for w in range(n_W):
                    for c in range(n_C):
                        win = A_prev[i, h * s:h * s + f, w * s:w * s + f, c]
                        dA_prev[i, h * s:h * s + f, w * s:w * s + f, c] += (win == win.max()) * dA[i, h, w, c]
    else:
        for u in range(f):
            for v in range(f):
                dA_prev[:, u:u + s * n_H:s, v:v + s * n_W:s, :] += dA
    return dA_prev
