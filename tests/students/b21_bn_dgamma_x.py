"""Basil: dgamma = sum(dout * x) (x instead of x_hat), in both versions (in the closed form
that wrong dgamma also enters dx)."""
import numpy as np

EXPECT = {
    "batchnorm_backward": "batchnorm_backward/dgamma_uses_x",
    "batchnorm_backward_alt": "batchnorm_backward_alt/dgamma_uses_x",
}


def batchnorm_backward(dout, cache):
    x, x_hat, mu, var, gamma, beta, eps = cache
    N = x.shape[0]
    xmu = x - mu
    std = np.sqrt(var + eps)
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x).sum(axis=0)
    dxhat = dout * gamma
    dvar = (dxhat * xmu).sum(axis=0) * -0.5 / std ** 3
    dmu = -(dxhat / std).sum(axis=0)
    dx = dxhat / std + 2 * xmu * dvar / N + dmu / N
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    x, x_hat, mu, var, gamma, beta, eps = cache
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x, axis=0)
    dx = gamma / (N * np.sqrt(var + eps)) * (N * dout - dbeta - x_hat * dgamma)
    return dx, dgamma, dbeta
