"""Quin: no helpers; the argmax of every window at once, then np.add.at (max), and
a loop over offsets for the average."""
import numpy as np

EXPECT = {"pool_backward": "correct"}


def pool_backward(dA, cache, mode="max"):
    A_prev, hp = cache
    f, s = hp["f"], hp["stride"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros_like(A_prev, dtype=float)
    if mode == "average":
        share = dA / (f * f)
        for u in range(f):
            for v in range(f):
                dA_prev[:, u:u + s * n_H:s, v:v + s * n_W:s, :] += share
        return dA_prev
    win = np.lib.stride_tricks.sliding_window_view(A_prev, (f, f), axis=(1, 2))[:, ::s, ::s]
    win = win[:, :n_H, :n_W]                                  # (m, n_H, n_W, n_C, f, f)
    flat = win.reshape(m, n_H, n_W, n_C, f * f).argmax(axis=-1)
    du, dv = np.divmod(flat, f)
    ii, hh, ww, cc = np.indices((m, n_H, n_W, n_C))
    np.add.at(dA_prev, (ii, hh * s + du, ww * s + dv, cc), dA)
    return dA_prev
