"""Walt: the computational graph node by node, with ones((N, D)) broadcasts;
closed form with N dout - dbeta - x_hat dgamma."""
import numpy as np

EXPECT = {"batchnorm_backward": "correct", "batchnorm_backward_alt": "correct"}


def batchnorm_backward(dout, cache):
    x, xhat, mean, variance, gamma, beta, eps = cache
    N, D = dout.shape
    xmu = x - mean
    sqrtvar = np.sqrt(variance + eps)
    ivar = 1.0 / sqrtvar
    # step 9 / 8
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    # step 7
    divar = np.sum(dxhat * xmu, axis=0)
    dxmu1 = dxhat * ivar
    # step 6, 5
    dsqrtvar = -divar / sqrtvar ** 2
    dvar = 0.5 * dsqrtvar / np.sqrt(variance + eps)
    # step 4, 3
    dsq = np.ones((N, D)) * dvar / N
    dxmu2 = 2 * xmu * dsq
    # step 2, 1
    dxmu = dxmu1 + dxmu2
    dmu = -np.sum(dxmu, axis=0)
    dx = dxmu + np.ones((N, D)) * dmu / N
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    x, x_hat, mu, var, gamma, beta, eps = cache
    N, D = dout.shape
    dbeta = dout.sum(0)
    dgamma = (dout * x_hat).sum(0)
    dx = gamma / (N * np.sqrt(var + eps)) * (N * dout - dbeta - x_hat * dgamma)
    return dx, dgamma, dbeta
