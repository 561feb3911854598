"""Quinn: picks the activation's backward from a dict of functions (looked up at call time)."""
import numpy as np

EXPECT = {"linear_activation_backward": "correct"}


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    backward = {"relu": relu_backward, "sigmoid": sigmoid_backward}[activation]
    dZ = backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache)
