"""Mistakes of notebook 01 (a deep network): activations, the linear part, a layer, the
whole model, the update. Each function is the reference with one classic mistake."""

from __future__ import annotations

import numpy as np

import solutions as ref
from grader.mistakes import mistake


def _sig(Z):
    return 1 / (1 + np.exp(-Z))


# --- relu_backward(dA, cache) -> dZ --------------------------------------------------------

@mistake("relu_backward", "no_derivative", "returned dA unchanged (no ReLU derivative)",
         "The ReLU passes the gradient only where its input was positive: dZ = dA * (Z > 0).")
def relu_no_derivative(dA, cache):
    return np.array(dA, copy=True)


@mistake("relu_backward", "mask_only", "returned the ReLU mask without multiplying by dA",
         "The chain rule multiplies the upstream gradient by the local derivative: dZ = dA * (Z > 0).")
def relu_mask_only(dA, cache):
    return (cache > 0).astype(float)


@mistake("relu_backward", "inverted_mask", "kept the gradient where Z ≤ 0 instead of where Z > 0",
         "ReLU's derivative is 1 for Z > 0 and 0 elsewhere: keep dA where Z > 0.")
def relu_inverted_mask(dA, cache):
    return dA * (cache <= 0)


@mistake("relu_backward", "mask_from_dA", "masked with the sign of dA instead of Z",
         "The mask comes from the forward input Z (the cache), not from the gradient: dZ = dA * (Z > 0).")
def relu_mask_from_dA(dA, cache):
    return dA * (dA > 0)


@mistake("relu_backward", "sigmoid_derivative", "used the sigmoid's derivative in relu_backward",
         "relu_backward needs ReLU's derivative, 1 where Z > 0 and 0 elsewhere.")
def relu_sigmoid_derivative(dA, cache):
    s = _sig(cache)
    return dA * s * (1 - s)


# --- sigmoid_backward(dA, cache) -> dZ -----------------------------------------------------

@mistake("sigmoid_backward", "no_derivative", "returned dA unchanged (no sigmoid derivative)",
         "Multiply by the sigmoid's derivative: dZ = dA * s * (1 - s) with s = 1 / (1 + exp(-Z)).")
def sigmoid_no_derivative(dA, cache):
    return np.array(dA, copy=True)


@mistake("sigmoid_backward", "s_not_derivative", "multiplied by s instead of s(1 − s)",
         "The sigmoid's derivative is s * (1 - s), not s itself.")
def sigmoid_s_only(dA, cache):
    return dA * _sig(cache)


@mistake("sigmoid_backward", "cache_as_activation", "used Z as if it were the activation s = σ(Z)",
         "The cache holds Z, the sigmoid's input: compute s = 1 / (1 + np.exp(-Z)) first, then dA * s * (1 - s).")
def sigmoid_cache_as_activation(dA, cache):
    return dA * cache * (1 - cache)


@mistake("sigmoid_backward", "relu_derivative", "used ReLU's derivative in sigmoid_backward",
         "sigmoid_backward needs the sigmoid's derivative, s * (1 - s).")
def sigmoid_relu_derivative(dA, cache):
    return dA * (cache > 0)


@mistake("sigmoid_backward", "sign", "flipped the sign of the derivative (s(s − 1))",
         "σ'(Z) = s (1 - s) is positive everywhere.")
def sigmoid_sign(dA, cache):
    s = _sig(cache)
    return dA * s * (s - 1)


# --- linear_backward(dZ, cache) -> dA_prev, dW, db -----------------------------------------

@mistake("linear_backward", "no_1_over_m", "forgot the 1/m in {outputs}",
         "dW and db are averages over the m examples: divide by m = A_prev.shape[1] "
         "(dA_prev has no 1/m).")
def linear_no_1_over_m(dZ, cache):
    A_prev, W, b = cache
    return W.T @ dZ, dZ @ A_prev.T, np.sum(dZ, axis=1, keepdims=True)


@mistake("linear_backward", "1_over_m_twice", "divided {outputs} by m twice",
         "Divide dW and db by m once: dW = dZ A_prevᵀ / m.")
