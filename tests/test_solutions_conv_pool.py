"""The reference of notebook 02 (solutions/conv.py, solutions/pool.py): forward shapes and
values, backward passes against numerical gradients and against the naive loop
versions of bench/naive.py, over strides, pads, window sizes and both pooling modes
(with overlapping windows), and the authoring rules."""

import inspect

import numpy as np
import pytest
from hypothesis import assume, given, settings
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


def conv_backward_by_offsets(dZ, cache):
    """The route the notebook teaches, one strided slice per kernel offset: an oracle for
    shapes too large for numerical gradients (the reference computes the same sums with
    phases, flat rows and blocked matrix products)."""
    A_prev, W, b, hp = cache
    stride, pad = hp["stride"], hp["pad"]
    m, n_H, n_W, n_C = dZ.shape
    f = W.shape[0]
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = np.zeros(A_prev_pad.shape)
    dW = np.zeros(W.shape)
    for di in range(f):
        for dj in range(f):
            sl = (slice(None), slice(di, di + stride * n_H, stride), slice(dj, dj + stride * n_W, stride))
            dW[di, dj] = np.tensordot(A_prev_pad[sl], dZ, axes=([0, 1, 2], [0, 1, 2]))
            dA_prev_pad[sl] += np.tensordot(dZ, W[di, dj], axes=([3], [1]))
    db = np.sum(dZ, axis=(0, 1, 2)).reshape(1, 1, 1, n_C)
    return dA_prev_pad[:, pad:pad + A_prev.shape[1], pad:pad + A_prev.shape[2], :], dW, db


CONV_BLOCK_CASES = [
    # m, n_H_prev, n_W_prev, n_C_prev, f, n_C, stride, pad. The reference multiplies blocks of
    # about 10**6 // (fv * n_C_prev * n_C) rows per residue; these cases need several blocks
    # (the last one ragged), and several phases of different kernel sizes (fu, fv).
    (2, 20, 17, 40, 3, 50, 1, 1),    # stride 1, one phase, 2 blocks
    (3, 19, 21, 48, 5, 64, 2, 2),    # stride 2: phases with 3x3, 3x2, 2x3 and 2x2 kernels
    (2, 50, 44, 64, 4, 80, 3, 0),    # stride 3 < f = 4: kernels 2x2, 2x1, 1x2, 1x1, phases of different sizes
    (2, 40, 40, 64, 3, 96, 3, 1),    # stride = f: 1x1 kernel per phase, no overlap
    (1, 60, 9, 30, 2, 70, 1, 0),     # even kernel, no padding, tall image
]


@pytest.mark.parametrize("m, n_H_prev, n_W_prev, n_C_prev, f, n_C, stride, pad", CONV_BLOCK_CASES)
def test_conv_backward_in_blocks_equals_offset_loop(m, n_H_prev, n_W_prev, n_C_prev, f, n_C, stride, pad):
    rng = np.random.default_rng(n_H_prev)
    A_prev = rng.standard_normal((m, n_H_prev, n_W_prev, n_C_prev))
    W = rng.standard_normal((f, f, n_C_prev, n_C))
    Z, cache = conv_forward(A_prev, W, rng.standard_normal((1, 1, 1, n_C)), {"stride": stride, "pad": pad})
    dZ = rng.standard_normal(Z.shape)
    fv = -(-f // stride)
    assert m * (-(-(n_H_prev + 2 * pad) // stride)) * (-(-(n_W_prev + 2 * pad) // stride)) > fv * (10**6 // (fv * n_C_prev * n_C))
    for got, exp, what in zip(conv_backward(dZ, cache), conv_backward_by_offsets(dZ, cache), ("dA_prev", "dW", "db")):
        assert_rel_close(got, exp, 1e-12, what)


def conv_backward_with_blocks_of(macs):
    """solutions.conv_backward with its block size (10**6 multiply-adds) replaced by ``macs``."""
    source = inspect.getsource(conv.conv_backward)
    block = "10**6 // (fv * n_C_prev * n_C)"
    assert source.count(block) == 1
    namespace = {"np": np, "zero_pad": zero_pad}
    exec(compile(source.replace(block, f"{macs} // (fv * n_C_prev * n_C)"), "conv_backward", "exec"), namespace)
    return namespace["conv_backward"]


@settings(PROPERTY, max_examples=200)
@given(
    m=st.integers(1, 3),
    n_H_prev=st.integers(1, 9),
    n_W_prev=st.integers(1, 9),
    n_C_prev=st.integers(1, 3),
    f=st.integers(1, 4),
    n_C=st.integers(1, 3),
    stride=st.integers(1, 3),
    pad=st.integers(0, 2),
    macs=st.integers(1, 60),
    seed=st.integers(0, 2**32 - 1),
)
def test_conv_backward_blocks_of_any_size(m, n_H_prev, n_W_prev, n_C_prev, f, n_C, stride, pad, macs, seed):
    """Blocks of a few rows, ragged at the end of every phase, change nothing."""
    assume(min(n_H_prev, n_W_prev) + 2 * pad >= f)
    rng = np.random.default_rng(seed)
    A_prev = rng.standard_normal((m, n_H_prev, n_W_prev, n_C_prev))
    W = rng.standard_normal((f, f, n_C_prev, n_C))
    Z, cache = conv_forward(A_prev, W, rng.standard_normal((1, 1, 1, n_C)), {"stride": stride, "pad": pad})
    dZ = rng.standard_normal(Z.shape)
    got = conv_backward_with_blocks_of(macs)(dZ, cache)
    for g, e, what in zip(got, conv_backward_by_offsets(dZ, cache), ("dA_prev", "dW", "db")):
        assert_rel_close(g, e, 1e-12, what)


def test_conv_backward_takes_any_memory_layout():
    """Non-contiguous inputs (transposed copies, strided views) give the same gradients."""
    rng = np.random.default_rng(7)
    A_prev = rng.standard_normal((2, 7, 6, 3))
    W = rng.standard_normal((3, 3, 3, 4))
    b = rng.standard_normal((1, 1, 1, 4))
    hp = {"stride": 2, "pad": 1}
    Z, cache = conv_forward(A_prev, W, b, hp)
    dZ = rng.standard_normal(Z.shape)
    expected = conv_backward(dZ, cache)
    A_f, W_f, dZ_f = np.asfortranarray(A_prev), np.asfortranarray(W), np.asfortranarray(dZ)
    dZ_view = np.repeat(dZ, 2, axis=3)[..., ::2]
    for args in [(dZ_f, (A_f, W_f, b, hp)), (dZ_view, cache)]:
        for got, exp in zip(conv_backward(*args), expected):
            np.testing.assert_allclose(got, exp, rtol=1e-13, atol=1e-13)
    assert_rel_close(conv_backward(dZ, cache)[0], conv_backward_by_offsets(dZ, cache)[0], 1e-13, "dA_prev")


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
    (1, 7, 5, 2, 2, 2, "max"),       # stride = f, with a last row and column in no window
    (1, 7, 5, 2, 2, 2, "average"),
    (2, 9, 9, 2, 3, 3, "max"),       # stride = f = 3: the windows tile the image
    (2, 12, 11, 4, 3, 2, "max"),     # 3x3 windows, stride 2: every other row and column shared
    (2, 12, 11, 4, 3, 2, "average"),
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
