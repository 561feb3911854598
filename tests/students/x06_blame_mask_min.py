"""Sia: create_mask_from_window marks the minimum; her loop pool_backward calls it per window."""
import numpy as np

EXPECT = {
    "create_mask_from_window": "create_mask_from_window/min_not_max",
    "pool_backward": "blame/create_mask_from_window",
}


def create_mask_from_window(x):
    return x == x.min()


def distribute_value(dz, shape):
    return dz / (shape[0] * shape[1]) * np.ones(shape)


def pool_backward(dA, cache, mode="max"):
    A_prev, hp = cache
    f, s = hp["f"], hp["stride"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        for c in range(n_C):
            for h in range(n_H):
                for w in range(n_W):
                    window = A_prev[i, h * s:h * s + f, w * s:w * s + f, c]
                    if mode == "max":
                        g = create_mask_from_window(window) * dA[i, h, w, c]
                    else:
                        g = distribute_value(dA[i, h, w, c], window.shape)
                    dA_prev[i, h * s:h * s + f, w * s:w * s + f, c] += g
    return dA_prev
