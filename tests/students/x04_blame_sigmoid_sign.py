"""Pem: sigmoid_backward with the sign flipped; a right linear_activation_backward calling it."""
import numpy as np

EXPECT = {
    "sigmoid_backward": "sigmoid_backward/sign",
    "linear_activation_backward": "blame/sigmoid_backward",
}


def sigmoid_backward(dA, cache):
    s = 1.0 / (1.0 + np.exp(-cache))
    return dA * s * (s - 1.0)


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    if activation == "sigmoid":
        dZ = sigmoid_backward(dA, activation_cache)
    else:
        dZ = relu_backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache)
