"""Ana: relu_backward returns the 0/1 mask itself (forgot to multiply by dA);
sigmoid_backward uses the ReLU's step function."""
import numpy as np

EXPECT = {
    "relu_backward": "relu_backward/mask_only",
    "sigmoid_backward": "sigmoid_backward/relu_derivative",
}


def relu_backward(dA, cache):
    dZ = np.ones_like(dA)
    dZ[cache <= 0] = 0.0
    return dZ


def sigmoid_backward(dA, cache):
    return np.where(cache > 0, dA, 0)
