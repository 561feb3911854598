"""Dan: copies dA "to be safe" and then forgets to zero anything."""
import numpy as np

EXPECT = {"relu_backward": "relu_backward/no_derivative"}


def relu_backward(dA, cache):
    Z = cache
    dZ = dA.copy()
    # TODO: set dZ to 0 where Z <= 0
    assert dZ.shape == Z.shape
    return dZ
