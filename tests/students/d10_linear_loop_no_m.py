"""Jon: sums the per-example gradients in a loop and never averages them."""
import numpy as np

EXPECT = {"linear_backward": "linear_backward/no_1_over_m"}


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.zeros_like(W)
    db = np.zeros_like(b)
    for i in range(m):
        dz_i = dZ[:, i:i + 1]          # (n, 1)
        a_i = A_prev[:, i:i + 1]       # (n_prev, 1)
        dW = dW + dz_i @ a_i.T
        db = db + dz_i
    dA_prev = W.T @ dZ
    return dA_prev, dW, db
