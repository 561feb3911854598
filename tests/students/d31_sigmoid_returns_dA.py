"""Cleo: sigmoid_backward computes s but returns dA (the result was assigned to the wrong name)."""
import numpy as np

EXPECT = {"sigmoid_backward": "sigmoid_backward/no_derivative"}


def sigmoid_backward(dA, cache):
    s = 1 / (1 + np.exp(-cache))
    dZ = dA
    ds = dZ * s * (1 - s)
    return dZ
