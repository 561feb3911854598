"""Chloe: relu via a float mask with np.heaviside; sigmoid derivative as e^-z / (1 + e^-z)^2."""
import numpy as np

EXPECT = {"relu_backward": "correct", "sigmoid_backward": "correct"}


def relu_backward(dA, cache):
    gprime = np.heaviside(cache, 0.0)
    return dA * gprime


def sigmoid_backward(dA, cache):
    e = np.exp(-cache)
    return dA * e / (1.0 + e) ** 2
