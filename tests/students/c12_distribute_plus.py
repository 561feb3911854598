"""Ned: average = dz / (n_H + n_W)."""
import numpy as np

EXPECT = {"distribute_value": "distribute_value/divided_by_n_H_plus_n_W"}


def distribute_value(dz, shape):
    (n_H, n_W) = shape
    average = dz / (n_H + n_W)
    a = np.ones(shape) * average
    return a
