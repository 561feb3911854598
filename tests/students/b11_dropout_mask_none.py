"""Fox: decides the mode from the mask being None; np.multiply."""
import numpy as np

EXPECT = {"dropout_backward": "correct"}


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if mask is None:
        return dout
    return np.multiply(dout, mask)
