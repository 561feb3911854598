"""Ivan: einsum everywhere, db as a mean with keepdims."""
import numpy as np

EXPECT = {"linear_backward": "correct"}


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.einsum("ij,kj->ik", dZ, A_prev) / m
    db = dZ.mean(axis=1, keepdims=True)
    dA_prev = np.einsum("ji,jk->ik", W, dZ)
    return dA_prev, dW, db
