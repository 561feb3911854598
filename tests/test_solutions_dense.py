"""The reference of notebook 01 (solutions/dense.py): forward values and shapes, every
backward pass against numerical gradients, the L-layer net of 1..4 layers with Y as
(1, m) or (m,), and the authoring rules."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import (
    GRAD_TOL,
    KINK_MARGIN,
    PROPERTY,
    away_from_zero,
    blank_namespace,
    check_solution_module,
    check_vjp,
    is_unimplemented,
)
from grader.gradcheck import numerical_gradient, relative_error
import solutions.dense as dense
from solutions import (
    L_model_backward,
    L_model_forward,
    compute_cost,
    linear_activation_backward,
    linear_activation_forward,
    linear_forward,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    update_parameters,
)


# --------------------------------------------------------------------------- one layer


def helper_test_layer(n_prev, n, m, activation, seed):
    """One LINEAR -> ACTIVATION layer: forward shapes and cache, then dA_prev, dW, db
    (and the activation's dZ) against numerical VJPs of the forward pass."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((n, n_prev))
    b = rng.standard_normal((n, 1))
    for _ in range(100):  # keep every Z away from the ReLU kink
        A_prev = rng.standard_normal((n_prev, m))
        Z = W @ A_prev + b
        if np.min(np.abs(Z)) > KINK_MARGIN:
            break
    else:
        pytest.skip("could not draw kink-free inputs")
    dA = rng.standard_normal((n, m))

    A, cache = linear_activation_forward(A_prev, W, b, activation)
    (linear_cache, activation_cache) = cache
    assert A.shape == (n, m)
    assert linear_cache[0] is A_prev and linear_cache[1] is W and linear_cache[2] is b
    np.testing.assert_allclose(activation_cache, Z, rtol=1e-14, atol=1e-14)

    dA_prev, dW, db = linear_activation_backward(dA, cache, activation)
    assert (dA_prev.shape, dW.shape, db.shape) == (A_prev.shape, W.shape, b.shape)

    # The layer's output as a function of each input; backward's dW, db are gradients of
    # the mean over the m examples, so the sum's gradient is m times larger.
    def forward(A_prev, W, b):
        return linear_activation_forward(A_prev, W, b, activation)[0]

    check_vjp(forward, {"A_prev": A_prev, "W": W, "b": b},
              {"A_prev": dA_prev, "W": dW * m, "b": db * m}, dA)

    act = {"relu": relu, "sigmoid": sigmoid}[activation]
    act_backward = {"relu": relu_backward, "sigmoid": sigmoid_backward}[activation]
    check_vjp(lambda Z: act(Z)[0], {"Z": Z}, {"Z": act_backward(dA, Z)}, dA)


LAYER_CASES = [
    # n_prev, n, m, activation
    (3, 1, 2, "sigmoid"),
    (3, 1, 2, "relu"),
    (5, 3, 4, "relu"),
    (5, 3, 4, "sigmoid"),
    (1, 1, 1, "relu"),
    (1, 4, 7, "sigmoid"),
    (6, 2, 1, "relu"),
]


@pytest.mark.parametrize("n_prev, n, m, activation", LAYER_CASES)
def test_layer_cases(n_prev, n, m, activation):
    helper_test_layer(n_prev, n, m, activation, seed=n_prev * 100 + n * 10 + m)


@PROPERTY
@given(
    n_prev=st.integers(1, 6),
    n=st.integers(1, 5),
    m=st.integers(1, 6),
    activation=st.sampled_from(["relu", "sigmoid"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_layer_property(n_prev, n, m, activation, seed):
    helper_test_layer(n_prev, n, m, activation, seed)


# --------------------------------------------------------------------------- activations


@pytest.mark.parametrize("shape", [(1, 1), (3, 4), (5,), (2, 3, 2)])
def test_activation_backward_values(shape):
    rng = np.random.default_rng(len(shape))
    Z = away_from_zero(rng, shape)
    dA = rng.standard_normal(shape)
    s = 1 / (1 + np.exp(-Z))
    np.testing.assert_array_equal(relu_backward(dA, Z), np.where(Z > 0, dA, 0.0))
    np.testing.assert_allclose(sigmoid_backward(dA, Z), dA * s * (1 - s), rtol=1e-14)
    assert relu(Z)[1] is Z and sigmoid(Z)[1] is Z
    np.testing.assert_array_equal(relu(Z)[0], np.maximum(Z, 0))


def test_relu_backward_at_zero_is_zero():
    """At the kink itself the reference follows Coursera (dZ[Z <= 0] = 0); the grader's
    cases never go there."""
    Z = np.array([[-1.0, 0.0, 2.0]])
    np.testing.assert_array_equal(relu_backward(np.ones((1, 3)), Z), [[0.0, 0.0, 1.0]])


# --------------------------------------------------------------------------- the L-layer net


def make_net(layer_dims, m, seed):
    """Parameters, X, Y for a net whose ReLU inputs all keep away from 0."""
    rng = np.random.default_rng(seed)
    for _ in range(200):
        params = {}
        for l in range(1, len(layer_dims)):
            params["W" + str(l)] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) / np.sqrt(layer_dims[l - 1])
            params["b" + str(l)] = 0.5 * rng.standard_normal((layer_dims[l], 1))
        X = rng.standard_normal((layer_dims[0], m))
        _, caches = L_model_forward(X, params)
        if all(np.min(np.abs(c[1])) > KINK_MARGIN for c in caches[:-1]):
            Y = (rng.random((1, m)) < 0.5).astype(np.float64)
            return params, X, Y
    pytest.skip("could not draw kink-free inputs")


def forward_from(l, A_l, params, L):
    """AL computed from the activation A^[l] onward (layers l+1 .. L)."""
    A = A_l
    for k in range(l + 1, L + 1):
        A, _ = linear_activation_forward(A, params["W" + str(k)], params["b" + str(k)],
                                         "relu" if k < L else "sigmoid")
    return A


def helper_test_L_model(layer_dims, m, y_flat, seed):
    """L_model_forward shapes and caches; L_model_backward's every key against numerical
    gradients of the mean cost (dA{l} is the gradient of the summed cost, m times larger)."""
    params, X, Y = make_net(layer_dims, m, seed)
    L = len(layer_dims) - 1
    AL, caches = L_model_forward(X, params)
    assert AL.shape == (layer_dims[-1], m) and len(caches) == L
    for l, ((A_prev, W, b), Z) in enumerate(caches, start=1):
        assert W is params["W" + str(l)] and b is params["b" + str(l)]
        assert A_prev.shape == (layer_dims[l - 1], m) and Z.shape == (layer_dims[l], m)
    assert caches[0][0][0] is X

    Y_in = Y.reshape(m) if y_flat else Y
    grads = L_model_backward(AL, Y_in, caches)
    expected_keys = {f"dA{l}" for l in range(L)} | {f"dW{l}" for l in range(1, L + 1)} | {f"db{l}" for l in range(1, L + 1)}
    assert set(grads) == expected_keys

    def cost_of(name):
        def f(v):
            return compute_cost(L_model_forward(X, {**params, name: v})[0], Y_in)
        return f

    for key in params:
        num = numerical_gradient(cost_of(key), params[key].copy())
        assert relative_error(grads["d" + key], num) < GRAD_TOL, key
    for l in range(L):
        A_l = X if l == 0 else caches[l][0][0]
        num = numerical_gradient(lambda v: compute_cost(forward_from(l, v, params, L), Y_in), A_l.copy())
        assert relative_error(grads["dA" + str(l)], m * num) < GRAD_TOL, f"dA{l}"
    # Same gradients whatever the layout of Y
    other = L_model_backward(AL, Y if y_flat else Y.reshape(m), caches)
    for key in grads:
        np.testing.assert_array_equal(grads[key], other[key])


L_MODEL_CASES = [
    # layer_dims, m, Y as (m,)
    ([3, 1], 4, False),
    ([3, 1], 4, True),
    ([4, 3, 1], 2, False),
    ([5, 4, 3, 1], 5, True),
    ([2, 5, 3, 2, 1], 3, False),
    ([1, 1, 1, 1, 1], 1, True),
]


@pytest.mark.parametrize("layer_dims, m, y_flat", L_MODEL_CASES)
def test_L_model_cases(layer_dims, m, y_flat):
    helper_test_L_model(layer_dims, m, y_flat, seed=sum(layer_dims) * 7 + m)


@PROPERTY
@given(
    hidden=st.lists(st.integers(1, 5), min_size=0, max_size=3),
    n_x=st.integers(1, 5),
    m=st.integers(1, 6),
    y_flat=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_L_model_property(hidden, n_x, m, y_flat, seed):
    helper_test_L_model([n_x, *hidden, 1], m, y_flat, seed)


# --------------------------------------------------------------------------- forward and cost


def test_linear_forward_values():
    rng = np.random.default_rng(0)
    A, W, b = rng.standard_normal((4, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 1))
    Z, cache = linear_forward(A, W, b)
    np.testing.assert_allclose(Z, W @ A + b, rtol=1e-14)
    assert cache[0] is A and cache[1] is W and cache[2] is b


def test_compute_cost_value_and_layouts():
    AL = np.array([[0.8, 0.9, 0.4]])
    expected = -np.mean(np.log([0.8, 0.9, 0.6]))
    assert compute_cost(AL, np.array([[1, 1, 0]])) == pytest.approx(expected, rel=1e-14)
    assert compute_cost(AL, np.array([1, 1, 0])) == pytest.approx(expected, rel=1e-14)
    assert isinstance(compute_cost(AL, np.array([[1, 1, 0]])), float)


def test_linear_activation_forward_rejects_unknown_activation():
    with pytest.raises(ValueError, match="relu"):
        linear_activation_forward(np.ones((2, 1)), np.ones((1, 2)), np.ones((1, 1)), "tanh")


# --------------------------------------------------------------------------- update_parameters


@pytest.mark.parametrize("layer_dims, lr", [([3, 1], 0.1), ([4, 3, 2, 1], 0.01), ([2, 2, 1], 1.0)])
def test_update_parameters(layer_dims, lr):
    rng = np.random.default_rng(len(layer_dims))
    params, grads = {}, {}
    for l in range(1, len(layer_dims)):
        for key, shape in (("W", (layer_dims[l], layer_dims[l - 1])), ("b", (layer_dims[l], 1))):
            params[key + str(l)] = rng.standard_normal(shape)
            grads["d" + key + str(l)] = rng.standard_normal(shape)
    before = {k: v.copy() for k, v in params.items()}
    new = update_parameters(params, grads, lr)
    assert set(new) == set(params)
    for key in params:
        np.testing.assert_allclose(new[key], before[key] - lr * grads["d" + key], rtol=1e-14)
        np.testing.assert_array_equal(params[key], before[key])  # a new dict; the input is untouched


# --------------------------------------------------------------------------- authoring rules


def test_module_follows_authoring_rules():
    check_solution_module(dense)


def _dense_args():
    rng = np.random.default_rng(0)
    params, X, Y = make_net([3, 2, 1], 4, 0)
    AL, caches = L_model_forward(X, params)
    Z = away_from_zero(rng, (2, 4))
    lin = (rng.standard_normal((3, 4)), rng.standard_normal((2, 3)), rng.standard_normal((2, 1)))
    grads = L_model_backward(AL, Y, caches)
    return {
        "relu_backward": (Z, Z),
        "sigmoid_backward": (Z, Z),
        "linear_backward": (Z, lin),
        "linear_activation_backward": (Z, (lin, Z), "relu"),
        "L_model_backward": (AL, Y, caches),
        "update_parameters": (params, grads, 0.1),
    }


@pytest.mark.parametrize("name", list(_dense_args()))
def test_blank_skeleton_runs_and_returns_none(name):
    """With every block replaced by placeholders, the student's function still runs and
    its return says "not implemented" (None where the answer goes)."""
    ns = blank_namespace("01_deep_nn_backward")
    assert is_unimplemented(ns[name](*_dense_args()[name]))
