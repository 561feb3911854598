"""Bram: copy-pasted his sigmoid_backward into relu_backward; and his sigmoid_backward
multiplies by s only."""
import numpy as np

EXPECT = {
    "relu_backward": "relu_backward/sigmoid_derivative",
    "sigmoid_backward": "sigmoid_backward/s_not_derivative",
}


def relu_backward(dA, cache):
    s = 1 / (1 + np.exp(-cache))
    return dA * s * (1 - s)


def sigmoid_backward(dA, cache):
    s = 1 / (1 + np.exp(-cache))
    return dA * s
