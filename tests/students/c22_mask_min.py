"""Rosa: the mask of the minimum (np.argmin); distribute_value divides by the rows only."""
import numpy as np

EXPECT = {
    "create_mask_from_window": "create_mask_from_window/min_not_max",
    "distribute_value": "distribute_value/divided_by_n_H",
}


def create_mask_from_window(x):
    mask = np.full(x.shape, False)
    mask.flat[np.argmin(x)] = True
    return mask


def distribute_value(dz, shape):
    n_rows = shape[0]
    return np.full(shape, dz) / n_rows
