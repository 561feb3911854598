"""Mara: forgets the learning rate (a loop over the W keys, the matching b by name)."""
import numpy as np

EXPECT = {"update_parameters": "update_parameters/no_learning_rate"}


def update_parameters(params, grads, learning_rate):
    new = {}
    for key in params:
        if key.startswith("W"):
            l = key[1:]
            new["W" + l] = params["W" + l] - grads["dW" + l]
            new["b" + l] = params["b" + l] - grads["db" + l]
    return new
