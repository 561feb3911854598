"""Ivy: relu_backward returns the mask only; her linear_activation_backward calls every
helper with keyword arguments."""
import numpy as np

EXPECT = {
    "relu_backward": "relu_backward/mask_only",
    "linear_activation_backward": "blame/relu_backward",
}


def relu_backward(dA, cache):
    return (cache > 0).astype(float)


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    if activation == "relu":
        dZ = relu_backward(dA=dA, cache=activation_cache)
    else:
        dZ = sigmoid_backward(dA=dA, cache=activation_cache)
    dA_prev, dW, db = linear_backward(dZ=dZ, cache=linear_cache)
    return dA_prev, dW, db
