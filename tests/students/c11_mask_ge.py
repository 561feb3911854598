"""Mo: mask as x >= x.max(); distribute_value in a loop."""
import numpy as np

EXPECT = {"create_mask_from_window": "correct", "distribute_value": "correct"}


def create_mask_from_window(x):
    return x >= x.max()


def distribute_value(dz, shape):
    (n_H, n_W) = shape
    a = np.zeros(shape)
    for r in range(n_H):
        for c in range(n_W):
            a[r, c] = dz / (n_H * n_W)
    return a
