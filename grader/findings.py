"""Findings that need no reference code: error patterns and contract flags.

* **Patterns** decompose a wrong output's error into a simple shape, when that shape
  holds on every case where the output is wrong: a named scalar factor (m, 1/m, f², N,
  1/p...), a flipped sign, a transpose (or axes in another order), the right values in
  the wrong shape (a lost keepdims), errors only on the border (a padding bug).
* **Contract flags**: the function changes its inputs in place (no points off: the
  result is right; a caller that keeps those inputs is blamed separately), draws random
  numbers or returns a different result when called twice (a dropout backward drawing
  a new mask), or is only close to the expected values (eps left out: a looser grader
  would accept it).

Pure: these work on the expected outputs and the student's decoded outputs, so they run
for ``grader check`` on public cases as well as for hidden cases.
"""

from __future__ import annotations

from itertools import permutations
from typing import Any

import numpy as np

from grader.case import Case
from grader.compare import compare_arrays, scale_factor
from grader.exercises import exercise
from grader.results import Finding

__all__ = ["named_scalars", "factor_label", "border_reach", "pattern_findings", "contract_findings", "CLOSE_RTOL"]

#: A wrong output within this relative error of the expected one everywhere is "close".
CLOSE_RTOL = 1e-3


def named_scalars(case: Case) -> dict[str, float]:
    """The scalars of a case a wrong answer is typically off by, with their names."""
    name, args = case.exercise, case.args
    try:
        if name in ("linear_backward", "linear_activation_backward"):
            return {"m": args[1][0].shape[1] if name == "linear_backward" else args[1][0][0].shape[1]}
        if name == "L_model_backward":
            return {"m": args[0].shape[1]}
        if name == "conv_backward":
            dZ = args[0]
            return {"m": dZ.shape[0], "m·n_H·n_W": dZ.shape[0] * dZ.shape[1] * dZ.shape[2]}
        if name == "pool_backward":
            f = args[1][1]["f"]
            return {"f²": f * f, "f": f}
        if name == "distribute_value":
            n_H, n_W = args[1]
            return {"n_H·n_W": n_H * n_W, "n_H": n_H, "n_W": n_W}
        if name in ("batchnorm_backward", "batchnorm_backward_alt"):
            return {"N": args[0].shape[0]}
        if name == "dropout_backward":
            return {"1/p": 1 / args[1][0]["p"]}
    except (AttributeError, IndexError, KeyError, TypeError):
        pass
    return {}


def factor_label(k: float | None, scalars: dict[str, float]) -> str | None:
    """``"m = 11"`` or ``"1/m = 1/11"`` when ``k`` is a named scalar or its inverse."""
    if k is None:
        return None
    for label, s in scalars.items():
        if s in (0, 1):
            continue
        if abs(k - s) <= 1e-6 * abs(s):
            return f"{label} = {s:g}"
        if abs(k - 1 / s) <= 1e-6 / abs(s):
            inv = label[2:] if label.startswith("1/") else f"1/{label}"
            return f"{inv} = {1 / s:g}" if label.startswith("1/") else f"{inv} = 1/{s:g}"
    return None


def border_reach(mask: np.ndarray | None, case: Case) -> int | None:
    """For a 4-D image gradient whose wrong elements (``mask``) all lie near the border,
    how near: the conv's pad (at least 1), else 1. None when some are inside, or all
    or none are wrong."""
    if mask is None or mask.ndim != 4 or not mask.any() or mask.all():
        return None
    H, W = mask.shape[1:3]
    pad = max(1, int(case.args[1][3].get("pad", 1))) if case.exercise == "conv_backward" else 1
    inner = mask[:, pad:H - pad, pad:W - pad, :]
    return pad if inner.size and not inner.any() else None


def _floats(a: Any) -> np.ndarray | None:
    if not isinstance(a, np.ndarray) or a.dtype.kind not in "biuf":
        return None
    return a.astype(np.float64)


def _close(a: np.ndarray, b: np.ndarray, rtol: float = 1e-6) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=1e-9 * max(1.0, float(np.abs(b).max(initial=0)))))


