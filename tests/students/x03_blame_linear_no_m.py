"""Omar: linear_backward forgets the 1/m; his linear_activation_backward (one line per
branch) and his L_model_backward are right and call it."""
import numpy as np

EXPECT = {
    "linear_backward": "linear_backward/no_1_over_m",
    "linear_activation_backward": "blame/linear_backward",
    "L_model_backward": "blame/",
}


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    dW = np.dot(dZ, A_prev.T)
    db = np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation):
    lin, Z = cache
    if activation == "relu":
        return linear_backward(relu_backward(dA, Z), lin)
    return linear_backward(sigmoid_backward(dA, Z), lin)


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = np.reshape(Y, AL.shape)
    dA = -(Y / AL - (1 - Y) / (1 - AL))
    for l in range(L, 0, -1):
        act = "sigmoid" if l == L else "relu"
        dA, grads["dW" + str(l)], grads["db" + str(l)] = linear_activation_backward(dA, caches[l - 1], act)
        grads["dA" + str(l - 1)] = dA
    return grads
