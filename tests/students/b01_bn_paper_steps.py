"""Vera: step by step with the paper's formulas (dvar, dmu, then dx), her own names;
closed form through the mean of dx_hat."""
import numpy as np

EXPECT = {"batchnorm_backward": "correct", "batchnorm_backward_alt": "correct"}


def batchnorm_backward(dout, cache):
    x, x_hat, mu, var, gamma, beta, eps = cache
    N = x.shape[0]
    centered = x - mu
    inv_std = (var + eps) ** -0.5
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dxh = dout * gamma
    dvar = np.sum(dxh * centered, axis=0) * -0.5 * inv_std ** 3
    dmu = np.sum(-dxh * inv_std, axis=0) + dvar * np.mean(-2.0 * centered, axis=0)
    dx = dxh * inv_std + dvar * 2.0 * centered / N + dmu / N
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    x, x_hat, mu, var, gamma, beta, eps = cache
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dxh = gamma * dout
    dx = (dxh - dxh.mean(axis=0) - x_hat * (dxh * x_hat).mean(axis=0)) / np.sqrt(var + eps)
    return dx, dgamma, dbeta
