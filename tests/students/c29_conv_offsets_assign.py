"""Sven: the offset loop the notebook's code cell suggests (di, dj), with tensordot, but
dA_prev_pad[...] = instead of += (overlapping windows: later offsets overwrite earlier ones)."""
import numpy as np

EXPECT = {"conv_backward": "conv_backward/assign_not_accumulate"}


def conv_backward(dZ, cache):
    (A_prev, W, b, hparameters) = cache
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride = hparameters["stride"]
    pad = hparameters["pad"]
    (m, n_H, n_W, n_C) = dZ.shape
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = np.zeros(A_prev_pad.shape)
    dW = np.zeros(W.shape)
    for di in range(f):
        for dj in range(f):
            rows = slice(di, di + stride * n_H, stride)
            cols = slice(dj, dj + stride * n_W, stride)
            dW[di, dj] = np.tensordot(A_prev_pad[:, rows, cols, :], dZ, axes=([0, 1, 2], [0, 1, 2]))
            dA_prev_pad[:, rows, cols, :] = np.tensordot(dZ, W[di, dj], axes=([3], [1]))
    db = np.sum(dZ, axis=(0, 1, 2)).reshape(1, 1, 1, n_C)
    dA_prev = dA_prev_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :]
    return dA_prev, dW, db
