"""Ben: relu by copying dA and zeroing in place on the copy; sigmoid through the provided sigmoid()."""
import numpy as np

EXPECT = {"relu_backward": "correct", "sigmoid_backward": "correct"}


def relu_backward(dA, cache):
    Z = cache
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def sigmoid_backward(dA, cache):
    A, _ = sigmoid(cache)          # the provided forward function
    return np.multiply(dA, A - A ** 2)
