"""Lea: averages dZ first, then divides dW and db by m again."""
import numpy as np

EXPECT = {"linear_backward": "linear_backward/1_over_m_twice"}


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dZ_mean = dZ / m
    dW = np.matmul(dZ_mean, A_prev.T) / m
    db = np.mean(dZ_mean, axis=1, keepdims=True)
    dA_prev = np.matmul(W.T, dZ)
    return dA_prev, dW, db
