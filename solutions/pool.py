"""Notebook 02: a pooling layer (max or average), forward and backward.

Layout: channels last. ``A_prev`` is ``(m, n_H_prev, n_W_prev, n_C)``; pooling has no
padding, so ``n_H = (n_H_prev - f) // stride + 1`` (and the same for n_W). Windows
overlap when stride < f.

Both passes are vectorized. The forward pass takes every window at once with
``np.lib.stride_tricks.sliding_window_view``, a view of shape (m, n_H, n_W, n_C, f, f).
The backward pass works with one strided slice of A_prev per kernel offset (di, dj), entry
(di, dj) of every window; when the windows tile the image (stride == f), a reshape of
A_prev to (m, n_H, f, n_W, f, n_C) gives all the windows at once.
"""

import numpy as np


def pool_forward(A_prev, hparameters, mode="max"):
    """Forward pass of a pooling layer.

    A[i, h, w, c] = max (or mean) of the window
        A_prev[i, h * stride : h * stride + f, w * stride : w * stride + f, c]

    Arguments:
    A_prev -- input activations, shape (m, n_H_prev, n_W_prev, n_C)
    hparameters -- dict with "f" (window size, int) and "stride" (int)
    mode -- "max" or "average"

    Returns:
    A -- pooled output, shape (m, n_H, n_W, n_C) with n_H = (n_H_prev - f) // stride + 1,
         n_W likewise
    cache -- the tuple (A_prev, hparameters), the inputs unchanged:
        A_prev -- shape (m, n_H_prev, n_W_prev, n_C)
        hparameters -- {"f": f, "stride": stride}
    """
    f = hparameters["f"]
    stride = hparameters["stride"]
    # windows[i, h, w, c] is the (f, f) window that A[i, h, w, c] pools
    windows = np.lib.stride_tricks.sliding_window_view(A_prev, (f, f), axis=(1, 2))[:, ::stride, ::stride]
    if mode == "max":
        A = np.max(windows, axis=(4, 5))
    elif mode == "average":
        A = np.mean(windows, axis=(4, 5))
    else:
        raise ValueError(f'mode must be "max" or "average", got {mode!r}')
    cache = (A_prev, hparameters)
    return A, cache


def create_mask_from_window(x):
    """Mask of the maximum of a window: where the gradient of a max pool goes.

    Arguments:
    x -- one pooling window, shape (f, f)

    Returns:
    mask -- boolean array, shape (f, f): True where x equals its maximum, False elsewhere
    """
    ### START CODE HERE ###
    mask = x == np.max(x)
    ### END CODE HERE ###
    return mask


def distribute_value(dz, shape):
    """Spread a gradient evenly over a window: the backward pass of an average pool.

    Arguments:
    dz -- gradient with respect to one pooled output, a scalar
    shape -- (n_H, n_W), the shape of the window

    Returns:
    a -- array of shape (n_H, n_W), every entry dz / (n_H * n_W)
    """
    (n_H, n_W) = shape
    ### START CODE HERE ###
    average = dz / (n_H * n_W)
    a = np.ones(shape) * average
    ### END CODE HERE ###
    return a


def pool_backward(dA, cache, mode="max"):
    """Backward pass of a pooling layer.

    The gradient dA[i, h, w, c] of each pooled output goes back to its window:
    - "max": all of it to the window's maximum (create_mask_from_window, for every
      window at once);
    - "average": dA / (f * f) to every entry (distribute_value, for every window at once).
    When windows overlap (stride < f), an input pixel collects the gradients of every
    window it belongs to, so they add up.

    Arguments:
    dA -- gradient with respect to the pooled output A, shape (m, n_H, n_W, n_C)
    cache -- the tuple (A_prev, hparameters) from pool_forward:
        A_prev -- shape (m, n_H_prev, n_W_prev, n_C)
        hparameters -- {"f": f, "stride": stride}
    mode -- "max" or "average", as in the forward pass

    Returns:
    dA_prev -- gradient with respect to A_prev, shape (m, n_H_prev, n_W_prev, n_C)
    """
    (A_prev, hparameters) = cache
    f = hparameters["f"]
    stride = hparameters["stride"]
    (m, n_H, n_W, n_C) = dA.shape

    if mode not in ("max", "average"):
        raise ValueError(f'mode must be "max" or "average", got {mode!r}')

    # Two routes, both accepted:
    # - loops over the outputs (i, h, w, c), as in the classic notebook: the window
    #   a_prev_slice of output (i, h, w, c) receives create_mask_from_window(a_prev_slice)
    #   * dA[i, h, w, c] ("max") or distribute_value(dA[i, h, w, c], (f, f)) ("average");
    # - vectorized: dwindows, of shape (m, n_H, n_W, n_C, f, f), holds the (f, f) gradient
    #   that every window sends back; entry (di, dj) of every window,
    #   dwindows[:, :, :, :, di, dj], goes to the strided slice
    #       dA_prev[:, di:di + stride * n_H:stride, dj:dj + stride * n_W:stride, :]
    #   so loop over the f x f kernel offsets (di, dj) only.
    # Either way, add (+=): with overlapping windows a pixel receives from several of them.
    ### START CODE HERE ### (≈ 10 lines of code)
    # The reference takes the vectorized route without building dwindows: the maximum of
    # every window (A_max) and the share of every window entry (dA_share) have the shape
    # of dA, and entry (di, dj) of every window is one strided slice of A_prev.
    dA_prev = np.zeros(A_prev.shape)
    if mode == "average":
        dA_share = dA / (f * f)
    if stride == f:
        # The windows tile the image: a reshape gives them all (views, no copies), with
        # windows[i, h, di, w, dj, c] = A_prev[i, h * f + di, w * f + dj, c]
        windows = A_prev[:, :n_H * f, :n_W * f, :].reshape(m, n_H, f, n_W, f, n_C)
        dwindows = dA_prev[:, :n_H * f, :n_W * f, :].reshape(m, n_H, f, n_W, f, n_C)
        if mode == "max":
            row_max = np.max(windows, axis=2)
            A_max = row_max[:, :, :, 0, :].copy()
            for dj in range(1, f):
                np.maximum(A_max, row_max[:, :, :, dj, :], out=A_max)
            mask = windows == A_max[:, :, np.newaxis, :, np.newaxis, :]
            np.multiply(mask, dA[:, :, np.newaxis, :, np.newaxis, :], out=dwindows)
        else:
            dwindows[...] = dA_share[:, :, np.newaxis, :, np.newaxis, :]
    else:
        entries = [(slice(None), slice(di, di + stride * n_H, stride), slice(dj, dj + stride * n_W, stride))
                   for di in range(f) for dj in range(f)]
        if mode == "max":
            A_max = A_prev[entries[0]].copy()
            for entry in entries[1:]:
                np.maximum(A_max, A_prev[entry], out=A_max)
        for entry in entries:
            if mode == "max":
                dA_prev[entry] += (A_prev[entry] == A_max) * dA
            else:
                dA_prev[entry] += dA_share
    ### END CODE HERE ###

    return dA_prev
