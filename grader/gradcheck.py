"""Gradient checking: numerical gradients, relative errors and directional checks.

This module ships to students, so it holds no reference code: it only knows how to
differentiate a function you give it. Every function is pure: it returns values and
prints nothing. All arithmetic is float64.

The two ways to check a backward pass ``grad`` of a function ``f`` at ``x``:

* **Full** (:func:`numerical_gradient`): perturb every element of ``x`` in turn,
  ``2 * x.size`` calls of ``f``. Exact enough to compare element by element, but slow
  on a conv layer with thousands of inputs.
* **Directional** (:func:`directional_check`): draw a few random unit directions ``v``
  and compare the numerical directional derivative ``(f(x + hv) - f(x - hv)) / 2h``
  with ``<grad, v>``. It costs ``2 * n_directions`` calls whatever the size of ``x``,
  and a wrong gradient passes only if its error happens to be orthogonal to every
  random direction, which has probability zero.

For an array-valued ``f`` (a forward pass), check the vector-Jacobian product that a
backward pass computes: the gradient of ``sum(f(x) * dout)`` (:func:`scalarize`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

__all__ = [
    "DEFAULT_STEP",
    "DirectionalResult",
    "numerical_gradient",
    "numerical_vjp",
    "relative_error",
    "scalarize",
    "directional_check",
    "directional_check_many",
]

#: Central-difference step. With float64 and O(1) inputs the truncation error is
#: O(h^2) ~ 1e-10 and the rounding error O(eps / h) ~ 1e-11.
DEFAULT_STEP = 1e-5

#: Relative error below which a directional check passes. Central differences at
#: h = 1e-5 typically agree with a correct analytic gradient to 1e-9 or better.
DEFAULT_TOLERANCE = 1e-6


def _as_float64(x: np.ndarray, name: str) -> np.ndarray:
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(x).__name__}")
    if x.dtype != np.float64:
        raise TypeError(
            f"{name} must be float64 for gradient checking, got {x.dtype}: "
            "float32 rounding (1e-7) swamps the central difference"
        )
    return x


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = DEFAULT_STEP
) -> np.ndarray:
    """Gradient of a scalar function ``f`` at ``x`` by central differences.

    ``f`` is called with ``x`` itself, perturbed in place one element at a time; ``x``
    holds its original values again when this returns (also if ``f`` raises).

    Args:
        f: maps the array ``x`` (any shape) to a scalar.
        x: float64 array, the point of evaluation.
        h: the step.

    Returns:
        float64 array of ``x.shape``: ``(f(x + h e_i) - f(x - h e_i)) / 2h`` at each i.
    """
    _as_float64(x, "x")
    grad = np.zeros_like(x)
    flat = x.reshape(-1)  # a view: writes go to x
    if not np.shares_memory(flat, x):
        raise ValueError("x must be contiguous so that it can be perturbed in place")
    gflat = grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        try:
            flat[i] = old + h
            f_plus = float(f(x))
            flat[i] = old - h
            f_minus = float(f(x))
        finally:
            flat[i] = old
        gflat[i] = (f_plus - f_minus) / (2.0 * h)
    return grad


def scalarize(
    f: Callable[[np.ndarray], np.ndarray], dout: np.ndarray
) -> Callable[[np.ndarray], float]:
    """Turn an array-valued ``f`` into the scalar ``x -> sum(f(x) * dout)``.

    Its gradient is the vector-Jacobian product ``J(x)^T dout``: exactly what a
    backward pass returns when it receives the upstream gradient ``dout``.
    """

    def g(x: np.ndarray) -> float:
        out = np.asarray(f(x), dtype=np.float64)
        if out.shape != dout.shape:
            raise ValueError(f"f returned shape {out.shape}, but dout has shape {dout.shape}")
        return float(np.sum(out * dout))

    return g


def numerical_vjp(
    f: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    dout: np.ndarray,
    h: float = DEFAULT_STEP,
) -> np.ndarray:
    """Numerical ``J(x)^T dout`` for an array-valued ``f``: what a backward pass computes.

    Args:
        f: maps ``x`` to an array of ``dout.shape`` (for example a forward pass with
            every other input held fixed).
        x: float64 array.
        dout: float64 array, the upstream gradient.

    Returns:
        float64 array of ``x.shape``.
    """
    return numerical_gradient(scalarize(f, dout), x, h)


def relative_error(a: np.ndarray, b: np.ndarray, floor: float = 1e-12) -> float:
    """Norm-wise relative error ``||a - b|| / max(||a|| + ||b||, floor)``.

    0 for identical arrays, 1 for opposite ones, about 2e-16 for arrays that differ by
    float64 rounding. Scale free, and finite when both are zero.

    Raises:
        ValueError: when the shapes differ (compare shapes first).
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    num = float(np.linalg.norm((a - b).ravel()))
    den = float(np.linalg.norm(a.ravel()) + np.linalg.norm(b.ravel()))
    return num / max(den, floor)


