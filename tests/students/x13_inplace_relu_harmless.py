"""Nora: relu_backward zeroes dA in place, but her L_model_backward stores copies of every
dA before passing it on, so none of her results is wrong."""
import numpy as np

EXPECT = {
    "relu_backward": "correct",
    "L_model_backward": "correct",
}
FLAGS = {"relu_backward": ["contract/changes_input"]}


def relu_backward(dA, cache):
    dA[cache <= 0] = 0
    return dA


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    if activation == "relu":
        dZ = relu_backward(dA, activation_cache)
    else:
        dZ = sigmoid_backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dA = -(Y / AL - (1 - Y) / (1 - AL))
    for l in range(L, 0, -1):
        dA, dW, db = linear_activation_backward(dA, caches[l - 1], "sigmoid" if l == L else "relu")
        grads["dA" + str(l - 1)] = dA.copy()
        grads["dW" + str(l)] = dW
        grads["db" + str(l)] = db
    return grads
