"""Xeno: vectorized, but hands all the windows at once to his (correct) create_mask_from_window,
which then compares with the maximum of the whole batch. The bug is in pool_backward, not in
the helper: the grader must not blame the helper."""
import numpy as np

EXPECT = {
    "create_mask_from_window": "correct",
    "pool_backward": {"kind": "wrong", "forbid": ["blame/"]},
}


def create_mask_from_window(x):
    return x == np.max(x)


def distribute_value(dz, shape):
    n_H, n_W = shape
    return np.ones(shape) * dz / (n_H * n_W)


def pool_backward(dA, cache, mode="max"):
    A_prev, hparameters = cache
    f, stride = hparameters["f"], hparameters["stride"]
    m, n_H, n_W, n_C = dA.shape
    g = dA[..., np.newaxis, np.newaxis]
    if mode == "max":
        windows = np.lib.stride_tricks.sliding_window_view(A_prev, (f, f), axis=(1, 2))[:, ::stride, ::stride]
        dwindows = create_mask_from_window(windows) * g
    else:
        dwindows = g * distribute_value(1.0, (f, f))
    dA_prev = np.zeros(A_prev.shape)
    for di in range(f):
        for dj in range(f):
            dA_prev[:, di:di + stride * n_H:stride, dj:dj + stride * n_W:stride, :] += dwindows[..., di, dj]
    return dA_prev
