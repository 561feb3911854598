"""Hal: returns dA_prev_pad itself (never removes the padding); tensordot over offsets."""
import numpy as np

EXPECT = {"conv_backward": "conv_backward/padding_not_cropped"}


def conv_backward(dZ, cache):
    A_prev, W, b, hparameters = cache
    stride, pad = hparameters["stride"], hparameters["pad"]
    f = W.shape[0]
    m, n_H, n_W, n_C = dZ.shape
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev = np.zeros(A_prev_pad.shape)
    dW = np.zeros(W.shape)
    for di in range(f):
        for dj in range(f):
            sl = (slice(None), slice(di, di + stride * n_H, stride), slice(dj, dj + stride * n_W, stride), slice(None))
            dW[di, dj] = np.tensordot(A_prev_pad[sl], dZ, axes=([0, 1, 2], [0, 1, 2]))
            dA_prev[sl] += np.tensordot(dZ, W[di, dj], axes=([3], [1]))
    db = np.sum(dZ, axis=(0, 1, 2), keepdims=True)
    return dA_prev, dW, db
