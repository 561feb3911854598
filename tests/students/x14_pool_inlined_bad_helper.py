"""Omid: create_mask_from_window returns the values (wrong), but his pool_backward never calls
it (inlines the comparison): pool_backward is right and must not be blamed."""
import numpy as np

EXPECT = {
    "create_mask_from_window": "create_mask_from_window/values_not_mask",
    "pool_backward": "correct",
}


def create_mask_from_window(x):
    return x * (x == np.max(x))


def distribute_value(dz, shape):
    return np.ones(shape) * dz / (shape[0] * shape[1])


def pool_backward(dA, cache, mode="max"):
    A_prev, hp = cache
    f, s = hp["f"], hp["stride"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    win = A_prev[i, h * s:h * s + f, w * s:w * s + f, c]
                    if mode == "max":
                        dA_prev[i, h * s:h * s + f, w * s:w * s + f, c] += (win == np.max(win)) * dA[i, h, w, c]
                    else:
                        dA_prev[i, h * s:h * s + f, w * s:w * s + f, c] += distribute_value(dA[i, h, w, c], (f, f))
    return dA_prev
