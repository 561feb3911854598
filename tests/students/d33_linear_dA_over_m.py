"""Eli: divides everything by m, dA_prev included."""
import numpy as np

EXPECT = {"linear_backward": "linear_backward/1_over_m_in_dA_prev"}


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dA_prev = (1 / m) * np.dot(W.T, dZ)
    dW = (1 / m) * np.dot(dZ, A_prev.T)
    db = (1 / m) * np.sum(dZ, axis=1, keepdims=True)
    return dA_prev, dW, db