def linear_1_over_m_twice(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m**2, np.sum(dZ, axis=1, keepdims=True) / m**2


@mistake("linear_backward", "1_over_m_in_dA_prev", "divided dA_prev by m",
         "Only dW and db average over the examples; dA_prev = Wᵀ dZ keeps one column per example.")
def linear_1_over_m_in_dA_prev(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ / m, dZ @ A_prev.T / m, np.sum(dZ, axis=1, keepdims=True) / m


@mistake("linear_backward", "db_wrong_axis", "summed db over the wrong axis",
         "b is added to every example (column), so db sums dZ over the examples: "
         "np.sum(dZ, axis=1, keepdims=True) / m.")
def linear_db_wrong_axis(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, np.sum(dZ, axis=0, keepdims=True) / m


@mistake("linear_backward", "db_no_keepdims", "dropped keepdims in db (shape (n,) instead of (n, 1))",
         "np.sum(dZ, axis=1, keepdims=True) keeps db a column of shape (n_l, 1), like b.")
def linear_db_no_keepdims(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, np.sum(dZ, axis=1) / m


@mistake("linear_backward", "db_not_summed", "did not sum db over the examples",
         "db has the shape of b, (n_l, 1): sum dZ over the m examples (axis=1), then divide by m.")
def linear_db_not_summed(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, dZ / m


@mistake("linear_backward", "dW_transposed", "computed dW transposed (A_prev dZᵀ)",
         "dW has the shape of W, (n_l, n_{l-1}): dW = dZ A_prevᵀ / m, in that order.")
def linear_dW_transposed(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, A_prev @ dZ.T / m, np.sum(dZ, axis=1, keepdims=True) / m


# --- linear_activation_backward(dA, cache, activation) -------------------------------------

_REFERENCE = {"relu_backward": ref.relu_backward, "sigmoid_backward": ref.sigmoid_backward,
              "linear_backward": ref.linear_backward}


def layer_backward(dA, cache, activation, h=None):
    """linear_activation_backward composed from the helpers in ``h`` (default: the
    reference's): the variants' base, and the replay of grader/mistakes/blame.py."""
    h = h or _REFERENCE
    linear_cache, Z = cache
    dZ = h["relu_backward"](dA, Z) if activation == "relu" else h["sigmoid_backward"](dA, Z)
    return h["linear_backward"](dZ, linear_cache)


@mistake("linear_activation_backward", "swapped_activations",
         "used sigmoid_backward for \"relu\" and relu_backward for \"sigmoid\"",
         'activation == "relu" calls relu_backward, "sigmoid" calls sigmoid_backward.')
def lab_swapped(dA, cache, activation):
    return layer_backward(dA, cache, "sigmoid" if activation == "relu" else "relu")


@mistake("linear_activation_backward", "always_relu", "used relu_backward whatever the activation",
         "Branch on activation: the output layer is a sigmoid and needs sigmoid_backward.")
def lab_always_relu(dA, cache, activation):
    return layer_backward(dA, cache, "relu")


@mistake("linear_activation_backward", "always_sigmoid", "used sigmoid_backward whatever the activation",
         "Branch on activation: the hidden layers are ReLUs and need relu_backward.")
def lab_always_sigmoid(dA, cache, activation):
    return layer_backward(dA, cache, "sigmoid")


@mistake("linear_activation_backward", "no_activation_backward",
         "skipped the activation's backward pass (passed dA to linear_backward)",
         "First dZ = relu_backward(dA, activation_cache) (or sigmoid_backward), then linear_backward(dZ, linear_cache).")
def lab_no_activation(dA, cache, activation):
    linear_cache, Z = cache
    return ref.linear_backward(dA, linear_cache)


@mistake("linear_activation_backward", "no_activation_backward")
def lab_no_relu_backward(dA, cache, activation):
    """The relu branch only skips its derivative."""
    linear_cache, Z = cache
    return ref.linear_backward(dA, linear_cache) if activation == "relu" else layer_backward(dA, cache, activation)


@mistake("linear_activation_backward", "no_activation_backward")
def lab_no_sigmoid_backward(dA, cache, activation):
    """The sigmoid branch only skips its derivative."""
    linear_cache, Z = cache
    return ref.linear_backward(dA, linear_cache) if activation == "sigmoid" else layer_backward(dA, cache, activation)


# --- L_model_backward(AL, Y, caches) -> grads ----------------------------------------------

def model_backward(AL, Y, caches, dAL=None, last="sigmoid", hidden="relu", shift=0, layer=None):
    """L_model_backward composed from ``layer`` (default: :func:`layer_backward` on the
    reference's helpers), with knobs for the classic mistakes: another dAL, other
    activations, keys shifted by ``shift``."""
    layer = layer or layer_backward
    grads = {}
    L = len(caches)
    Y = np.reshape(Y, AL.shape)
    if dAL is None:
        dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    dA_prev, dW, db = layer(dAL, caches[L - 1], last)
    grads[f"dA{L - 1 + shift}"], grads[f"dW{L + shift}"], grads[f"db{L + shift}"] = dA_prev, dW, db
    for l in reversed(range(1, L)):
        dA_prev, dW, db = layer(grads[f"dA{l + shift}"], caches[l - 1], hidden)
        grads[f"dA{l - 1 + shift}"], grads[f"dW{l + shift}"], grads[f"db{l + shift}"] = dA_prev, dW, db
    return grads


def _targets(AL, Y):
    return np.reshape(Y, AL.shape)


@mistake("L_model_backward", "dAL_sign", "flipped the sign of dAL",
         "dAL = -(Y / AL - (1 - Y) / (1 - AL)): the derivative of the cross-entropy, minus sign included.")
def model_dAL_sign(AL, Y, caches):
    Y_ = _targets(AL, Y)
    return model_backward(AL, Y, caches, dAL=Y_ / AL - (1 - Y_) / (1 - AL))


@mistake("L_model_backward", "dAL_missing_term", "left the (1 − Y)/(1 − AL) term out of dAL",
         "The cost has two terms, one for Y = 1 and one for Y = 0: dAL = -(Y / AL - (1 - Y) / (1 - AL)).")
def model_dAL_missing_term(AL, Y, caches):
    return model_backward(AL, Y, caches, dAL=-_targets(AL, Y) / AL)


@mistake("L_model_backward", "dAL_is_dZ", "used AL − Y as dAL (that is dZ of the last layer)",
         "AL - Y is the gradient with respect to Z^[L], after the sigmoid; linear_activation_backward "
         "applies the sigmoid's derivative itself, so it needs dAL = -(Y / AL - (1 - Y) / (1 - AL)).")
def model_dAL_is_dZ(AL, Y, caches):
    return model_backward(AL, Y, caches, dAL=AL - _targets(AL, Y))


@mistake("L_model_backward", "keys_one_too_high", "numbered the grads keys one layer too high",
         'Layer l\'s backward returns dA_prev: store it as grads["dA" + str(l - 1)], '
         'and its dW, db as grads["dW" + str(l)], grads["db" + str(l)].')
def model_keys_shifted(AL, Y, caches):
    return model_backward(AL, Y, caches, shift=1)


@mistake("L_model_backward", "last_layer_relu", "used \"relu\" for the output layer",
         'The output layer is LINEAR -> SIGMOID: call linear_activation_backward(dAL, caches[L-1], "sigmoid").')
def model_last_relu(AL, Y, caches):
    return model_backward(AL, Y, caches, last="relu")


@mistake("L_model_backward", "hidden_sigmoid", "used \"sigmoid\" for the hidden layers",
         'The hidden layers are LINEAR -> RELU: call linear_activation_backward(..., "relu") in the loop.')
def model_hidden_sigmoid(AL, Y, caches):
    return model_backward(AL, Y, caches, hidden="sigmoid")


# --- update_parameters(params, grads, learning_rate) ---------------------------------------

def _update(params, grads, learning_rate, sign=-1.0, rate=True, layers=None, bias=True):
    parameters = dict(params)
    L = len(parameters) // 2
    for l in range(1, (L if layers is None else layers) + 1):
        step = learning_rate if rate else 1.0
        parameters[f"W{l}"] = parameters[f"W{l}"] + sign * step * grads[f"dW{l}"]
        if bias:
            parameters[f"b{l}"] = parameters[f"b{l}"] + sign * step * grads[f"db{l}"]
    return parameters


@mistake("update_parameters", "ascent", "added the gradient instead of subtracting it",
         "Gradient descent steps against the gradient: W = W - learning_rate * dW.")
def update_ascent(params, grads, learning_rate):
    return _update(params, grads, learning_rate, sign=1.0)


@mistake("update_parameters", "no_learning_rate", "left the learning rate out",
         "Scale the step: W = W - learning_rate * dW.")
def update_no_rate(params, grads, learning_rate):
    return _update(params, grads, learning_rate, rate=False)


@mistake("update_parameters", "skips_last_layer", "skipped the last layer (range(1, L) instead of range(1, L + 1))",
         "Layers are numbered 1 … L: loop over range(1, L + 1).")
def update_skips_last(params, grads, learning_rate):
    return _update(params, grads, learning_rate, layers=len(params) // 2 - 1)


@mistake("update_parameters", "no_bias_update", "did not update the biases b",
         "Update every b{l} too: b = b - learning_rate * db.")
def update_no_bias(params, grads, learning_rate):
    return _update(params, grads, learning_rate, bias=False)
