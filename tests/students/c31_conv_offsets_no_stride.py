"""Uri: the offset loop with slices of step 1 (di:di + n_H): the stride is never used."""
import numpy as np

EXPECT = {"conv_backward": "conv_backward/stride_ignored"}


def conv_backward(dZ, cache):
    A_prev, W, b, hparameters = cache
    pad = hparameters["pad"]
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f = W.shape[0]
    _, n_H, n_W, n_C = dZ.shape
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = np.zeros_like(A_prev_pad)
    dW = np.zeros_like(W)
    for di in range(f):
        for dj in range(f):
            patch = A_prev_pad[:, di:di + n_H, dj:dj + n_W, :]
            dW[di, dj] = np.einsum("ihwk,ihwc->kc", patch, dZ)
            dA_prev_pad[:, di:di + n_H, dj:dj + n_W, :] += dZ @ W[di, dj].T
    db = dZ.sum(axis=(0, 1, 2), keepdims=True)
    return dA_prev_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :], dW, db
