"""Naive loop implementations of the heavy backward passes, for tests and benchmarks.

These are the straightforward versions a student is likely to write first (the
Coursera 4-loop style): one Python iteration per example, output position and channel,
or per feature and example. They keep exactly the signatures and cache formats of the
reference in ``solutions/``, so the tests can check that a loop-based solution matches
the vectorized reference, and ``bench/bench_reference.py`` can time both.
"""

import numpy as np

from solutions import create_mask_from_window, distribute_value, zero_pad

__all__ = ["conv_backward", "pool_backward", "batchnorm_backward"]


def conv_backward(dZ, cache):
    """Loop version of solutions.conv_backward: same arguments, same returns."""
    (A_prev, W, b, hparameters) = cache
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride = hparameters["stride"]
    pad = hparameters["pad"]
    (m, n_H, n_W, n_C) = dZ.shape

    dA_prev = np.zeros(A_prev.shape)
    dW = np.zeros(W.shape)
    db = np.zeros((1, 1, 1, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = zero_pad(dA_prev, pad)

    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        da_prev_pad = dA_prev_pad[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vert_start = h * stride
                    vert_end = vert_start + f
                    horiz_start = w * stride
                    horiz_end = horiz_start + f
                    a_slice = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                    da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
        # Not X[pad:-pad]: that slice is empty when pad == 0
        dA_prev[i] = da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :]

    return dA_prev, dW, db


def pool_backward(dA, cache, mode="max"):
    """Loop version of solutions.pool_backward, one window at a time with
    create_mask_from_window and distribute_value."""
    (A_prev, hparameters) = cache
    stride = hparameters["stride"]
    f = hparameters["f"]
    (m, n_H, n_W, n_C) = dA.shape

    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        a_prev = A_prev[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vert_start = h * stride
                    vert_end = vert_start + f
                    horiz_start = w * stride
                    horiz_end = horiz_start + f
                    if mode == "max":
                        a_prev_slice = a_prev[vert_start:vert_end, horiz_start:horiz_end, c]
                        mask = create_mask_from_window(a_prev_slice)
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += mask * dA[i, h, w, c]
                    elif mode == "average":
                        da = dA[i, h, w, c]
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += distribute_value(da, (f, f))
                    else:
                        raise ValueError(f'mode must be "max" or "average", got {mode!r}')
    return dA_prev


def batchnorm_backward(dout, cache):
    """Loop version of solutions.batchnorm_backward: one feature at a time, and within
    it one example at a time, with the per-feature formulas of the graph."""
    (x, x_hat, mu, var, gamma, beta, eps) = cache
    N, D = dout.shape
    dx = np.zeros((N, D))
    dgamma = np.zeros(D)
    dbeta = np.zeros(D)

    for d in range(D):
        ivar = 1.0 / np.sqrt(var[d] + eps)
        # out = gamma * x_hat + beta
        dxhat = np.zeros(N)
        for n in range(N):
            dbeta[d] += dout[n, d]
            dgamma[d] += dout[n, d] * x_hat[n, d]
            dxhat[n] = dout[n, d] * gamma[d]
        # x_hat = (x - mu) * ivar, through var and mu
        dvar = 0.0
        for n in range(N):
            dvar += dxhat[n] * (x[n, d] - mu[d]) * -0.5 * ivar ** 3
        dmu = 0.0
        for n in range(N):
            dmu += -dxhat[n] * ivar - 2.0 * dvar * (x[n, d] - mu[d]) / N
        for n in range(N):
            dx[n, d] = dxhat[n] * ivar + dvar * 2.0 * (x[n, d] - mu[d]) / N + dmu / N

    return dx, dgamma, dbeta