@dataclass(frozen=True)
class DirectionalResult:
    """Outcome of a directional gradient check.

    Attributes:
        numerical: numerical directional derivatives, one per direction.
        analytic: ``<grad, v>`` for the same directions.
        error: relative error between the two vectors (see :func:`relative_error`).
        tolerance: the bound ``error`` was held to.
        calls: how many times ``f`` was evaluated.
    """

    numerical: tuple[float, ...]
    analytic: tuple[float, ...]
    error: float
    tolerance: float
    calls: int

    @property
    def passed(self) -> bool:
        return self.error <= self.tolerance

    def to_dict(self) -> dict:
        return {
            "numerical": list(self.numerical),
            "analytic": list(self.analytic),
            "error": self.error,
            "tolerance": self.tolerance,
            "calls": self.calls,
            "passed": self.passed,
        }


def directional_check(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    grad: np.ndarray,
    n_directions: int = 3,
    h: float = DEFAULT_STEP,
    tolerance: float = DEFAULT_TOLERANCE,
    rng: np.random.Generator | int | None = 0,
) -> DirectionalResult:
    """Check ``grad`` (an analytic gradient of scalar ``f`` at ``x``) along random directions.

    Each direction ``v`` is a standard normal draw scaled to unit norm. The numerical
    directional derivative is ``(f(x + h v) - f(x - h v)) / 2h``; the analytic one is
    ``<grad, v>``. ``x`` is not modified.

    Args:
        f: scalar function of an array of ``x.shape``.
        x: float64 array.
        grad: the gradient to check, ``x.shape``.
        n_directions: how many random directions; ``2 * n_directions`` calls of ``f``.
        rng: a Generator or a seed; the default seed 0 makes the check reproducible.

    Raises:
        ValueError: if ``grad`` does not have the shape of ``x``.
    """
    _as_float64(x, "x")
    grad = np.asarray(grad, dtype=np.float64)
    if grad.shape != x.shape:
        raise ValueError(f"grad has shape {grad.shape}, expected {x.shape} (the shape of x)")
    rng = np.random.default_rng(rng)
    numerical, analytic = [], []
    for _ in range(n_directions):
        v = rng.standard_normal(x.shape)
        v /= max(np.linalg.norm(v.ravel()), 1e-300)
        f_plus = float(f(x + h * v))
        f_minus = float(f(x - h * v))
        numerical.append((f_plus - f_minus) / (2.0 * h))
        analytic.append(float(np.sum(grad * v)))
    return DirectionalResult(
        numerical=tuple(numerical),
        analytic=tuple(analytic),
        error=relative_error(np.array(numerical), np.array(analytic)),
        tolerance=tolerance,
        calls=2 * n_directions,
    )


def directional_check_many(
    forward: Callable[..., np.ndarray],
    inputs: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    dout: np.ndarray,
    n_directions: int = 3,
    h: float = DEFAULT_STEP,
    tolerance: float = DEFAULT_TOLERANCE,
    rng: np.random.Generator | int | None = 0,
) -> dict[str, DirectionalResult]:
    """Directional checks of a backward pass against its forward pass, one per input.

    Args:
        forward: called as ``forward(**inputs)``; returns the output array, of
            ``dout.shape``.
        inputs: the forward's array arguments by name, e.g. ``{"A_prev": ..., "W": ...}``.
        grads: the backward's gradients by the same names, e.g. ``{"A_prev": dA_prev}``.
            Only the names present here are checked.
        dout: the upstream gradient the backward pass received.

    Returns:
        One :class:`DirectionalResult` per name in ``grads``.
    """
    rng = np.random.default_rng(rng)
    results = {}
    for name, grad in grads.items():
        if name not in inputs:
            raise KeyError(f"no input named {name!r}; inputs are {sorted(inputs)}")

        def f_of(x: np.ndarray, name: str = name) -> np.ndarray:
            return forward(**{**inputs, name: x})

        results[name] = directional_check(
            scalarize(f_of, dout),
            np.asarray(inputs[name], dtype=np.float64),
            grad,
            n_directions=n_directions,
            h=h,
            tolerance=tolerance,
            rng=rng,
        )
    return results
