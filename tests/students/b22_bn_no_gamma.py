"""Cato: dx_hat = dout (forgot gamma), in both versions."""
import numpy as np

EXPECT = {
    "batchnorm_backward": "batchnorm_backward/dx_without_gamma",
    "batchnorm_backward_alt": "batchnorm_backward_alt/dx_without_gamma",
}


def batchnorm_backward(dout, cache):
    x, x_hat, mu, var, gamma, beta, eps = cache
    N, D = dout.shape
    xmu = x - mu
    sqrtvar = np.sqrt(var + eps)
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dxhat = dout
    divar = np.sum(dxhat * xmu, axis=0)
    dxmu1 = dxhat / sqrtvar
    dvar = -0.5 * divar / sqrtvar ** 3
    dxmu2 = 2 * xmu * dvar / N
    dxmu = dxmu1 + dxmu2
    dx = dxmu - np.sum(dxmu, axis=0) / N
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    x, x_hat, mu, var, gamma, beta, eps = cache
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx = (N * dout - dbeta - x_hat * dgamma) / (N * np.sqrt(var + eps))
    return dx, dgamma, dbeta
