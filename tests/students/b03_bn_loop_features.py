"""Xan: a loop over the D features, the Jacobian of each column written out explicitly;
closed form recomputing x_hat from x."""
import numpy as np

EXPECT = {"batchnorm_backward": "correct", "batchnorm_backward_alt": "correct"}


def batchnorm_backward(dout, cache):
    x, x_hat, mu, var, gamma, beta, eps = cache
    N, D = x.shape
    dx = np.zeros_like(x)
    dgamma = np.zeros(D)
    dbeta = np.zeros(D)
    for j in range(D):
        s = np.sqrt(var[j] + eps)
        xh = (x[:, j] - mu[j]) / s
        # d xh_i / d x_k = (delta_ik - 1/N - xh_i xh_k / N) / s
        J = (np.eye(N) - 1.0 / N - np.outer(xh, xh) / N) / s
        dxh = dout[:, j] * gamma[j]
        dx[:, j] = J.T @ dxh
        dgamma[j] = np.dot(dout[:, j], xh)
        dbeta[j] = np.sum(dout[:, j])
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    x, _, mu, var, gamma, beta, eps = cache
    N = x.shape[0]
    std = np.sqrt(var + eps)
    xh = (x - mu) / std
    dbeta = np.einsum("nd->d", dout)
    dgamma = np.einsum("nd,nd->d", dout, xh)
    dx = (gamma / std) * (dout - dbeta / N - xh * dgamma / N)
    return dx, dgamma, dbeta
