"""Lars: correct helpers written unusually (np.where, logaddexp, einsum), but his
linear_activation_backward always takes the ReLU branch: his own mistake, not the helpers'."""
import numpy as np

EXPECT = {
    "relu_backward": "correct",
    "sigmoid_backward": "correct",
    "linear_backward": "correct",
    "linear_activation_backward": {"kind": "mistake", "id": "linear_activation_backward/always_relu",
                                   "forbid": ["blame/"]},
}


def relu_backward(dA, cache):
    return np.where(cache > 0, dA, 0.0)


def sigmoid_backward(dA, cache):
    s = np.exp(-np.logaddexp(0.0, -cache))
    return dA * s * (1.0 - s)


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return (np.einsum("ji,jk->ik", W, dZ), np.einsum("ij,kj->ik", dZ, A_prev) / m,
            dZ.mean(axis=1, keepdims=True))


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    if activation:                      # meant: activation == "relu"
        dZ = relu_backward(dA, activation_cache)
    else:
        dZ = sigmoid_backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache)
