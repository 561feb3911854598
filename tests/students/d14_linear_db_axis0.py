"""Nia: sums db down the columns (axis 0) instead of along the rows."""
import numpy as np

EXPECT = {"linear_backward": "linear_backward/db_wrong_axis"}


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dA_prev = np.dot(W.T, dZ)
    dW = 1 / m * np.dot(dZ, A_prev.T)
    db = 1 / m * np.sum(dZ, axis=0, keepdims=True)
    return dA_prev, dW, db
