"""Rae: loops with = when writing each window's gradient (fine for disjoint windows only)."""
import numpy as np

EXPECT = {"pool_backward": "pool_backward/assign_not_accumulate"}


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
                        window = A_prev[i, vs:vs + f, hs:hs + f, c]
                        dA_prev[i, vs:vs + f, hs:hs + f, c] = create_mask_from_window(window) * dA[i, h, w, c]
                    else:
                        dA_prev[i, vs:vs + f, hs:hs + f, c] = distribute_value(dA[i, h, w, c], (f, f))
    return dA_prev
