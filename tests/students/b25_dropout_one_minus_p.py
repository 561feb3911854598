"""Faye: reads p as the drop probability and rescales a 0/1 mask by 1/(1 - p)."""
import numpy as np

EXPECT = {"dropout_backward": "dropout_backward/one_minus_p"}


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        keep = mask > 0
        dx = dout * keep / (1 - dropout_param["p"])
    else:
        dx = dout
    return dx
