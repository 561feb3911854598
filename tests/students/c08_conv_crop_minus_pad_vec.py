"""Jae: vectorized over offsets, then dA_prev = dA_prev_pad[:, pad:-pad, pad:-pad, :]."""
import numpy as np

EXPECT = {"conv_backward": "conv_backward/crop_minus_pad"}


def conv_backward(dZ, cache):
    A_prev, W, b, hparameters = cache
    stride, pad = hparameters["stride"], hparameters["pad"]
    f = W.shape[0]
    m, n_H, n_W, n_C = dZ.shape
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = np.zeros_like(A_prev_pad)
    dW = np.zeros_like(W)
    for a in range(f):
        for c in range(f):
            window = A_prev_pad[:, a:a + stride * n_H:stride, c:c + stride * n_W:stride, :]
            dW[a, c] = np.einsum("mhwk,mhwn->kn", window, dZ)
            dA_prev_pad[:, a:a + stride * n_H:stride, c:c + stride * n_W:stride, :] += dZ @ W[a, c].T
    db = dZ.sum(axis=(0, 1, 2)).reshape(b.shape)
    dA_prev = dA_prev_pad[:, pad:-pad, pad:-pad, :]
    return dA_prev, dW, db
