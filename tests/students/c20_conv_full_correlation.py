"""Pax: the textbook route, correctly: dA_prev_pad is the full correlation of dZ (dilated
by the stride, padded by f - 1) with the kernel rotated by 180 degrees; dW from
sliding_window_view and einsum. A flipped kernel, but the right one: not a mistake."""
import numpy as np

EXPECT = {"conv_backward": "correct"}


def conv_backward(dZ, cache):
    A_prev, W, b, hparameters = cache
    s, p = hparameters["stride"], hparameters["pad"]
    m, H, Wd, C_prev = A_prev.shape
    f, _, _, n_C = W.shape
    _, n_H, n_W, _ = dZ.shape
    A_pad = np.pad(A_prev, ((0, 0), (p, p), (p, p), (0, 0)))

    # dW[u, v, k, c] = sum_{i,h,w} A_pad[i, h*s + u, w*s + v, k] dZ[i, h, w, c]
    win = np.lib.stride_tricks.sliding_window_view(A_pad, (f, f), axis=(1, 2))[:, ::s, ::s][:, :n_H, :n_W]
    dW = np.einsum("ihwkuv,ihwc->uvkc", win, dZ)
    db = np.sum(dZ, axis=(0, 1, 2)).reshape(1, 1, 1, n_C)

    # dilate dZ by the stride, pad by f - 1, correlate with the rotated kernel
    Hd, Wdd = (n_H - 1) * s + 1, (n_W - 1) * s + 1
    dZd = np.zeros((m, Hd + 2 * (f - 1), Wdd + 2 * (f - 1), n_C))
    dZd[:, f - 1:f - 1 + Hd:s, f - 1:f - 1 + Wdd:s, :] = dZ
    W_rot = W[::-1, ::-1, :, :]
    out_H, out_W = Hd + f - 1, Wdd + f - 1          # rows of A_pad reached by some window
    full = np.zeros((m, out_H, out_W, C_prev))
    for u in range(f):
        for v in range(f):
            full += np.einsum("ihwc,kc->ihwk", dZd[:, u:u + out_H, v:v + out_W, :], W_rot[u, v])
    dA_pad = np.zeros(A_pad.shape)
    dA_pad[:, :out_H, :out_W, :] = full
    dA_prev = dA_pad[:, p:p + H, p:p + Wd, :]
    return dA_prev, dW, db
