"""Kim: remembers the 1/m for dW but not for db."""
import numpy as np

EXPECT = {"linear_backward": "linear_backward/no_1_over_m"}


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = (1. / m) * np.dot(dZ, A_prev.T)
    db = np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db
