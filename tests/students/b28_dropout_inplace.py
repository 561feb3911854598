"""Xavi: dout *= mask (the caller's array changes, the values are right); test mode returns dout."""
import numpy as np

EXPECT = {"dropout_backward": "correct"}
FLAGS = {"dropout_backward": ["contract/changes_input"]}


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        dout *= mask
    return dout
