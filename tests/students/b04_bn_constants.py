"""Yara: treats mu and var as constants in the graph version (stops after step 7)."""
import numpy as np

EXPECT = {"batchnorm_backward": "batchnorm_backward/no_batch_coupling"}


def batchnorm_backward(dout, cache):
    x, x_hat, mu, var, gamma, beta, eps = cache
    ivar = 1.0 / np.sqrt(var + eps)
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    dx = dx_hat * ivar
    return dx, dgamma, dbeta
