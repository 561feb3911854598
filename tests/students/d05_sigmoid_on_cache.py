"""Eve: takes the cache for the activation and applies s(1 - s) to Z."""
import numpy as np

EXPECT = {"sigmoid_backward": "sigmoid_backward/cache_as_activation"}


def sigmoid_backward(dA, cache):
    s = cache
    ds = s * (1 - s)
    return dA * ds
