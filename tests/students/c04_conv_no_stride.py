"""Fay: windows start at (h, w) instead of (h * stride, w * stride)."""
import numpy as np

EXPECT = {"conv_backward": "conv_backward/stride_ignored"}


def conv_backward(dZ, cache):
    A_prev, W, b, hparameters = cache
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, _, _, n_C = W.shape
    pad = hparameters["pad"]
    _, n_H, n_W, _ = dZ.shape
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = np.zeros(A_prev_pad.shape)
    dW = np.zeros(W.shape)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vert_start, horiz_start = h, w
                    a_slice = A_prev_pad[i, vert_start:vert_start + f, horiz_start:horiz_start + f, :]
                    dA_prev_pad[i, vert_start:vert_start + f, horiz_start:horiz_start + f, :] += W[..., c] * dZ[i, h, w, c]
                    dW[..., c] += a_slice * dZ[i, h, w, c]
    db = np.sum(dZ, axis=(0, 1, 2)).reshape(1, 1, 1, n_C)
    dA_prev = dA_prev_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :]
    return dA_prev, dW, db
