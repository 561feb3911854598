"""Abi: closed form without the x_hat * dgamma term."""
import numpy as np

EXPECT = {"batchnorm_backward_alt": "batchnorm_backward_alt/no_variance_coupling"}


def batchnorm_backward_alt(dout, cache):
    x, x_hat, mu, var, gamma, beta, eps = cache
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dxh = dout * gamma
    dx = (dxh - dxh.mean(axis=0)) / np.sqrt(var + eps)
    return dx, dgamma, dbeta
