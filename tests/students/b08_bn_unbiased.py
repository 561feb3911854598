"""Cy: the variance node "is" np.var(ddof=1), so the step-4 backward divides by N - 1."""
import numpy as np

EXPECT = {"batchnorm_backward": "batchnorm_backward/n_minus_1"}


def batchnorm_backward(dout, cache):
    x, x_hat, mu, var, gamma, beta, eps = cache
    N, D = dout.shape
    xmu = x - mu
    sqrtvar = np.sqrt(var + eps)
    ivar = 1 / sqrtvar
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dxhat = dout * gamma
    divar = (dxhat * xmu).sum(axis=0)
    dxmu1 = dxhat * ivar
    dsqrtvar = -divar / (sqrtvar * sqrtvar)
    dvar = dsqrtvar / (2 * sqrtvar)
    dsq = dvar / (N - 1) * np.ones((N, D))
    dxmu2 = 2 * xmu * dsq
    dxmu = dxmu1 + dxmu2
    dmu = -dxmu.sum(axis=0)
    dx = dxmu + dmu / N
    return dx, dgamma, dbeta
