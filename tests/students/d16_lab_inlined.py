"""Pia: linear_activation_backward with everything inlined (no helper calls), and her
relu_backward is wrong (inverted mask) -- her linear_activation_backward does not use it,
so it must not be blamed for it."""
import numpy as np

EXPECT = {
    "linear_activation_backward": "correct",
    "relu_backward": "relu_backward/inverted_mask",
}


def relu_backward(dA, cache):
    return dA * (cache <= 0)


def linear_activation_backward(dA, cache, activation):
    (A_prev, W, b), Z = cache
    if activation == "relu":
        dZ = dA * (Z > 0)
    else:
        sig = 1.0 / (1.0 + np.exp(-Z))
        dZ = dA * sig * (1.0 - sig)
    m = A_prev.shape[1]
    dW = dZ @ A_prev.T / m
    db = dZ.sum(axis=1, keepdims=True) / m
    dA_prev = W.T @ dZ
    return dA_prev, dW, db
