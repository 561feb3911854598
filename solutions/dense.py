"""Notebook 01: a deep fully connected network, forward and backward.

Layout: examples are columns. ``A`` is ``(n_l, m)``, ``W{l}`` is ``(n_l, n_{l-1})``,
``b{l}`` is ``(n_l, 1)``. The network is [LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID,
trained on the mean binary cross-entropy.
"""

import numpy as np


def sigmoid(Z):
    """Sigmoid activation, element-wise.

    Arguments:
    Z -- pre-activation, numpy array of any shape, e.g. (n_l, m)

    Returns:
    A -- sigmoid(Z) = 1 / (1 + exp(-Z)), same shape as Z
    cache -- Z itself, kept for sigmoid_backward
    """
    A = 1 / (1 + np.exp(-Z))
    cache = Z
    return A, cache


def relu(Z):
    """ReLU activation, element-wise.

    Arguments:
    Z -- pre-activation, numpy array of any shape, e.g. (n_l, m)

    Returns:
    A -- max(0, Z), same shape as Z
    cache -- Z itself, kept for relu_backward
    """
    A = np.maximum(0, Z)
    cache = Z
    return A, cache


def linear_forward(A, W, b):
    """The linear part of a layer: Z = W A + b.

    Arguments:
    A -- activations of the previous layer (or the input X), shape (n_{l-1}, m)
    W -- weights, shape (n_l, n_{l-1})
    b -- biases, shape (n_l, 1); broadcast over the m columns

    Returns:
    Z -- pre-activation, shape (n_l, m)
    cache -- the tuple (A, W, b):
        A -- shape (n_{l-1}, m)
        W -- shape (n_l, n_{l-1})
        b -- shape (n_l, 1)
    """
    Z = np.dot(W, A) + b
    cache = (A, W, b)
    return Z, cache


def linear_activation_forward(A_prev, W, b, activation):
    """One layer: LINEAR -> ACTIVATION.

    Arguments:
    A_prev -- activations of the previous layer (or the input X), shape (n_{l-1}, m)
    W -- weights, shape (n_l, n_{l-1})
    b -- biases, shape (n_l, 1)
    activation -- "relu" or "sigmoid"

    Returns:
    A -- post-activation, shape (n_l, m)
    cache -- the tuple (linear_cache, activation_cache):
        linear_cache -- (A_prev, W, b), the cache of linear_forward
        activation_cache -- Z, shape (n_l, m), the cache of relu or sigmoid
    """
    Z, linear_cache = linear_forward(A_prev, W, b)
    if activation == "relu":
        A, activation_cache = relu(Z)
    elif activation == "sigmoid":
        A, activation_cache = sigmoid(Z)
    else:
        raise ValueError(f'activation must be "relu" or "sigmoid", got {activation!r}')
    cache = (linear_cache, activation_cache)
    return A, cache


def L_model_forward(X, parameters):
    """Forward pass of [LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID.

    Arguments:
    X -- input, shape (n_0, m)
    parameters -- dict with "W1", "b1", ..., "WL", "bL":
        W{l} -- shape (n_l, n_{l-1})
        b{l} -- shape (n_l, 1)

    Returns:
    AL -- output of the last (sigmoid) layer, shape (n_L, m)
    caches -- list of the L caches of linear_activation_forward; caches[l - 1]
              belongs to layer l, i.e. ((A_prev, W{l}, b{l}), Z{l})
    """
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)], "relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid")
    caches.append(cache)
    return AL, caches


def compute_cost(AL, Y):
    """Mean binary cross-entropy over the m examples.

    Arguments:
    AL -- predicted probabilities, shape (1, m)
    Y -- true labels (0 or 1), shape (1, m) or (m,)

    Returns:
    cost -- -(1/m) * sum(Y log(AL) + (1 - Y) log(1 - AL)), a Python float
    """
    Y = np.reshape(Y, AL.shape)
    m = AL.shape[1]
    cost = -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m
    return float(cost)


def relu_backward(dA, cache):
    """Backward pass of a ReLU unit.

    Arguments:
    dA -- gradient with respect to the ReLU's output A, any shape, e.g. (n_l, m)
    cache -- Z, the ReLU's input, same shape as dA

    Returns:
    dZ -- gradient with respect to Z, same shape as Z:
          dA where Z > 0, and 0 where Z <= 0
    """
    Z = cache
    ### START CODE HERE ###
    dZ = dA * (Z > 0)
    ### END CODE HERE ###
    return dZ


def sigmoid_backward(dA, cache):
    """Backward pass of a sigmoid unit.

    Arguments:
    dA -- gradient with respect to the sigmoid's output A, any shape, e.g. (n_l, m)
    cache -- Z, the sigmoid's input, same shape as dA

    Returns:
    dZ -- gradient with respect to Z, same shape as Z:
          dA * s * (1 - s) with s = sigmoid(Z)
    """
    Z = cache
    ### START CODE HERE ###
    s = 1 / (1 + np.exp(-Z))
    dZ = dA * s * (1 - s)
    ### END CODE HERE ###
    return dZ