def _patterns_of(g: np.ndarray, e: np.ndarray, bad: np.ndarray | None, case: Case,
                 out: str) -> dict[str, tuple[str, str]]:
    """Every pattern this (wrong) output shows on one case: id → (title, hint); ``bad``
    is its mismatch mask (same shape only)."""
    found: dict[str, tuple[str, str]] = {}
    if g.shape == e.shape:
        k = scale_factor(g, e) if g.size >= 2 else None
        if k is not None and abs(k + 1) < 1e-6:
            found["pattern/sign"] = (f"returned {out} with the wrong sign",
                                     "Every element has the right size and the wrong sign: look for a minus sign "
                                     "in the derivative.")
        elif k is not None and abs(k) > 1e-12 and abs(k - 1) > 1e-3:
            label = factor_label(k, named_scalars(case))
            if label:
                found[f"pattern/factor/{label.split(' = ')[0]}"] = (
                    f"returned {out} off by a factor of {label.split(' = ')[0]}",
                    f"{out} is exactly {label} times the expected array: look for a missing or extra "
                    "division (or multiplication) by that number.")
            else:
                found["pattern/factor"] = (f"returned {out} scaled by a constant",
                                           f"{out} is a constant multiple of the expected array "
                                           f"({k:.4g} on one case): look for a wrong constant factor.")
        if border_reach(bad, case) is not None:
            found["pattern/border"] = (
                f"got {out} wrong only near the border",
                "Every wrong element is within the padding's reach of the border: check how the padding "
                "is added and cropped (and the windows that touch the edge).")
        rel = np.abs(g - e) / np.maximum(np.abs(e), 1e-12 * (float(np.abs(e).max(initial=0)) or 1.0))
        if np.all(np.isfinite(g)) and float(rel.max(initial=0)) <= CLOSE_RTOL:
            found["contract/close"] = (
                f"returned {out} only close to the expected values (within {CLOSE_RTOL:g} relative)",
                "A looser grader (np.allclose's defaults) would accept this, but the difference is "
                "systematic, not rounding: look for a constant left out (eps), float32, or an approximation.")
    elif g.ndim >= 2 and g.ndim == e.ndim and sorted(g.shape) == sorted(e.shape) and g.ndim <= 4:
        for perm in permutations(range(g.ndim)):
            if perm != tuple(range(g.ndim)) and tuple(g.shape[p] for p in perm) == e.shape:
                if _close(np.transpose(g, perm), e):
                    found["pattern/transpose"] = (
                        f"returned {out} transposed" if g.ndim == 2 else f"returned {out} with its axes in the wrong order",
                        "The values are right, the layout is not: a gradient has the shape of what it is the "
                        "gradient of (dW the shape of W), so swap the factors of the product, or the axes.")
                    break
    elif g.size == e.size and g.size >= 1 and _close(g.reshape(e.shape), e):
        found["pattern/shape"] = (
            f"returned {out} with the right values in the wrong shape",
            f"{out} must have the shape of what it is the gradient of (here {e.shape}, not {g.shape}): keep the "
            "summed axis (keepdims=True) or reshape.")
    return found


def pattern_findings(name: str, cases: list[Case], expected: list[Any], entries: list[dict | None],
                     skip: set[str] = frozenset()) -> list[Finding]:
    """Patterns that hold on every case where an output is wrong (outputs in ``skip``
    are already explained by a named mistake)."""
    per_output: dict[str, list[tuple[int, dict]]] = {}
    for i, (case, exp, entry) in enumerate(zip(cases, expected, entries), start=1):
        if not isinstance(entry, dict) or "output" not in entry:
            continue
        G, E = exercise(name).split(entry["output"]), exercise(name).split(exp)
        if G is None or E is None:
            continue
        for k, e in E.items():
            g = _floats(G.get(k))
            e = _floats(e)
            if k in skip or g is None or e is None:
                continue
            c = compare_arrays(k, g, e)
            if c.passed:
                continue
            per_output.setdefault(k, []).append((i, _patterns_of(g, e, c.mismatch_mask, case, exercise(name).label(k))))
    findings = []
    for k, seen in per_output.items():
        common = set(seen[0][1])
        for _, found in seen[1:]:
            common &= set(found)
        factors = [next((f for f in found if f.startswith("pattern/factor")), None) for _, found in seen]
        generic = None
        if all(factors) and not any(f.startswith("pattern/factor") for f in common):
            generic = (f"returned {exercise(name).label(k)} scaled by a constant",
                       "On every wrong case it is a constant multiple of the expected array (not always the same "
                       "constant): look for a wrong factor that depends on the shapes.")
            common.add("pattern/factor")
        for pid in sorted(common):
            title, hint = generic if pid == "pattern/factor" and generic else seen[0][1][pid]
            kind = "contract" if pid.startswith("contract/") else "pattern"
            findings.append(Finding(kind, pid, title, hint, (k,), tuple(i for i, _ in seen)))
    return findings


def contract_findings(name: str, entries: list[dict | None], passed: bool) -> list[Finding]:
    """Flags from the harness's records: inputs changed in place, random numbers drawn,
    a second call returning something else."""
    findings = []
    changed: dict[str, list[int]] = {}
    rng, unrepeatable = [], []
    for i, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            continue
        for arg in entry.get("changed", []):
            changed.setdefault(arg, []).append(i)
        if entry.get("rng"):
            rng.append(i)
        if entry.get("repeatable") is False:
            unrepeatable.append(i)
    if changed:
        args = list(changed)
        shown = ", ".join(args[:-1]) + " and " + args[-1] if len(args) > 1 else args[0]
        findings.append(Finding(
            "contract", "contract/changes_input",
            f"changes its input{'s' if len(args) > 1 else ''} {shown} in place",
            "A backward pass should leave its inputs as it found them: a caller may keep them (L_model_backward "
            "stores every dA in grads). Work on a copy, e.g. np.array(dA, copy=True). This costs no points.",
            cases=tuple(sorted({i for v in changed.values() for i in v})), costs_points=False))
    if unrepeatable or rng:
        what = "a new random mask instead of using the cache's" if name == "dropout_backward" else "random numbers"
        findings.append(Finding(
            "contract", "contract/random",
            f"draws {what}" + ("" if unrepeatable else " (np.random)"),
            "A backward pass is deterministic: it must use the mask the forward pass stored in the cache, "
            "so that the gradient matches the forward pass that was run."
            if name == "dropout_backward" else
            "A backward pass is deterministic: it should not draw random numbers.",
            cases=tuple(sorted(set(rng) | set(unrepeatable))), costs_points=not passed))
    return findings
