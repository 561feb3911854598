"""Gus: writes sigma'(z) = s (s - 1)."""
import numpy as np

EXPECT = {"sigmoid_backward": "sigmoid_backward/sign"}


def sigmoid_backward(dA, cache):
    s = 1 / (1 + np.exp(-cache))
    return dA * (s * (s - 1))
