"""Mistakes of notebook 03 (batch normalization and dropout).

The batch-norm mistakes are registered for both batchnorm_backward and
batchnorm_backward_alt: they return the same arrays, so the same mistakes show the same
way, whichever route the student took."""

from __future__ import annotations

import numpy as np

from grader.mistakes import mistake

_BN = ("batchnorm_backward", "batchnorm_backward_alt")


def _bn(dout, cache, *, eps_in=True, mean_term=True, var_term=True, n_var=None, use_x=False, gamma_in_dx=True):
    """The closed form of the batch-norm backward pass, with knobs for the classic mistakes.

    eps_in: add eps to the variance (False: std = sqrt(var)).
    mean_term / var_term: keep the coupling of every x through the batch mean / variance.
    n_var: the N of var's mean in the chain (None: N; N - 1 for the unbiased mistake).
    use_x: dgamma sums dout * x instead of dout * x_hat.
    """
    x, x_hat, mu, var, gamma, beta, eps = cache
    N = dout.shape[0]
    std = np.sqrt(var + eps) if eps_in else np.sqrt(var)
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * (x if use_x else x_hat), axis=0)
    dxh = dout * gamma if gamma_in_dx else dout
    dvar = np.sum(dxh * (x - mu), axis=0) * -0.5 * std**-3
    dmu = -np.sum(dxh, axis=0) / std
    n_v = N if n_var is None else n_var
    dx = dxh / std
    if var_term:
        dx = dx + dvar * 2 * (x - mu) / n_v
    if mean_term:
        dx = dx + dmu / N
    return dx, dgamma, dbeta


@mistake(_BN, "no_batch_coupling", "treated the batch mean and variance as constants",
         "Every x[i] also moves the batch mean and variance, which every output uses: dx has two more "
         "terms, through dmu and dvar (the closed form: dx = (dx_hat - mean(dx_hat) - x_hat * "
         "mean(dx_hat * x_hat)) / sqrt(var + eps)).")
def bn_no_coupling(dout, cache):
    return _bn(dout, cache, mean_term=False, var_term=False)


@mistake(_BN, "no_variance_coupling", "left out the path through the batch variance",
         "var depends on every x[i]: dx gets dvar * 2 (x - mu) / N, with dvar = sum(dx_hat * (x - mu)) * "
         "-1/2 (var + eps)^(-3/2).")
def bn_no_var_coupling(dout, cache):
    return _bn(dout, cache, var_term=False)


@mistake(_BN, "no_mean_coupling", "left out the path through the batch mean",
         "mu depends on every x[i]: dx gets dmu / N, with dmu the sum of the gradients reaching x - mu, negated.")
def bn_no_mean_coupling(dout, cache):
    return _bn(dout, cache, mean_term=False)


@mistake(_BN, "n_minus_1", "used N − 1 where N belongs (the unbiased variance)",
         "batchnorm_forward uses the biased variance, the mean of (x - mu)² over N: its derivative divides by N.")
def bn_n_minus_1(dout, cache):
    return _bn(dout, cache, n_var=dout.shape[0] - 1)


@mistake(_BN, "no_eps", "left eps out of the standard deviation",
         "The forward pass divides by sqrt(var + eps), so the backward pass must too. The difference is "
         "small (a looser grader would accept it) but it is there in every element.")
def bn_no_eps(dout, cache):
    return _bn(dout, cache, eps_in=False)


@mistake(_BN, "no_eps")
def bn_no_eps_in_last_division(dout, cache):
    """The closed form with the cache's x_hat (eps in it) but sqrt(var) in the last division."""
    x, x_hat, mu, var, gamma, beta, eps = cache
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx = gamma * (N * dout - dbeta - x_hat * dgamma) / (N * np.sqrt(var))
    return dx, dgamma, dbeta


@mistake(_BN, "swapped_dgamma_dbeta", "swapped dgamma and dbeta",
         "out = gamma * x_hat + beta: dbeta = sum(dout), dgamma = sum(dout * x_hat); return dx, dgamma, dbeta.")
