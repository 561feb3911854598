"""Mistakes of notebook 02 (convolution and pooling). The variants are written as the
classic loops over (example, output row, output column, channel), the way most students
write them; the hidden cases are small enough for that."""

from __future__ import annotations

import numpy as np

import solutions as ref
from grader.mistakes import mistake


# --- conv_backward(dZ, cache) -> dA_prev, dW, db -------------------------------------------

def _conv(dZ, cache, *, step=None, accumulate=True, flip=False, crop="exact", db_scale=1.0, dW_scale=1.0):
    """The loop form of conv_backward, with knobs for the classic mistakes.

    step: the stride used to place windows (None: the real one).
    accumulate: ``+=`` into dA_prev_pad and dW (False: ``=``, later windows overwrite).
    flip: use the kernel rotated by 180° in dA_prev.
    crop: "exact" (pad:pad + n), "minus" ([pad:-pad]) or "none" (the padded array).
    """
    A_prev, W, b, hp = cache
    m, n_H, n_W, n_C = dZ.shape
    f = W.shape[0]
    stride = hp["stride"] if step is None else step
    pad = hp["pad"]
    A_pad = ref.zero_pad(A_prev, pad)
    dA_pad = np.zeros(A_pad.shape)
    dW = np.zeros(W.shape)
    Wd = W[::-1, ::-1] if flip else W
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                r, c = h * stride, w * stride
                for k in range(n_C):
                    window = A_pad[i, r:r + f, c:c + f, :]
                    if window.shape[:2] != (f, f):
                        continue
                    if accumulate:
                        dA_pad[i, r:r + f, c:c + f, :] += Wd[:, :, :, k] * dZ[i, h, w, k]
                        dW[:, :, :, k] += window * dZ[i, h, w, k]
                    else:
                        dA_pad[i, r:r + f, c:c + f, :] = Wd[:, :, :, k] * dZ[i, h, w, k]
                        dW[:, :, :, k] = window * dZ[i, h, w, k]
    db = np.sum(dZ, axis=(0, 1, 2)).reshape(1, 1, 1, n_C) * db_scale
    if crop == "none":
        dA_prev = dA_pad
    elif crop == "minus":
        dA_prev = dA_pad[:, pad:-pad, pad:-pad, :]
    else:
        dA_prev = dA_pad[:, pad:pad + A_prev.shape[1], pad:pad + A_prev.shape[2], :]
    return dA_prev, dW * dW_scale, db


@mistake("conv_backward", "stride_ignored", "ignored the stride when placing the windows",
         "Window (h, w) starts at row h * stride and column w * stride, in the backward pass as in the forward.")
def conv_stride_ignored(dZ, cache):
    return _conv(dZ, cache, step=1)


@mistake("conv_backward", "assign_not_accumulate", "used = instead of += where windows overlap",
         "A pixel belongs to every window that covers it, and dW[:, :, :, c] collects every window: "
         "add the contributions (+=) instead of overwriting them.")
def conv_assign(dZ, cache):
    return _conv(dZ, cache, accumulate=False)


@mistake("conv_backward", "assign_not_accumulate")
def conv_assign_per_offset(dZ, cache):
    """The offset loops the notebook suggests, with = for dA_prev_pad: a later offset
    overwrites what an earlier one put in a shared pixel."""
    A_prev, W, b, hp = cache
    m, n_H, n_W, n_C = dZ.shape
    f, stride, pad = W.shape[0], hp["stride"], hp["pad"]
    dA_pad = np.zeros(ref.zero_pad(A_prev, pad).shape)
    for di in range(f):
        for dj in range(f):
            dA_pad[:, di:di + stride * n_H:stride, dj:dj + stride * n_W:stride, :] = np.tensordot(
                dZ, W[di, dj], axes=([3], [1]))
    _, dW, db = ref.conv_backward(dZ, cache)
    return dA_pad[:, pad:pad + A_prev.shape[1], pad:pad + A_prev.shape[2], :], dW, db


