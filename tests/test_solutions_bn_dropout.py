"""The reference of notebook 03 (solutions/batchnorm.py, solutions/dropout.py): forward
statistics and running averages, the dropout mask and its seeding, both batchnorm
backward passes and dropout's (train and test mode) against numerical gradients, the
naive loop batchnorm, and the authoring rules."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import (
    NAIVE_TOL,
    PROPERTY,
    assert_rel_close,
    blank_namespace,
    check_solution_module,
    check_vjp,
    is_unimplemented,
)
import bench.naive as naive
import solutions.batchnorm as batchnorm
import solutions.dropout as dropout
from solutions import (
    batchnorm_backward,
    batchnorm_backward_alt,
    batchnorm_forward,
    dropout_backward,
    dropout_forward,
)

# --------------------------------------------------------------------------- batchnorm


def helper_test_batchnorm(N, D, loc, scale, eps=None, seed=0):
    """batchnorm_forward (train): output statistics, the cache element by element;
    batchnorm_backward and _alt: dx, dgamma, dbeta against numerical VJPs, equal to
    each other and to the naive loop version."""
    rng = np.random.default_rng(seed)
    x = loc + scale * rng.standard_normal((N, D))
    gamma = rng.standard_normal(D)
    beta = rng.standard_normal(D)
    dout = rng.standard_normal((N, D))
    bn_param = {"mode": "train"} if eps is None else {"mode": "train", "eps": eps}
    eps_used = 1e-5 if eps is None else eps

    out, cache = batchnorm_forward(x, gamma, beta, bn_param)
    assert out.shape == (N, D) and len(cache) == 7
    cx, x_hat, mu, var, cgamma, cbeta, ceps = cache
    assert cx is x and cgamma is gamma and cbeta is beta and ceps == eps_used
    np.testing.assert_allclose(mu, x.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(var, x.var(axis=0), rtol=1e-12, atol=1e-300)  # biased: ddof=0
    np.testing.assert_allclose(x_hat, (x - mu) / np.sqrt(var + eps_used), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out, gamma * x_hat + beta, rtol=1e-13, atol=1e-13)

    grads = batchnorm_backward(dout, cache)
    for g, shape in zip(grads, [(N, D), (D,), (D,)]):
        assert g.shape == shape

    def forward(x, gamma, beta):
        return batchnorm_forward(x, gamma, beta, dict(bn_param))[0]

    check_vjp(forward, {"x": x, "gamma": gamma, "beta": beta},
              {"x": grads[0], "gamma": grads[1], "beta": grads[2]}, dout)
    for alt, ref, what in zip(batchnorm_backward_alt(dout, cache), grads, ("dx", "dgamma", "dbeta")):
        assert_rel_close(alt, ref, 1e-10, f"alt {what}")
    for loop, ref, what in zip(naive.batchnorm_backward(dout, cache), grads, ("dx", "dgamma", "dbeta")):
        assert_rel_close(loop, ref, NAIVE_TOL, f"naive {what}")


BN_CASES = [
    # N, D, loc, scale, eps
    (4, 5, 12.0, 5.0, None),     # the CS231n gradient-check shape
    (3, 1, 0.0, 1.0, None),      # the smallest batch a finite-difference check resolves (see below)
    (8, 3, -3.0, 0.1, None),     # small spread: eps matters
    (5, 4, 0.0, 2.0, 1e-3),      # a custom eps
    (16, 2, 1.0, 1.0, 0.1),
    (3, 7, 100.0, 10.0, None),   # large mean
]


@pytest.mark.parametrize("N, D, loc, scale, eps", BN_CASES)
def test_batchnorm_cases(N, D, loc, scale, eps):
    helper_test_batchnorm(N, D, loc, scale, eps)


# N >= 3: with N = 2, x_hat = d / sqrt(d^2 + eps) (d half the difference of the two
# rows) is nearly constant in x, so dx is tiny next to the rounding noise of central
# differences, or, when d is near sqrt(eps), so curved that their truncation error
# shows: the check reaches only ~5e-7 there whatever the spread. Spreads below ~0.1
# do the same for N = 3.
@PROPERTY
@given(
    N=st.integers(3, 10),
    D=st.integers(1, 6),
    loc=st.floats(-20, 20),
    scale=st.floats(0.1, 10),
    seed=st.integers(0, 2**32 - 1),
)
def test_batchnorm_property(N, D, loc, scale, seed):
    helper_test_batchnorm(N, D, loc, scale, None, seed)


def test_batchnorm_running_averages():
    """Train mode updates running_mean / running_var in place with the momentum (biased
    variance); test mode normalizes with them and changes nothing."""
    rng = np.random.default_rng(1)
    D = 4
    gamma, beta = rng.standard_normal(D), rng.standard_normal(D)
    bn_param = {"mode": "train", "momentum": 0.8}
    exp_mean, exp_var = np.zeros(D), np.zeros(D)
    for t in range(5):
        x = 3.0 + 2.0 * rng.standard_normal((6, D))
        batchnorm_forward(x, gamma, beta, bn_param)
        exp_mean = 0.8 * exp_mean + 0.2 * x.mean(axis=0)
        exp_var = 0.8 * exp_var + 0.2 * x.var(axis=0)
        if t == 0:
            running_mean, running_var = bn_param["running_mean"], bn_param["running_var"]
        assert bn_param["running_mean"] is running_mean  # same arrays: updated in place
        assert bn_param["running_var"] is running_var
        np.testing.assert_allclose(running_mean, exp_mean, rtol=1e-13)
        np.testing.assert_allclose(running_var, exp_var, rtol=1e-13)

    # Default momentum 0.9, given arrays are updated in place
    rm, rv = np.ones(D), np.ones(D)
    x = rng.standard_normal((5, D))
    batchnorm_forward(x, gamma, beta, {"mode": "train", "running_mean": rm, "running_var": rv})
    np.testing.assert_allclose(rm, 0.9 + 0.1 * x.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(rv, 0.9 + 0.1 * x.var(axis=0), rtol=1e-14)

    # Test mode
    bn_param["mode"] = "test"
    before = (running_mean.copy(), running_var.copy())
    x = rng.standard_normal((3, D))
    out, cache = batchnorm_forward(x, gamma, beta, bn_param)
    assert cache is None
    np.testing.assert_allclose(out, gamma * (x - before[0]) / np.sqrt(before[1] + 1e-5) + beta, rtol=1e-13)
    np.testing.assert_array_equal(bn_param["running_mean"], before[0])
    np.testing.assert_array_equal(bn_param["running_var"], before[1])


def test_batchnorm_train_output_statistics():
    rng = np.random.default_rng(2)
    x = 7.0 + 4.0 * rng.standard_normal((200, 3))
    gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([11.0, 12.0, 13.0])
    out, _ = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    np.testing.assert_allclose(out.mean(axis=0), beta, rtol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), gamma * np.sqrt(x.var(axis=0) / (x.var(axis=0) + 1e-5)), rtol=1e-12)


def test_batchnorm_rejects_unknown_mode():
    with pytest.raises(ValueError, match="train"):
        batchnorm_forward(np.ones((2, 2)), np.ones(2), np.zeros(2), {"mode": "eval"})


# --------------------------------------------------------------------------- dropout


def helper_test_dropout(shape, p, mode, seed=0):
    """dropout_forward: the mask formula and seeding; dropout_backward against the
    numerical VJP of the (seeded, hence deterministic) forward pass."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    dout = rng.standard_normal(shape)
    param = {"p": p, "mode": mode, "seed": seed}

    out, cache = dropout_forward(x, param)
    assert cache[0] is param
    mask = cache[1]
    if mode == "train":
        expected_mask = (np.random.default_rng(seed).random(shape) < p) / p
        np.testing.assert_array_equal(mask, expected_mask)
        np.testing.assert_array_equal(out, x * expected_mask)
    else:
        assert mask is None and out is x

    dx = dropout_backward(dout, cache)
    assert dx.shape == shape
    check_vjp(lambda x: dropout_forward(x, param)[0], {"x": x}, {"x": dx}, dout)


