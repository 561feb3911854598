"""Xia: 1-based layers, but every key one too high (dA_prev of layer l saved as dA{l},
dW of layer l as dW{l+1}); she reads her own keys back consistently, so only the names are off."""
import numpy as np

EXPECT = {"L_model_backward": "L_model_backward/keys_one_too_high"}


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = -(Y / AL - (1 - Y) / (1 - AL))
    dA_prev, dW, db = linear_activation_backward(dAL, caches[L - 1], "sigmoid")
    grads["dA" + str(L)] = dA_prev
    grads["dW" + str(L + 1)] = dW
    grads["db" + str(L + 1)] = db
    for l in reversed(range(1, L)):
        dA_prev, dW, db = linear_activation_backward(grads["dA" + str(l + 1)], caches[l - 1], "relu")
        grads["dA" + str(l)] = dA_prev
        grads["dW" + str(l + 1)] = dW
        grads["db" + str(l + 1)] = db
    return grads
