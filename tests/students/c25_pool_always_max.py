"""Uwe: never looks at mode: max pooling's backward for every layer."""
import numpy as np

EXPECT = {"pool_backward": "pool_backward/always_max"}


def pool_backward(dA, cache, mode="max"):
    A_prev, hparameters = cache
    f, s = hparameters["f"], hparameters["stride"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    sl = A_prev[i, h * s:h * s + f, w * s:w * s + f, c]
                    dA_prev[i, h * s:h * s + f, w * s:w * s + f, c] += create_mask_from_window(sl) * dA[i, h, w, c]
    return dA_prev
