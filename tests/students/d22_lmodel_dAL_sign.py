"""Vic: drops the leading minus of dAL."""
import numpy as np

EXPECT = {"L_model_backward": "L_model_backward/dAL_sign"}


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = np.reshape(Y, AL.shape)
    dAL = Y / AL - (1 - Y) / (1 - AL)
    dA_prev, dW, db = linear_activation_backward(dAL, caches[-1], "sigmoid")
    grads["dA" + str(L - 1)] = dA_prev
    grads["dW" + str(L)] = dW
    grads["db" + str(L)] = db
    for l in range(L - 1, 0, -1):
        dA_prev, dW, db = linear_activation_backward(grads["dA" + str(l)], caches[l - 1], "relu")
        grads["dA" + str(l - 1)] = dA_prev
        grads["dW" + str(l)] = dW
        grads["db" + str(l)] = db
    return grads
