"""Bea: adds the gradient (gradient ascent), in a loop over range(L)."""
import numpy as np

EXPECT = {"update_parameters": "update_parameters/ascent"}


def update_parameters(params, grads, learning_rate):
    parameters = params.copy()
    L = len(parameters) // 2
    for l in range(L):
        k = str(l + 1)
        parameters["W" + k] = parameters["W" + k] + learning_rate * grads["dW" + k]
        parameters["b" + k] = parameters["b" + k] + learning_rate * grads["db" + k]
    return parameters
