"""Eli: four loops, but writes each window's gradient into dA_prev_pad with = (dW and db are right)."""
import numpy as np

EXPECT = {"conv_backward": "conv_backward/assign_not_accumulate"}


def conv_backward(dZ, cache):
    A_prev, W, b, hparameters = cache
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f = W.shape[0]
    n_C = W.shape[3]
    stride, pad = hparameters["stride"], hparameters["pad"]
    _, n_H, n_W, _ = dZ.shape
    dW = np.zeros_like(W)
    db = np.zeros_like(b)
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = np.zeros_like(A_prev_pad)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    r0, c0 = h * stride, w * stride
                    window = A_prev_pad[i, r0:r0 + f, c0:c0 + f, :]
                    dA_prev_pad[i, r0:r0 + f, c0:c0 + f, :] = W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += window * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
    dA_prev = dA_prev_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :]
    return dA_prev, dW, db
