"""Lin: mask from argmax + unravel_index; distribute_value with np.full and np.prod."""
import numpy as np

EXPECT = {"create_mask_from_window": "correct", "distribute_value": "correct"}


def create_mask_from_window(x):
    mask = np.zeros(x.shape, dtype=bool)
    mask[np.unravel_index(np.argmax(x), x.shape)] = True
    return mask


def distribute_value(dz, shape):
    return np.full(shape, dz / np.prod(shape))
