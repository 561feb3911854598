"""Dina: dbeta = dout and dgamma = dout * x_hat, never summed over the batch (graph version)."""
import numpy as np

EXPECT = {"batchnorm_backward": "batchnorm_backward/not_summed"}


def batchnorm_backward(dout, cache):
    x, x_hat, mu, var, gamma, beta, eps = cache
    N = x.shape[0]
    xmu = x - mu
    std = np.sqrt(var + eps)
    dbeta = dout
    dgamma = dout * x_hat
    dxhat = dout * gamma
    dvar = np.sum(dxhat * xmu, axis=0) * -0.5 / std ** 3
    dmu = -np.sum(dxhat, axis=0) / std
    dx = dxhat / std + dvar * 2 * xmu / N + dmu / N
    return dx, dgamma, dbeta
