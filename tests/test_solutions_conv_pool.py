"""The reference of notebook 02 (solutions/conv.py, solutions/pool.py): forward shapes and
values, backward passes against numerical gradients and against the naive loop
versions of bench/naive.py, over strides, pads, window sizes and both pooling modes
(with overlapping windows), and the authoring rules."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from helpers import (
    NAIVE_TOL,
    PROPERTY,
    assert_rel_close,
    blank_namespace,
    check_solution_module,
    check_vjp,
    distinct_values,
    is_unimplemented,
)
import bench.naive as naive
import solutions.conv as conv
import solutions.pool as pool
from solutions import (
    conv_backward,
    conv_forward,
    create_mask_from_window,
    distribute_value,
    pool_backward,
    pool_forward,
    zero_pad,
)


# --------------------------------------------------------------------------- convolution


def conv_loop_forward(A_prev, W, b, stride, pad):
    """Z by the definition, one output at a time (for small cases)."""
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    f, _, _, n_C = W.shape
    n_H = (n_H_prev - f + 2 * pad) // stride + 1
    n_W = (n_W_prev - f + 2 * pad) // stride + 1
    A_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    Z = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                window = A_pad[i, h * stride:h * stride + f, w * stride:w * stride + f, :]
                for c in range(n_C):
                    Z[i, h, w, c] = np.sum(window * W[..., c]) + b[0, 0, 0, c]
    return Z


def helper_test_conv(m, n_H_prev, n_W_prev, n_C_prev, f, n_C, stride, pad, seed=0):
    """conv_forward: shape formula, values, cache; conv_backward: shapes, dA_prev, dW and
    db against numerical VJPs, and equal to the naive 4-loop version."""
    rng = np.random.default_rng(seed)
    A_prev = rng.standard_normal((m, n_H_prev, n_W_prev, n_C_prev))
    W = rng.standard_normal((f, f, n_C_prev, n_C))
    b = rng.standard_normal((1, 1, 1, n_C))
    hp = {"stride": stride, "pad": pad}

    Z, cache = conv_forward(A_prev, W, b, hp)
    n_H = (n_H_prev - f + 2 * pad) // stride + 1
    n_W = (n_W_prev - f + 2 * pad) // stride + 1
    assert Z.shape == (m, n_H, n_W, n_C)
    assert cache[0] is A_prev and cache[1] is W and cache[2] is b and cache[3] is hp
    assert_rel_close(Z, conv_loop_forward(A_prev, W, b, stride, pad), 1e-13, "Z")

    dZ = rng.standard_normal(Z.shape)
    dA_prev, dW, db = conv_backward(dZ, cache)
    assert (dA_prev.shape, dW.shape, db.shape) == (A_prev.shape, W.shape, b.shape)
    check_vjp(lambda A_prev, W, b: conv_forward(A_prev, W, b, hp)[0],
              {"A_prev": A_prev, "W": W, "b": b}, {"A_prev": dA_prev, "W": dW, "b": db}, dZ)

    for got, exp, what in zip(naive.conv_backward(dZ, cache), (dA_prev, dW, db), ("dA_prev", "dW", "db")):
        assert_rel_close(got, exp, NAIVE_TOL, f"naive {what}")


CONV_CASES = [
    # m, n_H_prev, n_W_prev, n_C_prev, f, n_C, stride, pad
    (2, 4, 4, 3, 2, 4, 2, 2),   # the Coursera shape, smaller
    (1, 5, 5, 2, 3, 2, 1, 1),   # "same" convolution
    (2, 5, 7, 2, 3, 3, 2, 1),   # non-square, stride 2
    (1, 6, 6, 1, 3, 1, 3, 0),   # stride = f: no overlap
    (1, 7, 5, 2, 3, 2, 2, 0),   # stride < f without padding: windows overlap
    (2, 3, 3, 2, 1, 3, 1, 0),   # 1x1 convolution
    (1, 4, 4, 1, 4, 2, 1, 0),   # one output position
    (1, 2, 3, 2, 3, 2, 1, 2),   # padding larger than the image
    (1, 5, 5, 1, 2, 1, 3, 0),   # stride that skips the last row and column
]


@pytest.mark.parametrize("m, n_H_prev, n_W_prev, n_C_prev, f, n_C, stride, pad", CONV_CASES)
def test_conv_cases(m, n_H_prev, n_W_prev, n_C_prev, f, n_C, stride, pad):
    helper_test_conv(m, n_H_prev, n_W_prev, n_C_prev, f, n_C, stride, pad)


@PROPERTY
@given(
    m=st.integers(1, 2),
    n_H_prev=st.integers(1, 6),
    n_W_prev=st.integers(1, 6),
    n_C_prev=st.integers(1, 3),
    f=st.integers(1, 3),
    n_C=st.integers(1, 3),
    stride=st.integers(1, 3),
    pad=st.integers(0, 2),
    seed=st.integers(0, 2**32 - 1),
)
def test_conv_property(m, n_H_prev, n_W_prev, n_C_prev, f, n_C, stride, pad, seed):
    assume(min(n_H_prev, n_W_prev) + 2 * pad >= f)
    helper_test_conv(m, n_H_prev, n_W_prev, n_C_prev, f, n_C, stride, pad, seed)


def test_zero_pad():
    X = np.arange(2 * 3 * 4 * 2, dtype=float).reshape(2, 3, 4, 2)
    for pad in (0, 1, 3):
        P = zero_pad(X, pad)
        assert P.shape == (2, 3 + 2 * pad, 4 + 2 * pad, 2)
        np.testing.assert_array_equal(P[:, pad:pad + 3, pad:pad + 4, :], X)
        assert np.sum(np.abs(P)) == np.sum(np.abs(X))


# --------------------------------------------------------------------------- pooling


def helper_test_pool(m, n_H_prev, n_W_prev, n_C, f, stride, mode, seed=0):
    """pool_forward: shape formula, values, cache; pool_backward: against numerical VJPs
    (distinct inputs: no ties inside a window) and equal to the naive 4-loop version."""
    rng = np.random.default_rng(seed)
    A_prev = distinct_values(rng, (m, n_H_prev, n_W_prev, n_C))
    hp = {"f": f, "stride": stride}

    A, cache = pool_forward(A_prev, hp, mode=mode)
    n_H = (n_H_prev - f) // stride + 1
    n_W = (n_W_prev - f) // stride + 1
    assert A.shape == (m, n_H, n_W, n_C)
    assert cache[0] is A_prev and cache[1] is hp
    reduce = np.max if mode == "max" else np.mean
    for i, h, w, c in np.ndindex(A.shape):
        window = A_prev[i, h * stride:h * stride + f, w * stride:w * stride + f, c]
        assert A[i, h, w, c] == pytest.approx(reduce(window), rel=1e-14, abs=1e-15)

    dA = rng.standard_normal(A.shape)
    dA_prev = pool_backward(dA, cache, mode=mode)
    assert dA_prev.shape == A_prev.shape
    check_vjp(lambda A_prev: pool_forward(A_prev, hp, mode=mode)[0], {"A_prev": A_prev}, {"A_prev": dA_prev}, dA)
    # Pooling routes gradient, it creates none: totals are preserved
    assert np.sum(dA_prev) == pytest.approx(np.sum(dA), rel=1e-12, abs=1e-12)
    assert_rel_close(naive.pool_backward(dA, cache, mode=mode), dA_prev, NAIVE_TOL, "naive dA_prev")


POOL_CASES = [
    # m, n_H_prev, n_W_prev, n_C, f, stride, mode
    (2, 4, 4, 3, 2, 2, "max"),       # classic 2x2 / 2, no overlap
    (2, 4, 4, 3, 2, 2, "average"),
    (2, 5, 5, 2, 3, 1, "max"),       # stride 1: every pixel in up to 9 windows
    (2, 5, 5, 2, 3, 1, "average"),
    (1, 5, 7, 2, 3, 2, "max"),       # stride < f: overlapping windows, non-square
    (1, 5, 7, 2, 3, 2, "average"),
    (1, 3, 3, 1, 3, 1, "max"),       # one window
    (1, 4, 4, 2, 1, 1, "average"),   # 1x1 windows: identity
    (1, 6, 5, 1, 2, 3, "max"),       # stride > f: some pixels in no window
    (1, 6, 5, 1, 2, 3, "average"),
]


@pytest.mark.parametrize("m, n_H_prev, n_W_prev, n_C, f, stride, mode", POOL_CASES)
def test_pool_cases(m, n_H_prev, n_W_prev, n_C, f, stride, mode):
    helper_test_pool(m, n_H_prev, n_W_prev, n_C, f, stride, mode)


@PROPERTY
@given(
    m=st.integers(1, 2),
    n_H_prev=st.integers(1, 7),
    n_W_prev=st.integers(1, 7),
    n_C=st.integers(1, 3),
    f=st.integers(1, 4),
    stride=st.integers(1, 3),
    mode=st.sampled_from(["max", "average"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_pool_property(m, n_H_prev, n_W_prev, n_C, f, stride, mode, seed):
    assume(min(n_H_prev, n_W_prev) >= f)
    helper_test_pool(m, n_H_prev, n_W_prev, n_C, f, stride, mode, seed)


def test_max_pool_overlapping_windows_accumulate():
    """A pixel that is the maximum of several overlapping windows gets all their gradients."""
    A_prev = np.zeros((1, 3, 3, 1))
    A_prev[0, 1, 1, 0] = 5.0  # the centre is the max of all four 2x2 windows
    A_prev[0, :, :, 0] += np.arange(9).reshape(3, 3) * 1e-3
    _, cache = pool_forward(A_prev, {"f": 2, "stride": 1})
    dA = np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 2, 2, 1)
    dA_prev = pool_backward(dA, cache, "max")
    expected = np.zeros((1, 3, 3, 1))
    expected[0, 1, 1, 0] = 10.0
    np.testing.assert_array_equal(dA_prev, expected)
    avg = pool_backward(dA, cache, "average")[0, :, :, 0]
    np.testing.assert_allclose(avg, np.array([[1, 3, 2], [4, 10, 6], [3, 7, 4]]) / 4)


@pytest.mark.parametrize("shape", [(2, 2), (3, 3), (2, 3), (1, 1), (4,)])
def test_create_mask_from_window(shape):
    x = distinct_values(np.random.default_rng(sum(shape)), shape)
    mask = create_mask_from_window(x)
    assert mask.dtype == bool and mask.shape == x.shape
    assert mask.sum() == 1 and x[mask][0] == x.max()


@pytest.mark.parametrize("dz, shape", [(2.0, (2, 2)), (1.0, (3, 3)), (-0.6, (2, 3)), (7, (1, 1))])
def test_distribute_value(dz, shape):
    a = distribute_value(dz, shape)
    assert a.shape == shape
    np.testing.assert_allclose(a, np.full(shape, dz / (shape[0] * shape[1])), rtol=1e-15)
    assert np.sum(a) == pytest.approx(dz)


def test_pool_rejects_unknown_mode():
    A_prev = np.zeros((1, 2, 2, 1))
    with pytest.raises(ValueError, match="average"):
        pool_forward(A_prev, {"f": 2, "stride": 1}, mode="min")
    with pytest.raises(ValueError, match="average"):
        pool_backward(np.zeros((1, 1, 1, 1)), (A_prev, {"f": 2, "stride": 1}), mode="min")


# --------------------------------------------------------------------------- authoring rules


@pytest.mark.parametrize("module", [conv, pool], ids=["conv", "pool"])
def test_modules_follow_authoring_rules(module):
    check_solution_module(module)


def _conv_pool_args():
    rng = np.random.default_rng(0)
    A_prev = distinct_values(rng, (2, 5, 5, 3))
    Z, conv_cache = conv_forward(A_prev, rng.standard_normal((3, 3, 3, 2)), rng.standard_normal((1, 1, 1, 2)),
                                 {"stride": 2, "pad": 1})
    A, pool_cache = pool_forward(A_prev, {"f": 3, "stride": 1})
    return {
        "conv_backward": (Z, conv_cache),
        "create_mask_from_window": (A_prev[0, :2, :2, 0],),
        "distribute_value": (2.0, (2, 2)),
        "pool_backward max": (A, pool_cache, "max"),
        "pool_backward average": (A, pool_cache, "average"),
    }


@pytest.mark.parametrize("case", list(_conv_pool_args()))
def test_blank_skeleton_runs_and_returns_none(case):
    ns = blank_namespace("02_conv_pool_backward")
    assert is_unimplemented(ns[case.split()[0]](*_conv_pool_args()[case]))
