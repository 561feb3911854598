"""Gem: ignores the activation argument: always relu_backward."""
import numpy as np

EXPECT = {"linear_activation_backward": "linear_activation_backward/always_relu"}


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    dZ = relu_backward(dA, activation_cache)
    dA_prev, dW, db = linear_backward(dZ, linear_cache)
    return dA_prev, dW, db
