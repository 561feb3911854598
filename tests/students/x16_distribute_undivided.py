"""Quentin: distribute_value forgets the division; his pool_backward (loops, += distribute_value)
is right: blamed on the helper, not charged with "did not divide by f^2" itself."""
import numpy as np

EXPECT = {
    "distribute_value": "distribute_value/no_division",
    "pool_backward": "blame/distribute_value",
}


def create_mask_from_window(x):
    return x == np.max(x)


def distribute_value(dz, shape):
    return np.full(shape, float(dz))


def pool_backward(dA, cache, mode="max"):
    (A_prev, hparameters) = cache
    stride, f = hparameters["stride"], hparameters["f"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vert_start, horiz_start = h * stride, w * stride
                    vert_end, horiz_end = vert_start + f, horiz_start + f
                    if mode == "max":
                        a_prev_slice = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]
                        mask = create_mask_from_window(a_prev_slice)
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += mask * dA[i, h, w, c]
                    elif mode == "average":
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += distribute_value(dA[i, h, w, c], (f, f))
    return dA_prev
