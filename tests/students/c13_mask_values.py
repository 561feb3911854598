"""Ola: returns x * (x == max), the window's values where the mask is."""
import numpy as np

EXPECT = {"create_mask_from_window": "create_mask_from_window/values_not_mask"}


def create_mask_from_window(x):
    mask = x == np.max(x)
    return x * mask
