"""Notebook 03: inverted dropout, forward and backward.

Layout: examples are rows, ``x`` is ``(N, D)`` (any shape works). ``p`` is the
probability of KEEPING a unit. Kept units are divided by p at train time, so that the
expected output equals x and the test-time pass is the identity.
"""

import numpy as np


def dropout_forward(x, dropout_param):
    """Forward pass of inverted dropout.

    Arguments:
    x -- input, numpy array of any shape, e.g. (N, D)
    dropout_param -- dict with the keys:
        "p" -- probability of keeping each unit, in (0, 1]
        "mode" -- "train" or "test"
        "seed" -- optional; when present, rng = np.random.default_rng(seed), which makes
                  the mask reproducible (for gradient checks); otherwise a fresh
                  np.random.default_rng()

    Returns:
    out -- x * mask in train mode, x itself in test mode; same shape as x
    cache -- the tuple (dropout_param, mask):
        dropout_param -- the dict above
        mask -- in train mode (rng.random(x.shape) < p) / p, same shape as x: 1/p for a
                kept unit, 0 for a dropped one; in test mode None
    """
    p = dropout_param["p"]
    mode = dropout_param["mode"]
    if mode == "train":
        if "seed" in dropout_param:
            rng = np.random.default_rng(dropout_param["seed"])
        else:
            rng = np.random.default_rng()
        mask = (rng.random(x.shape) < p) / p
        out = x * mask
    elif mode == "test":
        mask = None
        out = x
    else:
        raise ValueError(f'dropout_param["mode"] must be "train" or "test", got {mode!r}')
    cache = (dropout_param, mask)
    return out, cache


def dropout_backward(dout, cache):
    """Backward pass of inverted dropout.

    Arguments:
    dout -- gradient of the cost with respect to out, same shape as x
    cache -- the tuple (dropout_param, mask) from dropout_forward:
        dropout_param -- dict with "p", "mode" and maybe "seed"
        mask -- train mode: the mask out = x * mask used, same shape as x; test mode: None

    Returns:
    dx -- gradient with respect to x, same shape as x: dout * mask in train mode,
          dout in test mode (the test-time pass is the identity)
    """
    (dropout_param, mask) = cache
    mode = dropout_param["mode"]
    if mode == "train":
        ### START CODE HERE ###
        dx = dout * mask
        ### END CODE HERE ###
    elif mode == "test":
        ### START CODE HERE ###
        dx = dout
        ### END CODE HERE ###
    else:
        raise ValueError(f'dropout_param["mode"] must be "train" or "test", got {mode!r}')
    return dx
