"""Mia: her relu_backward is wrong (keeps Z <= 0), her linear_activation_backward and
L_model_backward are right and call it: they must be blamed on relu_backward, not charged
with a mistake of their own."""
import numpy as np

EXPECT = {
    "relu_backward": "relu_backward/inverted_mask",
    "linear_activation_backward": {"kind": "blame", "id": "blame/", "match": "prefix",
                                   "title_contains": "consistent with your", "score": "below"},
    "L_model_backward": {"kind": "blame", "id": "blame/", "match": "prefix",
                         "title_contains": "consistent with your", "score": "below"},
}


def relu_backward(dA, cache):
    Z = cache
    dZ = np.copy(dA)
    dZ[Z > 0] = 0
    return dZ


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    if activation == "relu":
        dZ = relu_backward(dA, activation_cache)
    elif activation == "sigmoid":
        dZ = sigmoid_backward(dA, activation_cache)
    dA_prev, dW, db = linear_backward(dZ, linear_cache)
    return dA_prev, dW, db


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = \
        linear_activation_backward(dAL, caches[L - 1], "sigmoid")
    for l in reversed(range(L - 1)):
        dA_prev_temp, dW_temp, db_temp = linear_activation_backward(grads["dA" + str(l + 1)], caches[l], "relu")
        grads["dA" + str(l)] = dA_prev_temp
        grads["dW" + str(l + 1)] = dW_temp
        grads["db" + str(l + 1)] = db_temp
    return grads
