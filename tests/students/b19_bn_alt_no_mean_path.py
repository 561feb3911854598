"""Zaid: closed form without the - dbeta term (the path through the mean); the mean-form
of the graph version without it too."""
import numpy as np

EXPECT = {
    "batchnorm_backward_alt": "batchnorm_backward_alt/no_mean_coupling",
    "batchnorm_backward": "batchnorm_backward/no_mean_coupling",
}


def batchnorm_backward_alt(dout, cache):
    x, x_hat, mu, var, gamma, beta, eps = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx = gamma / (N * np.sqrt(var + eps)) * (N * dout - x_hat * dgamma)
    return dx, dgamma, dbeta


def batchnorm_backward(dout, cache):
    x, x_hat, mu, var, gamma, beta, eps = cache
    N, D = x.shape
    xmu = x - mu
    istd = 1.0 / np.sqrt(var + eps)
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dxhat = dout * gamma
    dvar = np.sum(dxhat * xmu, axis=0) * -0.5 * istd ** 3
    dx = dxhat * istd + dvar * 2.0 * xmu / N       # forgot + dmu / N
    return dx, dgamma, dbeta
