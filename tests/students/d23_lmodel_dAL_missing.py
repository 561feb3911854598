"""Wes: dAL = -Y / AL (forgot the (1 - Y)/(1 - AL) term)."""
import numpy as np

EXPECT = {"L_model_backward": "L_model_backward/dAL_missing_term"}


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = -np.divide(Y, AL)
    for l in reversed(range(1, L + 1)):
        activation = "sigmoid" if l == L else "relu"
        upstream = dAL if l == L else grads["dA" + str(l)]
        grads["dA" + str(l - 1)], grads["dW" + str(l)], grads["db" + str(l)] = \
            linear_activation_backward(upstream, caches[l - 1], activation)
    return grads
