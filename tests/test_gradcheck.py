"""The gradient checker (grader/gradcheck.py) on known-good and known-bad gradients.

Is a closed-form gradient reproduced to 1e-8? Is x restored, even when f raises? Is
float32 refused? Does a directional check pass every correct gradient and fail the
classic mistakes (a scaled, transposed, sign-flipped gradient, one wrong element),
also on a convolution layer?
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import PROPERTY
from grader.gradcheck import (
    DirectionalResult,
    directional_check,
    directional_check_many,
    numerical_gradient,
    numerical_vjp,
    relative_error,
    scalarize,
)
from solutions import conv_backward, conv_forward


class Counter:
    """Wraps f and counts its calls."""

    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.f(*args, **kwargs)


# --------------------------------------------------------------------------- numerical_gradient

_A = np.random.default_rng(0).standard_normal((4, 4))

CLOSED_FORMS = [
    # id, f, its gradient, shape of x
    ("sum of squares", lambda x: np.sum(x ** 2), lambda x: 2 * x, (3, 4)),
    ("sum of sines", lambda x: np.sum(np.sin(x)), np.cos, (5,)),
    ("quadratic form", lambda x: x @ _A @ x, lambda x: (_A + _A.T) @ x, (4,)),
    ("log-sum-exp", lambda x: np.log(np.sum(np.exp(x))), lambda x: np.exp(x) / np.sum(np.exp(x)), (6,)),
    ("product", lambda x: np.prod(x), lambda x: np.prod(x) / x, (2, 2)),
    ("constant", lambda x: 3.0, np.zeros_like, (2, 3)),
]


@pytest.mark.parametrize("f, grad, shape", [c[1:] for c in CLOSED_FORMS], ids=[c[0] for c in CLOSED_FORMS])
def test_numerical_gradient_matches_closed_forms(f, grad, shape):
    x = 0.5 + np.random.default_rng(1).random(shape)
    counted = Counter(f)
    num = numerical_gradient(counted, x)
    assert num.shape == x.shape and num.dtype == np.float64
    assert relative_error(num, grad(x)) < 1e-8
    assert counted.calls == 2 * x.size


def test_numerical_gradient_restores_x():
    x = np.random.default_rng(2).standard_normal((3, 3))
    before = x.copy()
    numerical_gradient(lambda v: np.sum(v ** 3), x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_restores_x_when_f_raises():
    x = np.random.default_rng(3).standard_normal(5)
    before = x.copy()
    calls = []

    def f(v):
        calls.append(1)
        if len(calls) == 4:  # the second evaluation of element 1: x[1] is at x[1] - h
            raise RuntimeError("boom")
        return float(np.sum(v ** 2))

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_sees_x_perturbed_in_place():
    """f receives x itself (so a closure over x sees the perturbation too)."""
    x = np.zeros(3)
    seen = []
    numerical_gradient(lambda v: seen.append(v is x) or 0.0, x)
    assert all(seen) and len(seen) == 6


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int64])
def test_non_float64_input_is_rejected(dtype):
    x = np.ones(3, dtype=dtype)
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(lambda v: float(np.sum(v)), x)
    with pytest.raises(TypeError, match="float64"):
        directional_check(lambda v: float(np.sum(v)), x, np.ones(3))


def test_non_array_and_non_contiguous_inputs_are_rejected():
    with pytest.raises(TypeError, match="numpy array"):
        numerical_gradient(lambda v: 0.0, [1.0, 2.0])
    x = np.ones((3, 4)).T  # no flat view of it exists: it could not be perturbed in place
    with pytest.raises(ValueError, match="contiguous"):
        numerical_gradient(lambda v: float(np.sum(v)), x)
    # A strided array that still has a flat view works, and is restored
    y = np.arange(16.0).reshape(4, 4)[:, ::2]
    np.testing.assert_allclose(numerical_gradient(lambda v: float(np.sum(v ** 2)), y), 2 * y, rtol=1e-8)
    np.testing.assert_array_equal(y, np.arange(16.0).reshape(4, 4)[:, ::2])


# --------------------------------------------------------------------------- scalarize / numerical_vjp


def test_numerical_vjp_of_a_linear_map_is_the_transpose():
    rng = np.random.default_rng(4)
    M = rng.standard_normal((3, 5))
    x, dout = rng.standard_normal(5), rng.standard_normal(3)
    assert relative_error(numerical_vjp(lambda v: M @ v, x, dout), M.T @ dout) < 1e-9


def test_numerical_vjp_of_an_elementwise_map():
    rng = np.random.default_rng(5)
    x, dout = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    assert relative_error(numerical_vjp(np.tanh, x, dout), dout * (1 - np.tanh(x) ** 2)) < 1e-9


def test_scalarize_checks_the_output_shape():
    g = scalarize(lambda v: v[:2], np.ones(3))
    with pytest.raises(ValueError, match="shape"):
        g(np.ones(3))
    assert scalarize(lambda v: 2 * v, np.arange(3.0))(np.ones(3)) == pytest.approx(6.0)


# --------------------------------------------------------------------------- relative_error


def test_relative_error_reference_values():
    a = np.array([1.0, -2.0, 3.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, -a) == pytest.approx(1.0)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(a, a * (1 + 1e-16)) < 1e-15
    assert relative_error(a, np.zeros(3)) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="shapes differ"):
        relative_error(np.zeros(3), np.zeros((3, 1)))


@PROPERTY
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 20),
    scale=st.floats(1e-6, 1e6),
)
def test_relative_error_properties(seed, n, scale):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(n), rng.standard_normal(n)
    e = relative_error(a, b)
    assert 0.0 <= e <= 1.0 + 1e-15                      # triangle inequality
    assert e == pytest.approx(relative_error(b, a))      # symmetric
    assert e == pytest.approx(relative_error(scale * a, scale * b), rel=1e-9)  # scale free


# --------------------------------------------------------------------------- directional_check

QUADRATIC = np.random.default_rng(6).standard_normal((4, 4))


def quad(x):
    return float(np.sum(x * (QUADRATIC @ x)))


def quad_grad(x):
    return (QUADRATIC + QUADRATIC.T) @ x


def one_element_off(g):
    g = g.copy()
    g.flat[1] += 0.01 * np.linalg.norm(g)
    return g


WRONG_GRADIENTS = [
    # id, the mistake
    ("scaled by 2", lambda g: 2 * g),
    ("scaled by 1/m", lambda g: g / 4),
    ("transposed", lambda g: g.T),
    ("sign flipped", lambda g: -g),
    ("one element off", one_element_off),
    ("zero", np.zeros_like),
]


def test_directional_check_passes_a_correct_gradient():
    x = np.random.default_rng(7).standard_normal((4, 3))
    before = x.copy()
    counted = Counter(quad)
    result = directional_check(counted, x, quad_grad(x), n_directions=3)
    assert isinstance(result, DirectionalResult)
    assert result.passed and result.error < 1e-8
    assert result.calls == counted.calls == 6
    assert len(result.numerical) == len(result.analytic) == 3
    np.testing.assert_array_equal(x, before)  # x is not modified
    d = result.to_dict()
    assert d["passed"] is True and d["calls"] == 6 and len(d["numerical"]) == 3


@pytest.mark.parametrize("mistake", [c[1] for c in WRONG_GRADIENTS], ids=[c[0] for c in WRONG_GRADIENTS])
def test_directional_check_fails_a_wrong_gradient(mistake):
    x = np.random.default_rng(8).standard_normal((4, 4))
    good = quad_grad(x)
    wrong = mistake(good)
    assert not np.allclose(wrong, good)
    result = directional_check(quad, x, wrong, n_directions=3)
    assert not result.passed
    assert result.error > 1e3 * result.tolerance


def test_directional_check_is_reproducible_and_checks_the_shape():
    x = np.random.default_rng(9).standard_normal((4, 2))
    r1 = directional_check(quad, x, quad_grad(x), rng=5)
    r2 = directional_check(quad, x, quad_grad(x), rng=5)
    assert r1.numerical == r2.numerical and r1.analytic == r2.analytic
    with pytest.raises(ValueError, match="shape"):
        directional_check(quad, x, quad_grad(x).T)


@PROPERTY
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12), k=st.integers(1, 5))
def test_directional_check_property(seed, n, k):
    """Random smooth functions: the true gradient passes, a perturbed one fails."""
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((n, n))
    c = rng.standard_normal(n)

    def f(x):
        return float(np.sum(np.sin(M @ x)) + c @ x)

    x = rng.standard_normal(n)
    grad = M.T @ np.cos(M @ x) + c
    assert directional_check(f, x, grad, n_directions=k, rng=seed).passed
    assert not directional_check(f, x, 1.5 * grad, n_directions=k, rng=seed).passed


# --------------------------------------------------------------------------- directional_check_many on a conv layer


def conv_layer(seed=10):
    rng = np.random.default_rng(seed)
    inputs = {"A_prev": rng.standard_normal((2, 5, 5, 3)), "W": rng.standard_normal((3, 3, 3, 4)),
              "b": rng.standard_normal((1, 1, 1, 4))}
    hp = {"stride": 1, "pad": 1}
    Z, cache = conv_forward(inputs["A_prev"], inputs["W"], inputs["b"], hp)
    dZ = rng.standard_normal(Z.shape)
    dA_prev, dW, db = conv_backward(dZ, cache)
    return inputs, hp, dZ, {"A_prev": dA_prev, "W": dW, "b": db}


def test_directional_check_many_passes_a_correct_conv_backward():
    inputs, hp, dZ, grads = conv_layer()
    forward = Counter(lambda A_prev, W, b: conv_forward(A_prev, W, b, hp)[0])
    results = directional_check_many(forward, inputs, grads, dZ, n_directions=3)
    assert set(results) == {"A_prev", "W", "b"}
    assert all(r.passed for r in results.values()), {k: r.error for k, r in results.items()}
    assert forward.calls == sum(r.calls for r in results.values()) == 18


CONV_MISTAKES = [
    # id, the wrong gradient, which one
    ("dW with flipped kernel", lambda g: {**g, "W": g["W"][::-1, ::-1]}, "W"),
    ("dW filters shifted by one", lambda g: {**g, "W": np.roll(g["W"], 1, axis=3)}, "W"),
    ("dA_prev halved", lambda g: {**g, "A_prev": g["A_prev"] / 2}, "A_prev"),
    ("dA_prev with a zero border", lambda g: {**g, "A_prev": np.pad(g["A_prev"][:, 1:-1, 1:-1], ((0, 0), (1, 1), (1, 1), (0, 0)))},
     "A_prev"),
    ("db averaged instead of summed", lambda g: {**g, "b": g["b"] / 50}, "b"),
]


@pytest.mark.parametrize("mistake, wrong", [c[1:] for c in CONV_MISTAKES], ids=[c[0] for c in CONV_MISTAKES])
def test_directional_check_many_finds_the_wrong_conv_gradient(mistake, wrong):
    inputs, hp, dZ, grads = conv_layer()
    results = directional_check_many(lambda A_prev, W, b: conv_forward(A_prev, W, b, hp)[0],
                                     inputs, mistake(grads), dZ, n_directions=3)
    assert not results[wrong].passed
    assert all(r.passed for name, r in results.items() if name != wrong)


def test_directional_check_many_rejects_an_unknown_name():
    inputs, hp, dZ, grads = conv_layer()
    with pytest.raises(KeyError, match="dW"):
        directional_check_many(lambda A_prev, W, b: conv_forward(A_prev, W, b, hp)[0],
                               inputs, {"dW": grads["W"]}, dZ)
