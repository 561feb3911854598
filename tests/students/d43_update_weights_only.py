"""Opal: updates only the weights (dict comprehension filtered on "W")."""
import numpy as np

EXPECT = {"update_parameters": "update_parameters/no_bias_update"}


def update_parameters(params, grads, learning_rate):
    return {k: (v - learning_rate * grads["d" + k] if k[0] == "W" else v) for k, v in params.items()}
