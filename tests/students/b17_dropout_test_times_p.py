"""Lou: old-style dropout in test mode: multiplies by p."""
import numpy as np

EXPECT = {"dropout_backward": "dropout_backward/scaled_in_test_mode"}


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "test":
        return dout * dropout_param["p"]
    return dout * mask
