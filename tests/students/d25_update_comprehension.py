"""Yan: update_parameters as a dict comprehension over every parameter."""
import numpy as np

EXPECT = {"update_parameters": "correct"}


def update_parameters(params, grads, learning_rate):
    return {name: value - learning_rate * grads["d" + name] for name, value in params.items()}
