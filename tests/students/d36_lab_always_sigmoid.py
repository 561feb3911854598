"""Hux: compares activation with "Relu" (capital R), so every layer goes through the sigmoid branch."""
import numpy as np

EXPECT = {"linear_activation_backward": "linear_activation_backward/always_sigmoid"}


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    if activation == "Relu":
        dZ = relu_backward(dA, activation_cache)
    else:
        dZ = sigmoid_backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache)
