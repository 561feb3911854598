"""Sten: distribute_value copies dz into every entry, no division."""
import numpy as np

EXPECT = {"distribute_value": "distribute_value/no_division"}


def distribute_value(dz, shape):
    a = np.empty(shape)
    a.fill(dz)
    return a
