"""Fen: db = dZ / m, never summed over the examples."""
import numpy as np

EXPECT = {"linear_backward": "linear_backward/db_not_summed"}


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = dZ.dot(A_prev.T) / m
    db = dZ / m
    dA_prev = W.T.dot(dZ)
    return dA_prev, dW, db
