"""Zed: the "closed form" that is just gamma * dout / std, std recomputed from x."""
import numpy as np

EXPECT = {"batchnorm_backward_alt": "batchnorm_backward_alt/no_batch_coupling"}


def batchnorm_backward_alt(dout, cache):
    x, x_hat, mu, var, gamma, beta, eps = cache
    std = np.sqrt(np.mean((x - mu) ** 2, axis=0) + eps)
    dgamma = (x_hat * dout).sum(axis=0)
    dbeta = dout.sum(axis=0)
    dx = gamma * dout / std
    return dx, dgamma, dbeta
