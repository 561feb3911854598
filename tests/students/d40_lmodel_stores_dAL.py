"""Lena: stores dAL as grads["dA" + str(L)] first so that every layer reads its input from
grads the same way (one extra key; every required key has the right value)."""
import numpy as np

EXPECT = {"L_model_backward": "correct"}


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    grads["dA" + str(L)] = -(Y / AL - (1 - Y) / (1 - AL))
    for l in reversed(range(1, L + 1)):
        act = "sigmoid" if l == L else "relu"
        grads["dA" + str(l - 1)], grads["dW" + str(l)], grads["db" + str(l)] = \
            linear_activation_backward(grads["dA" + str(l)], caches[l - 1], act)
    return grads