def linear_backward(dZ, cache):
    """Backward pass of the linear part of a layer, Z = W A_prev + b.

    dW and db are gradients of the mean cost over the m examples, hence the 1/m.

    Arguments:
    dZ -- gradient with respect to Z, shape (n_l, m)
    cache -- the tuple (A_prev, W, b) from linear_forward:
        A_prev -- shape (n_{l-1}, m)
        W -- shape (n_l, n_{l-1})
        b -- shape (n_l, 1)

    Returns:
    dA_prev -- gradient with respect to A_prev, shape (n_{l-1}, m): W^T dZ
    dW -- gradient with respect to W, shape (n_l, n_{l-1}): dZ A_prev^T / m
    db -- gradient with respect to b, shape (n_l, 1): the row sums of dZ / m
    """
    A_prev, W, b = cache
    m = A_prev.shape[1]
    ### START CODE HERE ###
    dW = np.dot(dZ, A_prev.T) / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = np.dot(W.T, dZ)
    ### END CODE HERE ###
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation):
    """Backward pass of one layer, LINEAR -> ACTIVATION: the activation first, then the linear part.

    Arguments:
    dA -- gradient with respect to the layer's output A, shape (n_l, m)
    cache -- the tuple (linear_cache, activation_cache) from linear_activation_forward:
        linear_cache -- (A_prev, W, b), shapes (n_{l-1}, m), (n_l, n_{l-1}), (n_l, 1)
        activation_cache -- Z, shape (n_l, m)
    activation -- "relu" or "sigmoid", as in the forward pass

    Returns:
    dA_prev -- gradient with respect to A_prev, shape (n_{l-1}, m)
    dW -- gradient with respect to W, shape (n_l, n_{l-1})
    db -- gradient with respect to b, shape (n_l, 1)
    """
    linear_cache, activation_cache = cache
    if activation == "relu":
        ### START CODE HERE ###
        dZ = relu_backward(dA, activation_cache)
        ### END CODE HERE ###
    elif activation == "sigmoid":
        ### START CODE HERE ###
        dZ = sigmoid_backward(dA, activation_cache)
        ### END CODE HERE ###
    else:
        raise ValueError(f'activation must be "relu" or "sigmoid", got {activation!r}')
    ### START CODE HERE ###
    dA_prev, dW, db = linear_backward(dZ, linear_cache)
    ### END CODE HERE ###
    return dA_prev, dW, db


def L_model_backward(AL, Y, caches):
    """Backward pass of [LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID with the cross-entropy cost.

    Arguments:
    AL -- output of L_model_forward, shape (1, m)
    Y -- true labels (0 or 1), shape (1, m) or (m,)
    caches -- the list of L caches from L_model_forward; caches[l - 1] is layer l's
              ((A_prev, W{l}, b{l}), Z{l}), with "relu" for l < L and "sigmoid" for l = L

    Returns:
    grads -- dict of gradients:
        grads["dA" + str(l)] -- gradient with respect to A^[l], shape (n_l, m), for
                                l = 0 ... L-1 (dA0 is the gradient with respect to X)
        grads["dW" + str(l)] -- gradient with respect to W{l}, shape (n_l, n_{l-1}), l = 1 ... L
        grads["db" + str(l)] -- gradient with respect to b{l}, shape (n_l, 1), l = 1 ... L
    """
    grads = {}
    L = len(caches)
    Y = np.reshape(Y, AL.shape)

    # Derivative of the cross-entropy with respect to AL
    ### START CODE HERE ###
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    ### END CODE HERE ###

    # Layer L: SIGMOID -> LINEAR
    ### START CODE HERE ###
    current_cache = caches[L - 1]
    dA_prev_temp, dW_temp, db_temp = linear_activation_backward(dAL, current_cache, "sigmoid")
    ### END CODE HERE ###
    grads["dA" + str(L - 1)] = dA_prev_temp
    grads["dW" + str(L)] = dW_temp
    grads["db" + str(L)] = db_temp

    # Layers L-1 down to 1: RELU -> LINEAR
    for l in reversed(range(1, L)):
        ### START CODE HERE ###
        current_cache = caches[l - 1]
        dA_prev_temp, dW_temp, db_temp = linear_activation_backward(grads["dA" + str(l)], current_cache, "relu")
        ### END CODE HERE ###
        grads["dA" + str(l - 1)] = dA_prev_temp
        grads["dW" + str(l)] = dW_temp
        grads["db" + str(l)] = db_temp

    return grads


def update_parameters(params, grads, learning_rate):
    """One step of gradient descent on every W{l} and b{l}.

    Returns a new dict: params and the arrays it holds are left unchanged.

    Arguments:
    params -- dict with "W1", "b1", ..., "WL", "bL"; W{l} is (n_l, n_{l-1}), b{l} is (n_l, 1)
    grads -- dict from L_model_backward, with "dW1", "db1", ..., "dWL", "dbL" of the same shapes
    learning_rate -- the step size alpha, a float

    Returns:
    parameters -- a new dict with the same keys: W{l} - alpha dW{l} and b{l} - alpha db{l}
    """
    parameters = params.copy()
    L = len(parameters) // 2
    for l in range(1, L + 1):
        ### START CODE HERE ###
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * grads["db" + str(l)]
        ### END CODE HERE ###
    return parameters
