"""Finn: masks where the gradient is positive (reads the mask from dA), in a loop."""
import numpy as np

EXPECT = {"relu_backward": "relu_backward/mask_from_dA"}


def relu_backward(dA, cache):
    dZ = np.zeros_like(dA)
    rows, cols = dA.shape
    for r in range(rows):
        for c in range(cols):
            if dA[r, c] > 0:
                dZ[r, c] = dA[r, c]
    return dZ
