"""Gwen: dx = dout * mask whatever the mode (in test mode the mask is None)."""
import numpy as np

EXPECT = {"dropout_backward": "dropout_backward/mask_in_test_mode"}


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    dx = dout * mask
    return dx
