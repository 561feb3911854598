"""The grader's side of a case: the reference's output and gradient checks of a student's.

Runs in the grader's process only (it imports ``solutions``). For each graded backward
pass, ``_SPECS`` says which forward pass it differentiates and how each
output relates to a numerical gradient of it, including the course's conventions: in
notebook 01, ``dW`` and ``db`` are gradients of the mean over the m examples while
``dA`` and ``dZ`` are m times the gradient of the mean cost (the Coursera convention).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

import solutions
from grader.cases import Case
from grader.gradcheck import DirectionalResult, directional_check, scalarize

__all__ = ["expected_output", "GradientTarget", "gradient_targets", "gradient_exercises", "NO_GRADIENT",
           "check_gradients", "ReferenceGradients"]


def expected_output(case: Case) -> Any:
    """What the reference returns on a case (called on copies: the case stays intact)."""
    fn = getattr(solutions, case.exercise)
    return fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))


@dataclass(frozen=True)
class GradientTarget:
    """One output of a backward pass, as a gradient of a scalar function.

    Attributes:
        output: the output's name as in feedback (``"dW"``, ``'grads["dW2"]'``).
        key: where it is in the returned value: a position or a dict key.
        f: the scalar function of one array whose gradient the output is.
        x: the point of evaluation.
        scale: the output equals ``scale`` times the true gradient of ``f``.
        scale_name: how the notebook explains the scale, e.g. ``"1/m"`` (for messages).
    """

    output: str
    key: Any
    f: Callable[[np.ndarray], float]
    x: np.ndarray
    scale: float = 1.0
    scale_name: str = ""


def _linear_targets(args: tuple) -> list[GradientTarget]:
    if len(args) == 2:  # linear_backward(dZ, (A_prev, W, b))
        dout, (A_prev, W, b) = args
        forward = lambda A, W_, b_: solutions.linear_forward(A, W_, b_)[0]  # noqa: E731
    else:  # linear_activation_backward(dA, ((A_prev, W, b), Z), activation)
        dout, ((A_prev, W, b), _), activation = args
        forward = lambda A, W_, b_: solutions.linear_activation_forward(A, W_, b_, activation)[0]  # noqa: E731
    m = A_prev.shape[1]
    return [
        GradientTarget("dA_prev", 0, scalarize(lambda x: forward(x, W, b), dout), A_prev),
        GradientTarget("dW", 1, scalarize(lambda x: forward(A_prev, x, b), dout), W, 1 / m, "1/m"),
        GradientTarget("db", 2, scalarize(lambda x: forward(A_prev, W, x), dout), b, 1 / m, "1/m"),
    ]


def _activation_targets(forward: Callable) -> Callable[[tuple], list[GradientTarget]]:
    def targets(args: tuple) -> list[GradientTarget]:
        dA, Z = args
        return [GradientTarget("dZ", None, scalarize(lambda x: forward(x)[0], dA), Z)]

    return targets


def _L_model_targets(args: tuple) -> list[GradientTarget]:
    AL, Y, caches = args
    X = caches[0][0][0]
    params = {}
    for l, ((_, W, b), _) in enumerate(caches, start=1):
        params[f"W{l}"], params[f"b{l}"] = W, b
    m = X.shape[1]

    def cost(X_: np.ndarray, p: dict) -> float:
        return solutions.compute_cost(solutions.L_model_forward(X_, p)[0], Y)

    targets = [GradientTarget('grads["dA0"]', "dA0", lambda x: cost(x, params), X, float(m), "m")]
    for key, value in params.items():
        targets.append(GradientTarget(
            f'grads["d{key}"]', f"d{key}", lambda x, key=key: cost(X, {**params, key: x}), value))
    return targets


def _conv_targets(args: tuple) -> list[GradientTarget]:
    dZ, (A_prev, W, b, hp) = args
    fwd = lambda A, W_, b_: solutions.conv_forward(A, W_, b_, hp)[0]  # noqa: E731
    return [
        GradientTarget("dA_prev", 0, scalarize(lambda x: fwd(x, W, b), dZ), A_prev),
        GradientTarget("dW", 1, scalarize(lambda x: fwd(A_prev, x, b), dZ), W),
        GradientTarget("db", 2, scalarize(lambda x: fwd(A_prev, W, x), dZ), b),
    ]


def _pool_targets(args: tuple, kwargs: dict) -> list[GradientTarget]:
    dA, (A_prev, hp) = args
    mode = kwargs.get("mode", "max")
    return [GradientTarget(
        "dA_prev", None, scalarize(lambda x: solutions.pool_forward(x, hp, mode=mode)[0], dA), A_prev)]


def _batchnorm_targets(args: tuple) -> list[GradientTarget]:
    dout, (x, _, _, _, gamma, beta, eps) = args
    fwd = lambda x_, g, b_: solutions.batchnorm_forward(x_, g, b_, {"mode": "train", "eps": eps})[0]  # noqa: E731
    return [
        GradientTarget("dx", 0, scalarize(lambda v: fwd(v, gamma, beta), dout), x),
        GradientTarget("dgamma", 1, scalarize(lambda v: fwd(x, v, beta), dout), gamma),
        GradientTarget("dbeta", 2, scalarize(lambda v: fwd(x, gamma, v), dout), beta),
    ]


def _dropout_targets(args: tuple) -> list[GradientTarget]:
    dout, (param, _) = args
    # Dropout is linear in x, and the seed in param fixes the mask: any point will do.
    x = np.random.default_rng(0).standard_normal(dout.shape)
    fwd = lambda v: solutions.dropout_forward(v, dict(param))[0]  # noqa: E731
    return [GradientTarget("dx", None, scalarize(fwd, dout), x)]


_SPECS: dict[str, Callable[[Case], list[GradientTarget]]] = {
    "relu_backward": lambda c: _activation_targets(solutions.relu)(c.args),
    "sigmoid_backward": lambda c: _activation_targets(solutions.sigmoid)(c.args),
    "linear_backward": lambda c: _linear_targets(c.args),
    "linear_activation_backward": lambda c: _linear_targets(c.args),
    "L_model_backward": lambda c: _L_model_targets(c.args),
    "conv_backward": lambda c: _conv_targets(c.args),
    "pool_backward": lambda c: _pool_targets(c.args, c.kwargs),
    "batchnorm_backward": lambda c: _batchnorm_targets(c.args),
    "batchnorm_backward_alt": lambda c: _batchnorm_targets(c.args),
    "dropout_backward": lambda c: _dropout_targets(c.args),
}


#: Graded functions whose outputs are not gradients of a forward pass: no gradient check
#: (a mask, a spread value, a parameter update). Every other exercise needs a spec in
#: ``_SPECS``; ``python -m grader.author validate`` says which one has neither.
NO_GRADIENT: frozenset[str] = frozenset({"create_mask_from_window", "distribute_value", "update_parameters"})


def gradient_exercises() -> frozenset[str]:
    """The exercises with a gradient check (a spec in ``_SPECS``)."""
    return frozenset(_SPECS)


def gradient_targets(case: Case) -> list[GradientTarget]:
    """The outputs of ``case.exercise`` that are gradients (empty for the exercises of
    :data:`NO_GRADIENT`)."""
    spec = _SPECS.get(case.exercise)
    return spec(case) if spec else []


def _pick(got: Any, key: Any) -> Any:
    if key is None:
        return got
    try:
        return got[key]
    except (KeyError, IndexError, TypeError):
        return None


def check_gradients(case: Case, got: Any, seed: int = 0) -> list[tuple[GradientTarget, DirectionalResult | None]]:
    """Directional checks of a student's outputs against numerical gradients.

    Returns one ``(target, result)`` per gradient output; ``result`` is None when the
    output is not a float array of the right shape (the value check says why).
    """
    rng = np.random.default_rng(seed)
    results = []
    for target in gradient_targets(case):
        value = _pick(got, target.key)
        if not isinstance(value, np.ndarray) or value.shape != target.x.shape or value.dtype.kind not in "biuf":
            results.append((target, None))
            continue
        grad = value.astype(np.float64) / target.scale
        results.append((target, directional_check(target.f, target.x.astype(np.float64), grad, rng=rng)))
    return results


class ReferenceGradients:
    """The gradient checker the grader passes to ``judge_exercise``."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def names(self, case: Case) -> list[str]:
        return [t.output for t in gradient_targets(case)]

    def __call__(self, case: Case, got: Any) -> list[tuple[GradientTarget, DirectionalResult | None]]:
        return check_gradients(case, got, self.seed)
