"""Dev: loops over the f x f offsets only, einsum for both contractions, np.pad for the padding."""
import numpy as np

EXPECT = {"conv_backward": "correct"}


def conv_backward(dZ, cache):
    A_prev, W, b, hp = cache
    s, p = hp["stride"], hp["pad"]
    m, H, Wd, C_prev = A_prev.shape
    f = W.shape[0]
    _, n_H, n_W, n_C = dZ.shape
    P = np.pad(A_prev, ((0, 0), (p, p), (p, p), (0, 0)))
    dP = np.zeros_like(P)
    dW = np.empty_like(W)
    for u in range(f):
        for v in range(f):
            rows = slice(u, u + s * (n_H - 1) + 1, s)
            cols = slice(v, v + s * (n_W - 1) + 1, s)
            dW[u, v] = np.einsum("ihwk,ihwc->kc", P[:, rows, cols, :], dZ)
            dP[:, rows, cols, :] += np.einsum("ihwc,kc->ihwk", dZ, W[u, v])
    db = dZ.sum(axis=(0, 1, 2), keepdims=True)
    dA_prev = dP[:, p:p + H, p:p + Wd, :]
    return dA_prev, dW, db
