"""Emil: sums dgamma and dbeta over axis 1 (the features) in the closed form."""
import numpy as np

EXPECT = {"batchnorm_backward_alt": "batchnorm_backward_alt/wrong_axis"}


def batchnorm_backward_alt(dout, cache):
    x, x_hat, mu, var, gamma, beta, eps = cache
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=1)
    dgamma = np.sum(dout * x_hat, axis=1)
    dx_hat = dout * gamma
    dx = (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0)) / np.sqrt(var + eps)
    return dx, dgamma, dbeta
