"""Wanda: sigmoid through tanh, and a linear_backward that returns a list instead of a tuple."""
import numpy as np

EXPECT = {"sigmoid_backward": "correct", "linear_backward": "correct"}


def sigmoid_backward(dA, cache):
    s = 0.5 * (1.0 + np.tanh(0.5 * cache))
    return dA * s * (1.0 - s)


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return [np.dot(W.T, dZ), np.dot(dZ, A_prev.T) / m, np.sum(dZ, axis=1, keepdims=True) / m]