@mistake("conv_backward", "flipped_kernel", "flipped the kernel in dA_prev",
         "conv_forward is a cross-correlation (no flip), so dA_prev_pad[window] += W[:, :, :, c] * dZ[i, h, w, c] "
         "with W as it is.")
def conv_flipped(dZ, cache):
    return _conv(dZ, cache, flip=True)


@mistake("conv_backward", "padding_not_cropped", "returned the padded gradient (padding not cropped)",
         "The padding is not an input: return dA_prev_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :].")
def conv_not_cropped(dZ, cache):
    return _conv(dZ, cache, crop="none")


@mistake("conv_backward", "crop_minus_pad", "cropped the padding with [pad:-pad], which is empty when pad = 0",
         "x[pad:-pad] is empty when pad = 0 (-0 is 0): slice with [pad:pad + n_H_prev] instead.")
def conv_crop_minus(dZ, cache):
    return _conv(dZ, cache, crop="minus")


@mistake("conv_backward", "crop_minus_pad")
def conv_crop_minus_in_loop(dZ, cache):
    """The classic loop's ``dA_prev[i] = da_prev_pad[pad:-pad, pad:-pad, :]``: a shape error when pad = 0."""
    if cache[3]["pad"] == 0:
        raise ValueError("could not broadcast input array from shape (0,0) into the example's shape")
    return ref.conv_backward(dZ, cache)


@mistake("conv_backward", "divided_by_m", "divided {outputs} by m (this notebook's gradients are sums)",
         "In this notebook dW and db are sums over the examples, with no 1/m: the cost's mean is "
         "taken elsewhere.")
def conv_divided_by_m(dZ, cache):
    m = dZ.shape[0]
    return _conv(dZ, cache, db_scale=1 / m, dW_scale=1 / m)


@mistake("conv_backward", "db_mean", "averaged db instead of summing it",
         "The bias of filter c is added at every position of every example: db sums dZ[..., c] over them.")
def conv_db_mean(dZ, cache):
    m, n_H, n_W, _ = dZ.shape
    return _conv(dZ, cache, db_scale=1 / (m * n_H * n_W))


# --- create_mask_from_window(x) -> mask ----------------------------------------------------

@mistake("create_mask_from_window", "min_not_max", "marked the minimum instead of the maximum",
         "mask = (x == np.max(x)).")
def mask_min(x):
    return x == np.min(x)


@mistake("create_mask_from_window", "values_not_mask", "returned x times the mask instead of the mask",
         "Return the boolean mask itself, x == np.max(x); pool_backward multiplies it by dA.")
def mask_times_x(x):
    return x * (x == np.max(x))


# --- distribute_value(dz, shape) -> a ------------------------------------------------------

@mistake("distribute_value", "no_division", "did not divide dz by the window size",
         "Each of the n_H·n_W entries gets an equal share: dz / (n_H * n_W).")
def distribute_no_division(dz, shape):
    return np.ones(shape) * dz


@mistake("distribute_value", "divided_by_n_H_plus_n_W", "divided by n_H + n_W instead of n_H · n_W",
         "The window has n_H * n_W entries: average = dz / (n_H * n_W).")
def distribute_sum(dz, shape):
    n_H, n_W = shape
    return np.ones(shape) * dz / (n_H + n_W)


@mistake("distribute_value", "divided_by_n_H", "divided by n_H only",
         "The window has n_H * n_W entries: average = dz / (n_H * n_W).")
def distribute_n_H(dz, shape):
    return np.ones(shape) * dz / shape[0]


# --- pool_backward(dA, cache, mode) -> dA_prev ---------------------------------------------

def _share(dz, shape):
    return np.ones(shape) * dz / (shape[0] * shape[1])


def _max_mask(window):
    return window == np.max(window)


