"""Abe: the classic Coursera loop that updates the caller's params in place and returns it
(allowed: update_parameters may change its params argument)."""
import numpy as np

EXPECT = {"update_parameters": "correct"}


def update_parameters(params, grads, learning_rate):
    L = len(params) // 2
    for l in range(1, L + 1):
        params["W" + str(l)] -= learning_rate * grads["dW" + str(l)]
        params["b" + str(l)] -= learning_rate * grads["db" + str(l)]
    return params
