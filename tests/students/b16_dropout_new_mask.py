"""Kit: ignores the cached mask and draws a new one with np.random.rand."""
import numpy as np

EXPECT = {"dropout_backward": "contract/random"}


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    p = dropout_param["p"]
    if dropout_param["mode"] == "train":
        new_mask = (np.random.rand(*dout.shape) < p) / p
        return dout * new_mask
    return dout
