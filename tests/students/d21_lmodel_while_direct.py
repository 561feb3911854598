"""Uma: a while loop that calls relu_backward / sigmoid_backward / linear_backward directly,
and builds dAL from Y flattened with ravel."""
import numpy as np

EXPECT = {"L_model_backward": "correct"}


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    y = np.ravel(Y)[np.newaxis, :]
    dA = (1 - y) / (1 - AL) - y / AL
    layer = L
    while layer >= 1:
        linear_cache, Z = caches[layer - 1]
        if layer == L:
            dZ = sigmoid_backward(dA, Z)
        else:
            dZ = relu_backward(dA, Z)
        dA, grads["dW%d" % layer], grads["db%d" % layer] = linear_backward(dZ, linear_cache)
        grads["dA%d" % (layer - 1)] = dA
        layer -= 1
    return grads
