"""Tia: average pooling shares dA / f (helpers inlined, loops; max branch right)."""
import numpy as np

EXPECT = {"pool_backward": "pool_backward/average_divides_by_f"}


def pool_backward(dA, cache, mode="max"):
    A_prev, hparameters = cache
    f, stride = hparameters["f"], hparameters["stride"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, hs = h * stride, w * stride
                    if mode == "max":
                        win = A_prev[i, vs:vs + f, hs:hs + f, c]
                        dA_prev[i, vs:vs + f, hs:hs + f, c] += np.where(win == win.max(), dA[i, h, w, c], 0.0)
                    else:
                        dA_prev[i, vs:vs + f, hs:hs + f, c] += np.ones((f, f)) * dA[i, h, w, c] / f
    return dA_prev
