"""Bo: in the graph version computes dbeta from x_hat and dgamma from dout alone (names swapped)."""
import numpy as np

EXPECT = {"batchnorm_backward": "batchnorm_backward/swapped_dgamma_dbeta"}


def batchnorm_backward(dout, cache):
    x, x_hat, mu, var, gamma, beta, eps = cache
    N = x.shape[0]
    xc = x - mu
    std = np.sqrt(var + eps)
    dgamma = np.sum(dout, axis=0)
    dbeta = np.sum(dout * x_hat, axis=0)
    dxh = dout * gamma
    dvar = np.sum(dxh * xc, axis=0) * (-0.5) * std ** -3
    dmu = -np.sum(dxh, axis=0) / std
    dx = dxh / std + dvar * 2 * xc / N + dmu / N
    return dx, dgamma, dbeta
