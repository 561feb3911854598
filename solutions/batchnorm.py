"""Notebook 03: batch normalization, forward and backward.

Layout: examples are rows. ``x`` is ``(N, D)``: N examples of D features, and every
feature is normalized over the N examples of the batch.

The forward pass in train mode, as a computational graph (each line one node):

    mu      = mean(x, axis=0)                 (D,)
    xmu     = x - mu                          (N, D)
    sq      = xmu ** 2                        (N, D)
    var     = mean(sq, axis=0)                (D,)     the biased batch variance
    sqrtvar = sqrt(var + eps)                 (D,)
    ivar    = 1 / sqrtvar                     (D,)
    x_hat   = xmu * ivar                      (N, D)
    out     = gamma * x_hat + beta            (N, D)

batchnorm_backward walks this graph in reverse, one node at a time;
batchnorm_backward_alt uses the closed form the graph simplifies to.
"""

import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of batch normalization.

    In train mode the batch mean and (biased) variance normalize x, and the running
    averages are updated in place:
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var  = momentum * running_var  + (1 - momentum) * var
    In test mode the running averages normalize x and nothing is updated.

    Arguments:
    x -- data, shape (N, D)
    gamma -- scale, shape (D,)
    beta -- shift, shape (D,)
    bn_param -- dict with the keys:
        "mode" -- "train" or "test" (required)
        "eps" -- constant for numerical stability, default 1e-5
        "momentum" -- of the running averages, default 0.9
        "running_mean" -- shape (D,); zeros when missing; updated in place in train mode
        "running_var" -- shape (D,); zeros when missing; updated in place in train mode

    Returns:
    out -- gamma * x_hat + beta, shape (N, D)
    cache -- in train mode, the tuple (x, x_hat, mu, var, gamma, beta, eps):
        x -- the input, shape (N, D)
        x_hat -- the normalized input (x - mu) / sqrt(var + eps), shape (N, D)
        mu -- batch mean of each feature, shape (D,)
        var -- biased batch variance of each feature, shape (D,)
        gamma -- shape (D,)
        beta -- shape (D,)
        eps -- the float eps
      in test mode, None (the backward pass is defined for train mode only)
    """
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    if "running_mean" not in bn_param:
        bn_param["running_mean"] = np.zeros(D)
    if "running_var" not in bn_param:
        bn_param["running_var"] = np.zeros(D)
    running_mean = bn_param["running_mean"]
    running_var = bn_param["running_var"]

    if mode == "train":
        mu = np.mean(x, axis=0)
        var = np.var(x, axis=0)
        x_hat = (x - mu) / np.sqrt(var + eps)
        out = gamma * x_hat + beta
        cache = (x, x_hat, mu, var, gamma, beta, eps)
        running_mean[...] = momentum * running_mean + (1 - momentum) * mu
        running_var[...] = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * x_hat + beta
        cache = None
    else:
        raise ValueError(f'bn_param["mode"] must be "train" or "test", got {mode!r}')
    return out, cache


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization, node by node through the computational graph.

    Go through the graph of the forward pass (drawn in the notebook) from out back to x. A node used twice (xmu feeds both sq and x_hat; x feeds both mu and xmu) receives
    the sum of the gradients of its two branches.

    Arguments:
    dout -- upstream gradient, with respect to out, shape (N, D)
    cache -- the tuple (x, x_hat, mu, var, gamma, beta, eps) from batchnorm_forward in train mode:
        x -- shape (N, D)
        x_hat -- shape (N, D)
        mu -- shape (D,)
        var -- shape (D,), the biased batch variance
        gamma -- shape (D,)
        beta -- shape (D,)
        eps -- float

    Returns:
    dx -- gradient with respect to x, shape (N, D)
    dgamma -- gradient with respect to gamma, shape (D,)
    dbeta -- gradient with respect to beta, shape (D,)
    """
    (x, x_hat, mu, var, gamma, beta, eps) = cache
    N, D = dout.shape

    # Recompute the intermediate nodes of the forward graph
    xmu = x - mu
    sqrtvar = np.sqrt(var + eps)
    ivar = 1 / sqrtvar

    # out = gamma * x_hat + beta  (gamma and beta were broadcast over the N rows: sum them back)
    ### START CODE HERE ###
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    ### END CODE HERE ###

    # x_hat = xmu * ivar
    ### START CODE HERE ###
    divar = np.sum(dx_hat * xmu, axis=0)
    dxmu1 = dx_hat * ivar
    ### END CODE HERE ###

    # ivar = 1 / sqrtvar, then sqrtvar = sqrt(var + eps)
    ### START CODE HERE ###
    dsqrtvar = -divar / sqrtvar ** 2
    dvar = 0.5 * dsqrtvar / sqrtvar
    ### END CODE HERE ###

    # var = mean(sq, axis=0), then sq = xmu ** 2
    ### START CODE HERE ###
    dsq = np.ones((N, D)) * dvar / N
    dxmu2 = 2 * xmu * dsq
    ### END CODE HERE ###

    # xmu = x - mu: xmu has two branches, add them; mu = mean(x, axis=0)
    ### START CODE HERE ###
    dxmu = dxmu1 + dxmu2
    dmu = -np.sum(dxmu, axis=0)
    dx = dxmu + np.ones((N, D)) * dmu / N
    ### END CODE HERE ###

    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    """Backward pass of batch normalization, in the simplified closed form.

    Working the graph out on paper (the notebook derives it) collapses the nodes of
    batchnorm_backward into a few vectorized lines: every sum or mean runs over the N
    rows, one value per feature.

    Arguments:
    dout -- upstream gradient, with respect to out, shape (N, D)
    cache -- the tuple (x, x_hat, mu, var, gamma, beta, eps) from batchnorm_forward in train mode,
             as in batchnorm_backward

    Returns:
    dx -- gradient with respect to x, shape (N, D)
    dgamma -- gradient with respect to gamma, shape (D,)
    dbeta -- gradient with respect to beta, shape (D,)
    """
    (x, x_hat, mu, var, gamma, beta, eps) = cache
    N, D = dout.shape
    ### START CODE HERE ### (≈ 4 lines of code)
    dbeta = dout.sum(axis=0)
    # np.sum(dout * x_hat, axis=0), without making the (N, D) product first
    dgamma = np.einsum("ij,ij->j", dout, x_hat)
    # dx = gamma / (N * sqrt(var + eps)) * (N * dout - dbeta - x_hat * dgamma), computed in
    # place, one (N, D) array and four passes over it
    dx = x_hat * (-dgamma / N)
    dx += dout
    dx -= dbeta / N
    dx *= gamma / np.sqrt(var + eps)
    ### END CODE HERE ###
    return dx, dgamma, dbeta
