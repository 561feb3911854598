"""Amy: right formulas, returns (dx, dbeta, dgamma)."""
import numpy as np

EXPECT = {"batchnorm_backward_alt": "batchnorm_backward_alt/swapped_dgamma_dbeta"}


def batchnorm_backward_alt(dout, cache):
    x, x_hat, mu, var, gamma, beta, eps = cache
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(x_hat * dout, axis=0)
    dx = (1.0 / N) * gamma / np.sqrt(var + eps) * (N * dout - dbeta - x_hat * dgamma)
    return dx, dbeta, dgamma
