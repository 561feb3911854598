"""Sol: window starts at (h, w); stride never used."""
import numpy as np

EXPECT = {"pool_backward": "pool_backward/stride_ignored"}


def pool_backward(dA, cache, mode="max"):
    A_prev, hparameters = cache
    f = hparameters["f"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros_like(A_prev)
    for i in range(m):
        for c in range(n_C):
            for h in range(n_H):
                for w in range(n_W):
                    if mode == "max":
                        sl = A_prev[i, h:h + f, w:w + f, c]
                        dA_prev[i, h:h + f, w:w + f, c] += (sl == sl.max()) * dA[i, h, w, c]
                    else:
                        dA_prev[i, h:h + f, w:w + f, c] += dA[i, h, w, c] / (f * f)
    return dA_prev
