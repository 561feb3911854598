"""Hugo: "inverted dropout divides by p", so divides the (already scaled) mask by p again."""
import numpy as np

EXPECT = {"dropout_backward": "dropout_backward/scaled_twice"}


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        dx = dout * mask / dropout_param["p"]
    else:
        dx = dout
    return dx
