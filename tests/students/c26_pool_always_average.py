"""Vida: checks `if mode == "Max"` (capital M), so max pooling takes the average branch."""
import numpy as np

EXPECT = {"pool_backward": "pool_backward/always_average"}


def pool_backward(dA, cache, mode="max"):
    A_prev, hparameters = cache
    f, s = hparameters["f"], hparameters["stride"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    if mode == "Max":
                        sl = A_prev[i, h * s:h * s + f, w * s:w * s + f, c]
                        dA_prev[i, h * s:h * s + f, w * s:w * s + f, c] += (sl == sl.max()) * dA[i, h, w, c]
                    else:
                        dA_prev[i, h * s:h * s + f, w * s:w * s + f, c] += distribute_value(dA[i, h, w, c], (f, f))
    return dA_prev
