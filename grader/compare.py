"""One pure comparison of an obtained array against an expected one, and its renderers.

:func:`compare_arrays` returns a :class:`Comparison` value: the shape check first, then
the mismatched elements k / n, the largest absolute and relative differences, the
worst indices, and simple diagnoses (a scalar factor, a transpose, a lost axis).
Terminal text (:func:`render_text`) and JSON (:meth:`Comparison.to_dict`) are separate
renderings of that one value. Nothing here prints.

Tolerance (documented in docs/grading.md): an element passes when

    |got - expected| <= ATOL_SCALE * scale + RTOL * |expected|

with ``scale = max |expected|`` (1 for an all-zero array). A correct float64 answer
computed in another order (loops instead of vectorized code) differs by ~1e-15
relative; a real mistake by far more than 1e-7.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["RTOL", "ATOL_SCALE", "Mismatch", "Comparison", "compare_arrays", "render_text", "scale_factor",
           "where_grid", "MAX_GRID"]

RTOL = 1e-7
ATOL_SCALE = 1e-9
MAX_WORST = 3


@dataclass(frozen=True)
class Mismatch:
    """One wrong element: where it is, what came back and what was expected."""

    index: tuple[int, ...]
    got: float
    expected: float

    def to_dict(self) -> dict:
        return {"index": list(self.index), "got": self.got, "expected": self.expected}


@dataclass(frozen=True)
class Comparison:
    """Result of comparing one output array.

    Attributes:
        name: the output's name, e.g. ``"dA_prev"``.
        status: ``"ok"``, ``"missing"`` (None came back), ``"type"`` (not an array),
            ``"shape"`` or ``"values"``.
        got_shape / expected_shape: shapes (``None`` when there was no array).
        n_mismatched / n_total: wrong elements and all elements.
        max_abs / max_rel: largest absolute and relative differences.
        worst: up to three worst elements, largest difference first.
        mismatch_mask: boolean array of wrong elements (``None`` unless status is
            ``"values"``); for heatmaps, not serialized.
        hint: a diagnosis a student can act on, or ``None``.
        detail: a one-line explanation for ``type`` errors.
    """

    name: str
    status: str
    got_shape: tuple[int, ...] | None = None
    expected_shape: tuple[int, ...] | None = None
    n_mismatched: int = 0
    n_total: int = 0
    max_abs: float = 0.0
    max_rel: float = 0.0
    worst: tuple[Mismatch, ...] = ()
    hint: str | None = None
    detail: str | None = None
    mismatch_mask: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def passed(self) -> bool:
        return self.status == "ok"

    def to_dict(self, reveal: bool = True) -> dict:
        """JSON-ready dict. With ``reveal=False`` no element values are included."""
        d: dict[str, Any] = {
            "name": self.name,
            "status": self.status,
            "passed": self.passed,
            "got_shape": None if self.got_shape is None else list(self.got_shape),
            "expected_shape": None if self.expected_shape is None else list(self.expected_shape),
            "n_mismatched": self.n_mismatched,
            "n_total": self.n_total,
            "max_rel": self.max_rel,
            "hint": self.hint,
            "detail": self.detail,
        }
        if reveal:
            d["max_abs"] = self.max_abs
            d["worst"] = [w.to_dict() for w in self.worst]
        else:
            d["worst_indices"] = [list(w.index) for w in self.worst]
        return d


def _fmt_shape(shape: tuple[int, ...] | None) -> str:
    return "None" if shape is None else str(tuple(shape))


def scale_factor(got, expected, tol: float = 1e-6) -> float | None:
    """The scalar k with ``got == k * expected`` (least squares, residual at most ``tol``
    times ``|got|``), or None when there is none or the arrays are not numbers."""
    try:
        g = np.asarray(got, dtype=np.float64).ravel()
        e = np.asarray(expected, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return None
    ee = float(e @ e)
    if g.shape != e.shape or ee == 0.0 or not np.all(np.isfinite(g)):
        return None
    k = float(g @ e) / ee
    if np.linalg.norm(g - k * e) > tol * max(np.linalg.norm(g), 1e-300):
        return None
    return k


def _factor_hint(got: np.ndarray, expected: np.ndarray) -> str | None:
    """If ``got`` is ``k * expected`` for a scalar k (not 1), say so."""
    k = scale_factor(got, expected) if got.size >= 2 else None
    if k is None or abs(k) < 1e-12 or abs(k - 1.0) < 1e-3:  # near 1: "close", not a factor
        return None
    if abs(k + 1.0) < 1e-6:
        return "the values have the wrong sign"
    if abs(k) >= 1:
        return f"the values are {k:.6g} times the expected ones"
    return f"the values are 1/{1 / k:.6g} of the expected ones"


def _shape_hint(got: np.ndarray, expected: np.ndarray) -> str | None:
    gs, es = got.shape, expected.shape
    if gs == es[::-1] and len(gs) > 1:
        if np.allclose(got.T, expected, rtol=1e-6, atol=1e-9):
            return "it is the transpose of the expected array"
        return "it has the transposed shape: check the order of the factors in your product"
    if got.size == expected.size:
        squeezed = tuple(d for d in es if d != 1)
        if gs == squeezed and len(gs) < len(es):
            return "a summation dropped an axis: pass keepdims=True, or reshape to the expected shape"
    if got.ndim == expected.ndim and got.ndim > 0:
        diffs = [i for i, (a, b) in enumerate(zip(gs, es)) if a != b]
        if len(diffs) == 1:
            i = diffs[0]
            return f"axis {i} has length {gs[i]} instead of {es[i]}"
    return None


def compare_arrays(
    name: str,
    got: Any,
    expected: np.ndarray,
    rtol: float = RTOL,
    atol_scale: float = ATOL_SCALE,
) -> Comparison:
    """Compare an obtained output with the expected array. Pure; never raises on ``got``.

    Boolean expected arrays are compared exactly (numeric 0/1 values are accepted).
    """
    expected = np.asarray(expected)
    es = tuple(expected.shape)
    if got is None:
        return Comparison(name, "missing", None, es, detail="returned None: not implemented yet")
    if hasattr(got, "description") and not isinstance(got, np.ndarray):  # codec.Opaque
        return Comparison(name, "type", None, es, detail=f"is {got.description}, expected a numpy array of shape {es}")
    if not isinstance(got, np.ndarray):
        try:
            arr = np.asarray(got)
        except Exception:  # noqa: BLE001 - anything a student returns
            arr = None
        if arr is None or arr.dtype == object or not (
            np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
        ):
            return Comparison(
                name, "type", None, es,
                detail=f"is a {type(got).__name__}, expected a numpy array of shape {es}",
            )
        got = arr
    if got.dtype == object or not (np.issubdtype(got.dtype, np.number) or got.dtype == bool):
        return Comparison(
            name, "type", tuple(got.shape), es,
            detail=f"has dtype {got.dtype}, expected numbers",
        )
    gs = tuple(got.shape)
    if gs != es:
        return Comparison(name, "shape", gs, es, n_total=expected.size, hint=_shape_hint(got, expected))

    n = expected.size
    if expected.dtype == bool:
        bad = got.astype(np.float64) != expected.astype(np.float64)
        absdiff = bad.astype(np.float64)
        rel = absdiff
    else:
        g = got.astype(np.float64)
        e = expected.astype(np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            absdiff = np.abs(g - e)
            absdiff = np.where(np.isnan(absdiff), np.inf, absdiff)
            scale = float(np.max(np.abs(e))) if n else 0.0
            scale = scale if scale > 0 else 1.0
            bad = absdiff > atol_scale * scale + rtol * np.abs(e)
            rel = absdiff / np.maximum(np.abs(e), atol_scale * scale)
    k = int(np.count_nonzero(bad))
    if k == 0:
        return Comparison(
            name, "ok", gs, es, 0, n,
            max_abs=float(absdiff.max()) if n else 0.0,
            max_rel=float(rel.max()) if n else 0.0,
        )
    order = np.argsort(-np.where(bad, absdiff, -1.0), axis=None, kind="stable")[: min(MAX_WORST, k)]
    worst = tuple(
        Mismatch(
            tuple(int(i) for i in np.unravel_index(int(j), gs)),
            float(np.asarray(got).ravel()[j]),
            float(expected.ravel()[j]),
        )
        for j in order
    )
    hint = None
    if expected.dtype != bool:
        if not np.all(np.isfinite(got)):
            hint = "it contains NaN or infinite values"
        else:
            hint = _factor_hint(got, expected)
    return Comparison(
        name, "values", gs, es, k, n,
        max_abs=float(absdiff.max()), max_rel=float(rel.max()),
        worst=worst, hint=hint, mismatch_mask=bad,
    )


MAX_GRID = 48


def _block_mean(a: np.ndarray, size: int) -> np.ndarray:
    """Shrink a 2-D array to at most ``size`` x ``size`` by averaging blocks."""
    for axis in (0, 1):
        n = a.shape[axis]
        if n > size:
            k = -(-n // size)
            pad = [(0, 0), (0, 0)]
            pad[axis] = (0, (-n) % k)
            counts = np.pad(np.ones_like(a), pad).reshape(
                (-1, k, a.shape[1] + pad[1][1]) if axis == 0 else (a.shape[0], -1, k)).sum(axis=axis + 1)
            a = np.pad(a, pad).reshape(
                (-1, k, a.shape[1] + pad[1][1]) if axis == 0 else (a.shape[0], -1, k)).sum(axis=axis + 1) / counts
    return a


def where_grid(mask: np.ndarray | None, axes: tuple[str, ...] = ()) -> dict | None:
    """Where the wrong elements of an array are, as a small 2-D grid for a heatmap.

    Each cell is the share (0..1) of wrong elements there: a 2-D array is shown as it
    is; a 4-D one ``(m, n_H, n_W, n_C)`` or ``(f, f, n_C_prev, n_C)`` as its two middle
    axes or its first two, averaged over the others; a 1-D one as a row; a 3-D one
    averaged over its first axis. Larger than :data:`MAX_GRID` per side: block averages.
    No element values: safe for hidden cases.

    Args:
        mask: the comparison's boolean mismatch mask.
        axes: names of the array's axes (for the labels), e.g. ``("m", "n_H", "n_W", "n_C")``.
    """
    if mask is None or mask.ndim == 0 or not mask.any():
        return None
    names = list(axes) if len(axes) == mask.ndim else [f"axis {i}" for i in range(mask.ndim)]
    keep_axes = [i for i, n in enumerate(mask.shape) if n != 1] or [mask.ndim - 1]
    m = mask.astype(np.float64).reshape([mask.shape[i] for i in keep_axes])
    names = [names[i] for i in keep_axes]
    if m.ndim == 1:
        rows, cols, over, grid = "", names[0], [], m[None, :]
    elif m.ndim == 2:
        rows, cols, over, grid = names[0], names[1], [], m
    elif m.ndim == 3:
        rows, cols, over, grid = names[1], names[2], [names[0]], m.mean(axis=0)
    else:
        kernel = m.ndim == 4 and names[0] == names[1]  # (f, f, n_C_prev, n_C): the kernel's rows and columns
        keep = (0, 1) if kernel else (1, 2)
        other = tuple(i for i in range(m.ndim) if i not in keep)
        rows, cols, over, grid = names[keep[0]], names[keep[1]], [names[i] for i in other], m.mean(axis=other)
    grid = _block_mean(grid, MAX_GRID)
    return {"grid": np.round(grid, 3).tolist(), "rows": rows, "cols": cols, "over": over,
            "shape": list(mask.shape)}


def _fmt_index(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]"


def render_text(c: Comparison, reveal: bool = True) -> str:
    """One or a few lines a student can act on. ``reveal=False`` hides element values."""
    if c.status == "ok":
        return f"{c.name}: ok"
    if c.status in ("missing", "type"):
        return f"{c.name} {c.detail}"
    if c.status == "shape":
        line = f"{c.name} has shape {_fmt_shape(c.got_shape)}, expected {_fmt_shape(c.expected_shape)}"
        return line + (f": {c.hint}" if c.hint else "")
    lines = [
        f"{c.name}: {c.n_mismatched} of {c.n_total} elements differ"
        + (f"; {c.hint}" if c.hint else "")
    ]
    if reveal:
        for w in c.worst:
            lines.append(
                f"  at {_fmt_index(w.index)}: got {w.got:.8g}, expected {w.expected:.8g}"
            )
    else:
        where = ", ".join(_fmt_index(w.index) for w in c.worst)
        lines.append(f"  largest relative difference {c.max_rel:.2g}, at {where}")
    return "\n".join(lines)
