"""Gia: np.where on the kept units and 1/p written out; a copy of dout in test mode."""
import numpy as np

EXPECT = {"dropout_backward": "correct"}


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    mode = dropout_param["mode"]
    if mode == "train":
        p = dropout_param["p"]
        dx = np.where(mask > 0, dout / p, 0.0)
    elif mode == "test":
        dx = dout.copy()
    return dx
