"""Kai: carries notebook 01's habit over and averages dW and db over the batch."""
import numpy as np

EXPECT = {"conv_backward": "conv_backward/divided_by_m"}


def conv_backward(dZ, cache):
    A_prev, W, b, hparameters = cache
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    f = W.shape[0]
    _, n_H, n_W, n_C = dZ.shape
    P = zero_pad(A_prev, pad)
    dP = np.zeros(P.shape)
    dW = np.zeros(W.shape)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                y, x = h * stride, w * stride
                patch = P[i, y:y + f, x:x + f, :]
                # all filters at once: (f, f, C_prev, 1) * (n_C,)
                dW += patch[..., np.newaxis] * dZ[i, h, w]
                dP[i, y:y + f, x:x + f, :] += W @ dZ[i, h, w]
    dW = dW / m
    db = np.mean(dZ, axis=0, keepdims=True).sum(axis=(1, 2), keepdims=True)
    dA_prev = dP[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :]
    return dA_prev, dW, db
