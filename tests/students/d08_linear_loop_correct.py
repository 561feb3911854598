"""Hana: linear_backward with a loop over the examples, accumulating outer products."""
import numpy as np

EXPECT = {"linear_backward": "correct"}


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    n, m = dZ.shape
    dW = np.zeros(W.shape)
    db = np.zeros((n, 1))
    for i in range(m):
        dW += np.outer(dZ[:, i], A_prev[:, i])
        db[:, 0] += dZ[:, i]
    dW = dW / m
    db = db / m
    dA_prev = W.T.dot(dZ)
    return dA_prev, dW, db
