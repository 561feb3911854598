"""Ada: relu with np.where, a numerically stable sigmoid through logaddexp."""
import numpy as np

EXPECT = {"relu_backward": "correct", "sigmoid_backward": "correct"}


def relu_backward(dA, cache):
    Z = cache
    dZ = np.where(Z > 0, dA, 0.0)
    return dZ


def sigmoid_backward(dA, cache):
    Z = cache
    # sigma(Z) = exp(-log(1 + exp(-Z))), never overflows
    s = np.exp(-np.logaddexp(0.0, -Z))
    dZ = dA * s * (1.0 - s)
    return dZ