def bn_swapped(dout, cache):
    dx, dgamma, dbeta = _bn(dout, cache)
    return dx, dbeta, dgamma


@mistake(_BN, "dgamma_uses_x", "used x instead of x_hat in dgamma",
         "gamma multiplies the normalized x_hat, so dgamma = sum(dout * x_hat, axis=0).")
def bn_dgamma_x(dout, cache):
    return _bn(dout, cache, use_x=True)


@mistake(_BN, "dx_without_gamma", "forgot gamma in dx",
         "out = gamma * x_hat + beta, so the gradient reaching x_hat is dout * gamma.")
def bn_no_gamma(dout, cache):
    return _bn(dout, cache, gamma_in_dx=False)


@mistake(_BN, "not_summed", "did not sum {outputs} over the batch",
         "gamma and beta are shared by the N rows: sum their gradients over axis 0, to shape (D,).")
def bn_not_summed(dout, cache):
    x_hat = cache[1]
    dx, _, _ = _bn(dout, cache)
    return dx, dout * x_hat, np.array(dout, copy=True)


@mistake(_BN, "wrong_axis", "summed {outputs} over the wrong axis",
         "Sum over the N examples, axis=0, so that dgamma and dbeta have shape (D,) like gamma and beta.")
def bn_wrong_axis(dout, cache):
    x_hat = cache[1]
    dx, _, _ = _bn(dout, cache)
    return dx, np.sum(dout * x_hat, axis=1), np.sum(dout, axis=1)


# --- dropout_backward(dout, cache) -> dx ---------------------------------------------------

def _drop(dout, cache, train, test):
    param, mask = cache
    return train(dout, mask, param["p"]) if param["mode"] == "train" else test(dout, mask, param["p"])


@mistake("dropout_backward", "scaled_twice", "divided by p twice",
         "The cache's mask already holds the 1/p (inverted dropout): dx = dout * mask.")
def drop_twice(dout, cache):
    return _drop(dout, cache, lambda d, mk, p: d * mk / p, lambda d, mk, p: d)


@mistake("dropout_backward", "not_scaled", "dropped the 1/p (used the 0/1 mask)",
         "With inverted dropout the forward pass scaled by 1/p, so the backward pass does too: dx = dout * mask "
         "with the cache's mask as it is.")
def drop_unscaled(dout, cache):
    return _drop(dout, cache, lambda d, mk, p: d * (mk != 0), lambda d, mk, p: d)


@mistake("dropout_backward", "one_minus_p", "scaled by 1/(1 − p): p is the probability of keeping",
         "In this course p is the probability of keeping a unit: the mask is (rand < p) / p.")
def drop_one_minus_p(dout, cache):
    return _drop(dout, cache, lambda d, mk, p: d * (mk != 0) / (1 - p), lambda d, mk, p: d)


@mistake("dropout_backward", "mask_in_test_mode", "applied the mask in test mode",
         "In test mode dropout is the identity and the cache's mask is None: return dout unchanged.")
def drop_mask_in_test(dout, cache):
    param, mask = cache
    return dout * mask  # raises TypeError in test mode, where mask is None


@mistake("dropout_backward", "mask_in_test_mode")
def drop_mask_redrawn_in_test(dout, cache):
    """Test mode: the mask drawn again from the seed, as dropout_forward's train mode would."""
    param, mask = cache
    if param["mode"] == "train":
        return dout * mask
    p = param["p"]
    rng = np.random.default_rng(param.get("seed"))
    return dout * ((rng.random(dout.shape) < p) / p)


@mistake("dropout_backward", "scaled_in_test_mode", "scaled by p in test mode (the old, non-inverted dropout)",
         "With inverted dropout the scaling happens in training; in test mode dx = dout.")
def drop_scaled_in_test(dout, cache):
    return _drop(dout, cache, lambda d, mk, p: d * mk, lambda d, mk, p: d * p)
