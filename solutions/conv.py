"""Notebook 02: a convolution layer, forward and backward.

Layout: channels last. ``A_prev`` is ``(m, n_H_prev, n_W_prev, n_C_prev)``, ``W`` is
``(f, f, n_C_prev, n_C)``, ``b`` is ``(1, 1, 1, n_C)``, ``Z`` is ``(m, n_H, n_W, n_C)``
with ``n_H = (n_H_prev - f + 2 * pad) // stride + 1`` (and the same for n_W).

Both passes are vectorized over the examples and the output positions: they loop over
the f x f kernel offsets only. For an offset (di, dj), the input pixels that meet W[di, dj]
form the strided slice ``A_prev_pad[:, di : di + stride * n_H : stride, dj : dj + stride * n_W : stride, :]``
of shape (m, n_H, n_W, n_C_prev), one pixel per output position.
"""

import numpy as np


def zero_pad(X, pad):
    """Pad the height and width of every image of a batch with zeros.

    Arguments:
    X -- batch of images, shape (m, n_H, n_W, n_C)
    pad -- number of zeros added on each side of the height and width axes

    Returns:
    X_pad -- padded batch, shape (m, n_H + 2 * pad, n_W + 2 * pad, n_C)
    """
    X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant", constant_values=0)
    return X_pad


def conv_forward(A_prev, W, b, hparameters):
    """Forward pass of a convolution layer.

    Z[i, h, w, c] = sum over (di, dj, k) of
        A_prev_pad[i, h * stride + di, w * stride + dj, k] * W[di, dj, k, c]  +  b[0, 0, 0, c]

    Arguments:
    A_prev -- input activations, shape (m, n_H_prev, n_W_prev, n_C_prev)
    W -- filters, shape (f, f, n_C_prev, n_C)
    b -- biases, shape (1, 1, 1, n_C)
    hparameters -- dict with "stride" (int) and "pad" (int)

    Returns:
    Z -- convolution output, shape (m, n_H, n_W, n_C) with
         n_H = (n_H_prev - f + 2 * pad) // stride + 1, n_W likewise
    cache -- the tuple (A_prev, W, b, hparameters), the inputs unchanged:
        A_prev -- shape (m, n_H_prev, n_W_prev, n_C_prev)
        W -- shape (f, f, n_C_prev, n_C)
        b -- shape (1, 1, 1, n_C)
        hparameters -- {"stride": stride, "pad": pad}
    """
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride = hparameters["stride"]
    pad = hparameters["pad"]
    n_H = (n_H_prev - f + 2 * pad) // stride + 1
    n_W = (n_W_prev - f + 2 * pad) // stride + 1

    A_prev_pad = zero_pad(A_prev, pad)
    Z = np.zeros((m, n_H, n_W, n_C)) + b
    for di in range(f):
        for dj in range(f):
            # Pixel (di, dj) of every window: shape (m, n_H, n_W, n_C_prev)
            a_slice = A_prev_pad[:, di:di + stride * n_H:stride, dj:dj + stride * n_W:stride, :]
            # Contract the channels with W[di, dj] of shape (n_C_prev, n_C)
            Z += np.tensordot(a_slice, W[di, dj], axes=([3], [0]))

    cache = (A_prev, W, b, hparameters)
    return Z, cache


def conv_backward(dZ, cache):
    """Backward pass of a convolution layer.

    Each output Z[i, h, w, c] received W[:, :, :, c] times a window of A_prev_pad, so:
    - dW[di, dj] sums, over every example and output position, the window pixel (di, dj)
      times dZ: a contraction over (m, n_H, n_W);
    - every window pixel (di, dj) of dA_prev_pad receives dZ times W[di, dj]; windows
      overlap when stride < f, so these contributions add up (+=);
    - db sums dZ over the examples and the output positions.

    Arguments:
    dZ -- upstream gradient, with respect to Z, shape (m, n_H, n_W, n_C)
    cache -- the tuple (A_prev, W, b, hparameters) from conv_forward:
        A_prev -- shape (m, n_H_prev, n_W_prev, n_C_prev)
        W -- shape (f, f, n_C_prev, n_C)
        b -- shape (1, 1, 1, n_C)
        hparameters -- {"stride": stride, "pad": pad}

    Returns:
    dA_prev -- gradient with respect to A_prev, shape (m, n_H_prev, n_W_prev, n_C_prev)
    dW -- gradient with respect to W, shape (f, f, n_C_prev, n_C)
    db -- gradient with respect to b, shape (1, 1, 1, n_C)
    """
    (A_prev, W, b, hparameters) = cache
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride = hparameters["stride"]
    pad = hparameters["pad"]
    (m, n_H, n_W, n_C) = dZ.shape

    A_prev_pad = zero_pad(A_prev, pad)

    # Start dA_prev_pad and dW at zero, then loop over the f x f kernel offsets (di, dj) only,
    # never over the examples or the output positions. For an offset (di, dj), the strided slice
    #     A_prev_pad[:, di:di + stride * n_H:stride, dj:dj + stride * n_W:stride, :]
    # of shape (m, n_H, n_W, n_C_prev) holds pixel (di, dj) of every window. Then:
    #     dW[di, dj] = that slice contracted with dZ over the axes (m, n_H, n_W)   (np.tensordot)
    #     the same slice of dA_prev_pad  +=  dZ contracted with W[di, dj] over n_C
    ### START CODE HERE ###
    dA_prev_pad = np.zeros(A_prev_pad.shape)
    dW = np.zeros(W.shape)
    for di in range(f):
        for dj in range(f):
            a_slice = A_prev_pad[:, di:di + stride * n_H:stride, dj:dj + stride * n_W:stride, :]
            dW[di, dj] = np.tensordot(a_slice, dZ, axes=([0, 1, 2], [0, 1, 2]))
            dA_prev_pad[:, di:di + stride * n_H:stride, dj:dj + stride * n_W:stride, :] += np.tensordot(dZ, W[di, dj], axes=([3], [1]))
    ### END CODE HERE ###

    # The bias of filter c was added to every output position of every example
    ### START CODE HERE ###
    db = np.sum(dZ, axis=(0, 1, 2)).reshape(1, 1, 1, n_C)
    ### END CODE HERE ###

    # Remove the padding: the padded border is not an input of the layer
    ### START CODE HERE ###
    dA_prev = dA_prev_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :]
    ### END CODE HERE ###

    return dA_prev, dW, db
