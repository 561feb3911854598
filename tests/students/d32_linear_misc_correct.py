"""Dara: db as dZ times a column of ones, dW with np.tensordot, m from dZ."""
import numpy as np

EXPECT = {"linear_backward": "correct"}


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = dZ.shape[1]
    ones = np.ones((m, 1))
    db = dZ @ ones / m
    dW = np.tensordot(dZ, A_prev, axes=([1], [1])) / m
    dA_prev = (dZ.T @ W).T
    return dA_prev, dW, db