DROPOUT_CASES = [
    # shape, p, mode
    ((10, 10), 0.2, "train"),   # the CS231n gradient-check case
    ((10, 10), 0.2, "test"),
    ((4, 6), 0.5, "train"),
    ((3,), 0.9, "train"),
    ((2, 3, 4), 0.7, "train"),
    ((5, 5), 1.0, "train"),     # keep everything: the identity
    ((4, 4), 0.5, "test"),
]


@pytest.mark.parametrize("shape, p, mode", DROPOUT_CASES)
def test_dropout_cases(shape, p, mode):
    helper_test_dropout(shape, p, mode)


@PROPERTY
@given(
    shape=st.lists(st.integers(1, 6), min_size=1, max_size=3).map(tuple),
    p=st.floats(0.05, 1.0),
    mode=st.sampled_from(["train", "test"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_dropout_property(shape, p, mode, seed):
    helper_test_dropout(shape, p, mode, seed)


@pytest.mark.parametrize("p", [0.25, 0.4, 0.7])
def test_dropout_mask_statistics(p):
    """Mask entries are 0 or 1/p; about a fraction p is kept, and the output mean stays
    the input mean (inverted dropout). n = 250000: 6 standard deviations of slack."""
    x = 10.0 + np.random.default_rng(3).standard_normal((500, 500))
    out, (_, mask) = dropout_forward(x, {"p": p, "mode": "train", "seed": 4})
    assert set(np.unique(mask)) <= {0.0, 1.0 / p}
    n = x.size
    assert abs(np.mean(mask > 0) - p) < 6 * np.sqrt(p * (1 - p) / n)
    assert abs(out.mean() - x.mean()) < 6 * np.sqrt((1 - p) / p * np.mean(x ** 2) / n)


def test_dropout_seeding():
    x = np.ones((50, 50))
    a = dropout_forward(x, {"p": 0.5, "mode": "train", "seed": 7})[1][1]
    b = dropout_forward(x, {"p": 0.5, "mode": "train", "seed": 7})[1][1]
    c = dropout_forward(x, {"p": 0.5, "mode": "train", "seed": 8})[1][1]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # Without a seed, a fresh generator: two calls differ (2500 coin flips)
    d = dropout_forward(x, {"p": 0.5, "mode": "train"})[1][1]
    e = dropout_forward(x, {"p": 0.5, "mode": "train"})[1][1]
    assert not np.array_equal(d, e)


def test_dropout_test_mode_backward_is_identity():
    dout = np.arange(6.0).reshape(2, 3)
    _, cache = dropout_forward(np.zeros((2, 3)), {"p": 0.3, "mode": "test"})
    np.testing.assert_array_equal(dropout_backward(dout, cache), dout)


# --------------------------------------------------------------------------- authoring rules


@pytest.mark.parametrize("module", [batchnorm, dropout], ids=["batchnorm", "dropout"])
def test_modules_follow_authoring_rules(module):
    check_solution_module(module)


def _bn_dropout_args():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3))
    _, bn_cache = batchnorm_forward(x, np.ones(3), np.zeros(3), {"mode": "train"})
    _, train_cache = dropout_forward(x, {"p": 0.5, "mode": "train", "seed": 0})
    _, test_cache = dropout_forward(x, {"p": 0.5, "mode": "test"})
    return {
        "batchnorm_backward": (x, bn_cache),
        "batchnorm_backward_alt": (x, bn_cache),
        "dropout_backward train": (x, train_cache),
        "dropout_backward test": (x, test_cache),
    }


@pytest.mark.parametrize("case", list(_bn_dropout_args()))
def test_blank_skeleton_runs_and_returns_none(case):
    ns = blank_namespace("03_batchnorm_dropout_backward")
    assert is_unimplemented(ns[case.split()[0]](*_bn_dropout_args()[case]))
