"""Ines: rebuilds a 0/1 mask from the cached one (mask != 0) and forgets the 1/p."""
import numpy as np

EXPECT = {"dropout_backward": "dropout_backward/not_scaled"}


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        keep = (mask != 0).astype(dout.dtype)
        dx = dout * keep
    else:
        dx = dout
    return dx
