"""Test cases as data: a plan of dimensions per exercise, one generator per exercise.

A :class:`Case` (grader/case.py) holds the arguments of one call. Generators build
them from a numpy Generator and a few dimensions, avoiding the points where a derivative
is undefined (COURSE_SPEC.md): no ReLU input within 1e-3 of 0 (we keep 1e-2), no ties
inside a pooling window. Caches are made by the provided forward passes, so they are
exactly what a student's backward receives in the notebook.

Generating a case needs the provided forward functions of ``solutions``; it runs on the
course author's and the instructor's side, never in a student kernel.
"""

from __future__ import annotations

import zlib
from typing import Any, Callable

import numpy as np

from grader.case import Case

__all__ = ["Case", "DEFAULT_SEED", "GENERATORS", "PUBLIC_PLAN", "HIDDEN_PLAN", "SPEED_PLAN", "make_cases",
           "speed_case"]

#: The hidden cases' seed when the course configuration sets none (``[course] seed``).
#: It is a secret of the instructor's side: ``make release`` refuses a bundle holding it.
DEFAULT_SEED = 1234567

KINK_MARGIN = 1e-2


def _away_from_zero(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normal values pushed away from 0, so that no ReLU sits on its kink."""
    z = rng.standard_normal(shape)
    return np.where(z >= 0, 1.0, -1.0) * (np.abs(z) + 0.1)


def _distinct(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values with no ties: a shuffled grid spaced 1/size apart, plus tiny noise."""
    n = int(np.prod(shape))
    grid = (rng.permutation(n) - n / 2) / max(n / 4, 1)
    return (grid + rng.uniform(-0.1, 0.1, n) / max(n, 1)).reshape(shape)


def _redraw(make: Callable[[], tuple], ok: Callable[[tuple], bool], tries: int = 200) -> tuple:
    for _ in range(tries):
        drawn = make()
        if ok(drawn):
            return drawn
    raise RuntimeError("could not draw a case away from the kinks; change its dimensions")


def _relu_backward(rng, shape):
    return (rng.standard_normal(shape), _away_from_zero(rng, shape)), f"shape {shape}"


def _sigmoid_backward(rng, shape):
    return (rng.standard_normal(shape), 2.0 * rng.standard_normal(shape)), f"shape {shape}"


def _linear_backward(rng, n, n_prev, m):
    A_prev = rng.standard_normal((n_prev, m))
    W = rng.standard_normal((n, n_prev))
    b = rng.standard_normal((n, 1))
    dZ = rng.standard_normal((n, m))
    return (dZ, (A_prev, W, b)), f"W {n}x{n_prev}, m={m}"


def _linear_activation_backward(rng, n, n_prev, m, activation):
    def make():
        A_prev = rng.standard_normal((n_prev, m))
        W = rng.standard_normal((n, n_prev))
        b = rng.standard_normal((n, 1))
        return A_prev, W, b, W @ A_prev + b

    A_prev, W, b, Z = _redraw(make, lambda d: np.min(np.abs(d[3])) > KINK_MARGIN)
    dA = rng.standard_normal((n, m))
    return (dA, ((A_prev, W, b), Z), activation), f"{activation}, W {n}x{n_prev}, m={m}"


def _layer_params(rng, layer_dims):
    params = {}
    for l in range(1, len(layer_dims)):
        params[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * np.sqrt(
            2.0 / layer_dims[l - 1]
        )
        params[f"b{l}"] = 0.1 * rng.standard_normal((layer_dims[l], 1))
    return params


def _L_model_backward(rng, layer_dims, m, flat_y=False):
    from solutions import L_model_forward

    def make():
        X = rng.standard_normal((layer_dims[0], m))
        AL, caches = L_model_forward(X, _layer_params(rng, layer_dims))
        return AL, caches

    def ok(drawn):
        AL, caches = drawn
        relu_z = [c[1] for c in caches[:-1]]
        far = all(np.min(np.abs(z)) > KINK_MARGIN for z in relu_z)
        return far and np.all((AL > 0.02) & (AL < 0.98))

    AL, caches = _redraw(make, ok)
    Y = (rng.random((1, m)) < 0.5).astype(np.float64)
    if flat_y:
        Y = Y.reshape(m)
    return (AL, Y, caches), f"layers {layer_dims}, m={m}, Y shape {Y.shape}"


def _update_parameters(rng, layer_dims, learning_rate):
    params = _layer_params(rng, layer_dims)
    grads = {"d" + k: rng.standard_normal(v.shape) for k, v in params.items()}
    for l in range(len(layer_dims) - 1):
        grads[f"dA{l}"] = rng.standard_normal((layer_dims[l], 3))
    return (params, grads, learning_rate), f"layers {layer_dims}, learning rate {learning_rate}"


def _conv_backward(rng, m, n_H, n_W, n_C_prev, n_C, f, stride, pad):
    from solutions import conv_forward

    A_prev = rng.standard_normal((m, n_H, n_W, n_C_prev))
    W = rng.standard_normal((f, f, n_C_prev, n_C))
    b = rng.standard_normal((1, 1, 1, n_C))
    Z, cache = conv_forward(A_prev, W, b, {"stride": stride, "pad": pad})
    dZ = rng.standard_normal(Z.shape)
    label = f"A_prev {A_prev.shape}, W {W.shape}, stride {stride}, pad {pad}"
    return (dZ, cache), label


def _create_mask_from_window(rng, shape):
    return (_distinct(rng, shape),), f"window {shape}"


def _distribute_value(rng, dz, shape):
    return (float(dz), tuple(shape)), f"dz={dz}, shape {tuple(shape)}"


def _pool_backward(rng, m, n_H, n_W, n_C, f, stride, mode):
    from solutions import pool_forward

    A_prev = _distinct(rng, (m, n_H, n_W, n_C))
    A, cache = pool_forward(A_prev, {"f": f, "stride": stride}, mode=mode)
    dA = rng.standard_normal(A.shape)
    overlap = ", overlapping windows" if stride < f else ""
    label = f"{mode}, A_prev {A_prev.shape}, f={f}, stride {stride}{overlap}"
    return (dA, cache), label, {"mode": mode}


def _batchnorm(rng, N, D):
    from solutions import batchnorm_forward

    x = 2.0 * rng.standard_normal((N, D)) + rng.standard_normal(D)
    gamma = 1.0 + 0.5 * rng.standard_normal(D)
    beta = rng.standard_normal(D)
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dout = rng.standard_normal((N, D))
    return (dout, cache), f"x {x.shape}"


def _dropout_backward(rng, N, D, p, mode):
    from solutions import dropout_forward

    x = rng.standard_normal((N, D))
    param = {"p": p, "mode": mode, "seed": int(rng.integers(0, 2**31 - 1))}
    _, cache = dropout_forward(x, param)
    dout = rng.standard_normal((N, D))
    return (dout, cache), f"{mode} mode, x {x.shape}, keep probability p={p}"


#: Generator per exercise: ``gen(rng, *dims) -> (args, label)`` or ``(args, label, kwargs)``.
GENERATORS: dict[str, Callable[..., tuple]] = {
    "relu_backward": _relu_backward,
    "sigmoid_backward": _sigmoid_backward,
    "linear_backward": _linear_backward,
    "linear_activation_backward": _linear_activation_backward,
    "L_model_backward": _L_model_backward,
    "update_parameters": _update_parameters,
    "conv_backward": _conv_backward,
    "create_mask_from_window": _create_mask_from_window,
    "distribute_value": _distribute_value,
    "pool_backward": _pool_backward,
    "batchnorm_backward": _batchnorm,
    "batchnorm_backward_alt": _batchnorm,
    "dropout_backward": _dropout_backward,
}

#: The public cases: small, friendly shapes, shipped with the notebooks.
PUBLIC_PLAN: dict[str, list[tuple]] = {
    "relu_backward": [((3, 4),), ((1, 5),)],
    "sigmoid_backward": [((3, 4),), ((1, 5),)],
    "linear_backward": [(3, 5, 4), (1, 3, 2)],
    "linear_activation_backward": [(3, 4, 2, "relu"), (1, 3, 2, "sigmoid")],
    "L_model_backward": [([4, 3, 1], 2), ([5, 4, 3, 1], 3, True)],
    "update_parameters": [([4, 3, 1], 0.1), ([3, 5, 2, 1], 0.05)],
    "conv_backward": [(2, 4, 4, 3, 2, 2, 2, 2), (2, 5, 5, 2, 3, 3, 1, 0)],
    "create_mask_from_window": [((2, 3),), ((3, 3),)],
    "distribute_value": [(2.0, (2, 2)), (3.0, (3, 3))],
    "pool_backward": [
        (2, 5, 5, 2, 2, 1, "max"),
        (1, 4, 4, 3, 2, 2, "max"),
        (2, 5, 5, 2, 2, 1, "average"),
        (1, 5, 5, 2, 3, 2, "average"),
    ],
    "batchnorm_backward": [(4, 5), (6, 3)],
    "batchnorm_backward_alt": [(4, 5), (6, 3)],
    "dropout_backward": [(3, 4, 0.8, "train"), (3, 4, 0.8, "test")],
}


#: The hidden cases: shapes unlike the public ones, with distinct dimensions (mostly
#: primes) so that a transpose or a swapped axis cannot pass by accident. They cover
#: stride > 1, pad = 0 and pad > 0, overlapping pooling windows, both pooling modes,
#: both activations, a one-layer network, Y as (m,), and dropout in train and test mode.
HIDDEN_PLAN: dict[str, list[tuple]] = {
    "relu_backward": [((5, 7),), ((3, 11),)],
    "sigmoid_backward": [((5, 7),), ((2, 13),)],
    "linear_backward": [(5, 7, 11), (3, 2, 13)],
    "linear_activation_backward": [(5, 7, 3, "relu"), (3, 5, 7, "sigmoid"), (7, 2, 5, "relu")],
    "L_model_backward": [([7, 5, 3, 1], 11), ([5, 3, 1], 7, True), ([3, 1], 5)],
    "update_parameters": [([7, 5, 3, 1], 0.07), ([5, 1], 0.3)],
    "conv_backward": [
        (2, 13, 11, 3, 7, 5, 2, 1),   # stride 2, pad 1
        (3, 11, 7, 2, 5, 4, 1, 0),    # stride 1, pad 0
        (2, 7, 11, 5, 3, 4, 3, 2),    # stride 3, pad 2
    ],
    "create_mask_from_window": [((3, 5),), ((7, 2),)],
    "distribute_value": [(1.7, (3, 5)), (-2.3, (2, 7))],
    "pool_backward": [
        (2, 7, 11, 3, 3, 2, "max"),      # overlapping
        (3, 8, 6, 5, 2, 2, "max"),       # disjoint
        (2, 5, 7, 3, 3, 1, "max"),       # overlapping, stride 1
        (2, 7, 11, 3, 3, 2, "average"),  # overlapping
        (3, 8, 6, 5, 2, 2, "average"),   # disjoint
    ],
    "batchnorm_backward": [(7, 5), (13, 3)],
    "batchnorm_backward_alt": [(7, 5), (13, 3)],
    "dropout_backward": [(7, 5, 0.7, "train"), (5, 3, 0.5, "train"), (7, 5, 0.7, "test")],
}


#: One larger hidden case per vectorizable exercise, for speed feedback: big enough that
#: loops over the examples and positions take hundreds of times the vectorized time,
#: small enough that the naive loops still finish in about a second.
SPEED_PLAN: dict[str, tuple] = {
    "conv_backward": (8, 16, 16, 8, 16, 3, 1, 1),
    "pool_backward": (8, 16, 16, 8, 2, 2, "max"),
    "batchnorm_backward": (256, 64),
    "batchnorm_backward_alt": (256, 64),
}


def speed_case(exercise: str, seed: int) -> Case:
    """The speed case of ``exercise`` (drawn from its own stream, apart from the hidden cases)."""
    return make_cases(exercise, [SPEED_PLAN[exercise]], seed + 1_000_003)[0]


def make_cases(exercise: str, plan: list[tuple], seed: int) -> list[Case]:
    """The cases of ``plan`` for ``exercise``, reproducible from ``seed``.

    Each exercise draws from its own stream, so adding an exercise or a case to a plan
    leaves every other exercise's cases unchanged.
    """
    gen = GENERATORS[exercise]
    cases = []
    for i, dims in enumerate(plan):
        rng = np.random.default_rng([seed, zlib.crc32(exercise.encode()), i])
        out: tuple[Any, ...] = gen(rng, *dims)
        args, label = out[0], out[1]
        kwargs = out[2] if len(out) > 2 else {}
        cases.append(Case(exercise, label, tuple(args), dict(kwargs)))
    return cases