def pool_loops(dA, cache, mode="max", *, step=None, accumulate=True, route=None, mask=_max_mask, spread=_share):
    """The loop form of pool_backward, one window at a time, with knobs for the classic
    mistakes (and for the replay of grader/mistakes/blame.py, the helpers).

    step: the stride used to place windows (None: the real one).
    accumulate: ``+=`` (False: ``=``, so overlapping windows overwrite each other).
    route: force "max" or "average" routing whatever the mode.
    mask / spread: create_mask_from_window(window) and distribute_value(dz, (f, f)).
    """
    A_prev, hp = cache
    f = hp["f"]
    stride = hp["stride"] if step is None else step
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    how = route or mode
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                r, c = h * stride, w * stride
                for k in range(n_C):
                    if how == "max":
                        window = A_prev[i, r:r + f, c:c + f, k]
                        part = mask(window) * dA[i, h, w, k]
                    else:
                        part = spread(dA[i, h, w, k], (f, f))
                    target = dA_prev[i, r:r + f, c:c + f, k]
                    if target.shape != part.shape:
                        part = part[:target.shape[0], :target.shape[1]]
                    if accumulate:
                        dA_prev[i, r:r + f, c:c + f, k] += part
                    else:
                        dA_prev[i, r:r + f, c:c + f, k] = part
    return dA_prev


@mistake("pool_backward", "assign_not_accumulate", "used = instead of += where pooling windows overlap",
         "When stride < f, a pixel belongs to several windows and receives the gradient of each: "
         "dA_prev[window] += ..., never =.")
def pool_assign(dA, cache, mode="max"):
    return pool_loops(dA, cache, mode, accumulate=False)


@mistake("pool_backward", "assign_not_accumulate")
def pool_assign_per_offset(dA, cache, mode="max"):
    """The vectorized offset loop with = : a later offset overwrites a shared pixel."""
    A_prev, hp = cache
    f, stride = hp["f"], hp["stride"]
    m, n_H, n_W, n_C = dA.shape
    windows = np.lib.stride_tricks.sliding_window_view(A_prev, (f, f), axis=(1, 2))[:, ::stride, ::stride]
    if mode == "max":
        dwin = (windows == windows.max(axis=(4, 5), keepdims=True)) * dA[..., None, None]
    else:
        dwin = np.broadcast_to(dA[..., None, None] / (f * f), (m, n_H, n_W, n_C, f, f))
    out = np.zeros(A_prev.shape)
    for di in range(f):
        for dj in range(f):
            out[:, di:di + stride * n_H:stride, dj:dj + stride * n_W:stride, :] = dwin[:, :, :, :, di, dj]
    return out


@mistake("pool_backward", "stride_ignored", "ignored the stride when placing the windows",
         "Window (h, w) starts at row h * stride and column w * stride.")
def pool_stride_ignored(dA, cache, mode="max"):
    return pool_loops(dA, cache, mode, step=1)


@mistake("pool_backward", "average_divides_by_f", "divided by f instead of f² in average pooling",
         "An f x f window has f * f entries: each receives dA / (f * f) (distribute_value(dA, (f, f))).")
def pool_average_by_f(dA, cache, mode="max"):
    return pool_loops(dA, cache, mode, spread=lambda dz, shape: np.ones(shape) * dz / shape[0])


@mistake("pool_backward", "average_not_divided", "did not divide by f² in average pooling",
         "An f x f window has f * f entries: each receives dA / (f * f) (distribute_value(dA, (f, f))).")
def pool_average_undivided(dA, cache, mode="max"):
    return pool_loops(dA, cache, mode, spread=lambda dz, shape: np.ones(shape) * dz)


@mistake("pool_backward", "modes_swapped", "swapped the max and average branches",
         'mode == "max" routes the gradient to the maximum (create_mask_from_window); "average" spreads it '
         "(distribute_value).")
def pool_swapped(dA, cache, mode="max"):
    return pool_loops(dA, cache, mode, route="average" if mode == "max" else "max")


@mistake("pool_backward", "always_max", "routed the gradient to the maximum in both modes",
         'Branch on mode: "average" spreads dA evenly over the window with distribute_value.')
def pool_always_max(dA, cache, mode="max"):
    return pool_loops(dA, cache, mode, route="max")


@mistake("pool_backward", "always_average", "spread the gradient evenly in both modes",
         'Branch on mode: "max" sends all of dA to the window\'s maximum (create_mask_from_window).')
def pool_always_average(dA, cache, mode="max"):
    return pool_loops(dA, cache, mode, route="average")
