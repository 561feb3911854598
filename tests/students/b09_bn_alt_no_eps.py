"""Di: the closed form with np.sqrt(var), eps left out."""
import numpy as np

EXPECT = {"batchnorm_backward_alt": "batchnorm_backward_alt/no_eps"}


def batchnorm_backward_alt(dout, cache):
    x, x_hat, mu, var, gamma, beta, eps = cache
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx = gamma * (N * dout - dbeta - x_hat * dgamma) / (N * np.sqrt(var))
    return dx, dgamma, dbeta
