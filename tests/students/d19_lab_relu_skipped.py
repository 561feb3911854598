"""Sam: the ReLU branch forgets relu_backward and passes dA straight to linear_backward
(the sigmoid branch is right)."""
import numpy as np

EXPECT = {"linear_activation_backward": "linear_activation_backward/no_activation_backward"}


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    if activation == "relu":
        dA_prev, dW, db = linear_backward(dA, linear_cache)
    else:
        dZ = sigmoid_backward(dA, activation_cache)
        dA_prev, dW, db = linear_backward(dZ, linear_cache)
    return dA_prev, dW, db
