"""Yoko: graph version that forgets the branch through the variance (only dx_hat / std
and the mean path)."""
import numpy as np

EXPECT = {"batchnorm_backward": "batchnorm_backward/no_variance_coupling"}


def batchnorm_backward(dout, cache):
    x, x_hat, mu, var, gamma, beta, eps = cache
    N, D = dout.shape
    std = np.sqrt(var + eps)
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dxhat = dout * gamma
    dxmu = dxhat / std
    dmu = -np.sum(dxmu, axis=0)
    dx = dxmu + dmu / N
    return dx, dgamma, dbeta
