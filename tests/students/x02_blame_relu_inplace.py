"""Noah: dZ = dA; dZ[Z <= 0] = 0 (the pitfall the notebook warns about): relu_backward's
result is right but it zeroes the caller's dA. In his (otherwise correct, Coursera-style)
L_model_backward, linear_activation_backward(grads["dA" + str(l + 1)], ...) hands
grads["dA1"] ... to relu_backward, which overwrites them: those grads come out wrong."""
import numpy as np

EXPECT = {
    # right values; modifying dA is flagged but costs nothing here
    "relu_backward": "correct",
    # right values too; the changed input comes from relu_backward
    "linear_activation_backward": "correct",
    # grads["dA1"], ... are wrong, because of relu_backward's in-place edit
    "L_model_backward": {"kind": "blame", "id": "changes_input", "match": "contains", "score": "below"},
}
FLAGS = {
    "relu_backward": ["contract/changes_input"],
    "linear_activation_backward": ["contract/changes_input"],
}


def relu_backward(dA, cache):
    Z = cache
    dZ = dA
    dZ[Z <= 0] = 0
    return dZ


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    if activation == "relu":
        dZ = relu_backward(dA, activation_cache)
        dA_prev, dW, db = linear_backward(dZ, linear_cache)
    elif activation == "sigmoid":
        dZ = sigmoid_backward(dA, activation_cache)
        dA_prev, dW, db = linear_backward(dZ, linear_cache)
    return dA_prev, dW, db


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    current_cache = caches[L - 1]
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = \
        linear_activation_backward(dAL, current_cache, "sigmoid")
    for l in reversed(range(L - 1)):
        current_cache = caches[l]
        dA_prev_temp, dW_temp, db_temp = linear_activation_backward(grads["dA" + str(l + 1)], current_cache, "relu")
        grads["dA" + str(l)] = dA_prev_temp
        grads["dW" + str(l + 1)] = dW_temp
        grads["db" + str(l + 1)] = db_temp
    return grads
