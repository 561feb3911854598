"""Blame where it belongs: is a wrong result the caller's fault or its helper's?

While a graded function runs, the harness records its calls to the student's own
helpers (grader/harness.py: arguments, what came back, arguments changed in place).
Here, in the grader's process:

1. every recorded helper call is checked against the reference helper on the same
   arguments: a helper that returned wrong values, or wrote into its inputs, while the
   caller ran is named;
2. the caller is *replayed*: the reference's orchestration (L_model_backward's loop
   over the layers, linear_activation_backward's activation-then-linear) runs with each
   helper replaced by a lookup of what the student's helper returned for those
   arguments (and the same in-place changes). If that reproduces the student's output,
   the caller itself is right and only its helpers are wrong: "L_model_backward is
   consistent with your linear_activation_backward; fix that first".

The student's code never runs here, and the reference never runs in the student's kernel.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

import numpy as np

import solutions as ref
from grader.cases import Case
from grader.exercises import HELPERS
from grader.mistakes.conv import pool_loops
from grader.mistakes.dense import layer_backward, model_backward
from grader.mistakes.diagnose import _strict, format_outputs, outputs_of
from grader.results import Finding

__all__ = ["blame_helpers", "wrong_outputs", "ORCHESTRATED"]

#: The callers of :data:`grader.exercises.HELPERS` whose orchestration :func:`_orchestrate`
#: knows: a new caller with helpers needs its composition written there too.
ORCHESTRATED = ("linear_activation_backward", "L_model_backward", "pool_backward")

_LEAVES = ("relu_backward", "sigmoid_backward", "linear_backward")


class _NoMatch(Exception):
    """The replay asked for a helper call the student's function never made."""


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        try:
            a_, b_ = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        except (TypeError, ValueError):
            return False
        return a_.shape == b_.shape and bool(np.allclose(a_, b_, rtol=1e-9, atol=1e-12))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001
        return False


def _same_result(name: str, got: Any, want: Any) -> bool:
    G, W = outputs_of(name, got), outputs_of(name, want)
    if G is None or W is None:
        return False
    return G.keys() == W.keys() and all(_strict(G[k], W[k]) for k in W)


def wrong_outputs(name: str, got: Any, expected: Any) -> list[str]:
    """The outputs of ``got`` that differ from ``expected`` (all of them if the structure is wrong)."""
    G, E = outputs_of(name, got), outputs_of(name, expected)
    if E is None:
        return []
    if G is None:
        return list(E)
    return [k for k in E if k not in G or not _strict(G[k], E[k])]


class _Replay:
    """Stands in for one helper: returns what the student's helper returned for the same
    arguments, in call order, and repeats its in-place changes."""

    def __init__(self, fn: str, calls: list[dict]) -> None:
        self.fn = fn
        self.calls = [c for c in calls if c["fn"] == fn and "output" in c]
        self.used: set[int] = set()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        for j, c in enumerate(self.calls):
            if j in self.used or len(c["args"]) != len(args) or not _close(list(args), c["args"]):
                continue
            self.used.add(j)
            for pos, value in c["after"].items():
                target = args[int(pos)] if int(pos) < len(args) else None
                if isinstance(target, np.ndarray) and isinstance(value, np.ndarray) and target.shape == value.shape:
                    np.copyto(target, value, casting="unsafe")
            return copy.deepcopy(c["output"])
        raise _NoMatch(self.fn)


def _reference_helpers() -> dict[str, Callable]:
    return {n: getattr(ref, n) for n in ("relu_backward", "sigmoid_backward", "linear_backward",
                                          "linear_activation_backward", "create_mask_from_window",
                                          "distribute_value")}


def _orchestrate(name: str, case: Case, h: dict[str, Callable]) -> Any:
    """The reference's way of composing ``name`` from the helpers in ``h``."""
    args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
    if name == "linear_activation_backward":
        return layer_backward(*args, h)
    if name == "L_model_backward":
        return model_backward(*args, layer=h["linear_activation_backward"])
    if name != "pool_backward":
        raise KeyError(f"no orchestration of {name} to replay its helpers with (grader/mistakes/blame.py)")
    return pool_loops(*args, **kwargs, mask=h["create_mask_from_window"], spread=h["distribute_value"])


def _reproduces(fn: str, form: Callable, calls: list[dict]) -> bool:
    """Whether a catalogued form of helper ``fn`` returns what every recorded call returned."""
    mine = [c for c in calls if c["fn"] == fn and "output" in c]
    try:
        return bool(mine) and all(
            _same_result(fn, c["output"], form(*copy.deepcopy(c["args"]), **copy.deepcopy(c["kwargs"]))) for c in mine)
    except Exception:  # noqa: BLE001 - a form may raise on the student's arguments
        return False


def _substitutions(name: str, calls: list[dict], bad: set[str]) -> list[Callable[[Case], Any]]:
    """Replays where each wrong helper is modelled by a catalogued mistake that reproduces
    all its recorded calls: for a caller that calls its helpers more often than recorded
    (pool_backward calls them once per window)."""
    from itertools import islice, product

    from grader.mistakes import mistakes_for

    options = []
    for fn in sorted(bad):
        forms = [f for m in mistakes_for(fn) for f in m.forms if _reproduces(fn, f, calls)]
        if not forms:
            return []
        options.append((fn, forms[:4]))
    replays = []
    for combo in islice(product(*[forms for _, forms in options]), 16):
        h = _reference_helpers()
        h.update({fn: form for (fn, _), form in zip(options, combo)})
        if name == "L_model_backward" and "linear_activation_backward" not in bad:
            h["linear_activation_backward"] = lambda dA, cache, act, h=h: layer_backward(dA, cache, act, h)
        replays.append(lambda case, h=h: _orchestrate(name, case, h))
    return replays


def _replays(name: str, calls: list[dict]) -> list[tuple[str, Callable[[Case], Any]]]:
    """The ways to replay ``name`` from recorded calls: (the helpers it trusts, replay)."""
    def leaves() -> dict[str, Callable]:
        h = _reference_helpers()
        h.update({n: _Replay(n, calls) for n in _LEAVES})
        return h

    if name == "linear_activation_backward":
        return [("leaves", lambda case: layer_backward(*copy.deepcopy(case.args), leaves()))]
    if name == "L_model_backward":
        def via_layers(case: Case) -> Any:
            h = _reference_helpers()
            h["linear_activation_backward"] = _Replay("linear_activation_backward", calls)
            return model_backward(*copy.deepcopy(case.args), layer=h["linear_activation_backward"])

        def via_leaves(case: Case) -> Any:
            h = leaves()
            h["linear_activation_backward"] = lambda dA, cache, act: layer_backward(dA, cache, act, h)
            return model_backward(*copy.deepcopy(case.args), layer=h["linear_activation_backward"])

        return [("layers", via_layers), ("leaves", via_leaves)]
    return []


def _largest(value: Any, depth: int = 0) -> int:
    """The largest dimension or integer anywhere in a value (arrays, tuples, dicts)."""
    if depth > 8:
        return 10**9
    if isinstance(value, np.ndarray):
        return max(value.shape, default=1) if value.ndim <= 4 else 10**9
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return abs(value)
    if isinstance(value, (tuple, list)):
        return max((_largest(v, depth + 1) for v in value), default=0)
    if isinstance(value, dict):
        return max((_largest(v, depth + 1) for v in value.values()), default=0)
    return 0


def _plausible(call: dict, helpers: tuple[str, ...], bound: int) -> bool:
    """Whether a recorded call may be run through the reference here: a known helper of
    this exercise, with no dimension or integer larger than the case's own. The records
    come from the student's kernel: a forged one must not make the grader allocate."""
    return call["fn"] in helpers and _largest([call["args"], call["kwargs"]]) <= bound


def _check_calls(calls: list[dict]) -> tuple[dict[str, int], dict[str, set[str]]]:
    """Per helper: how many recorded calls returned wrong values; which arguments it changed."""
    wrong: dict[str, int] = {}
    changed: dict[str, set[str]] = {}
    for c in calls:
        fn = c["fn"]
        if c["changed"]:
            changed.setdefault(fn, set()).update(c["changed"])
        if "output" not in c or not hasattr(ref, fn):
            continue
        try:
            want = getattr(ref, fn)(*copy.deepcopy(c["args"]), **copy.deepcopy(c["kwargs"]))
        except Exception:  # noqa: BLE001 - the caller passed arguments the helper cannot take
            continue
        if not _same_result(fn, c["output"], want):
            wrong[fn] = wrong.get(fn, 0) + 1
    return wrong, changed


def blame_helpers(name: str, cases: list[Case], expected: list[Any], entries: list[dict | None]) -> list[Finding]:
    """Findings of kind ``blame`` for one exercise (empty when its outputs are right or
    it has no helpers)."""
    return blame_report(name, cases, expected, entries)[0]


def blame_report(name: str, cases: list[Case], expected: list[Any],
                 entries: list[dict | None]) -> tuple[list[Finding], bool]:
    """``(findings, consistent)``: the blame findings, and whether the caller itself was
    found right (its wrong results reproduced from its helpers' alone)."""
    if name not in HELPERS:
        return [], False
    wrong: dict[str, set[int]] = {}
    changed: dict[str, set[str]] = {}
    depth0: set[str] = set()
    failing: list[int] = []
    consistent = True
    for i, (case, exp, entry) in enumerate(zip(cases, expected, entries), start=1):
        if not isinstance(entry, dict) or "output" not in entry:
            consistent = False
            continue
        got = entry["output"]
        bound = max(_largest([case.args, case.kwargs]), 16)
        calls = [c for c in entry.get("calls") or [] if _plausible(c, HELPERS[name], bound)]
        if not wrong_outputs(name, got, exp):
            continue
        failing.append(i)
        bad, mutated = _check_calls(calls)
        for fn in bad:
            wrong.setdefault(fn, set()).add(i)
        for fn, args in mutated.items():
            changed.setdefault(fn, set()).update(args)
        depth0 |= {c["fn"] for c in calls if c["depth"] == 0 and (c["fn"] in bad or c["fn"] in mutated)}
        replayed = False
        for replay in [r for _, r in _replays(name, calls)] + _substitutions(name, calls, set(bad)):
            try:
                if _same_result(name, got, replay(case)):
                    replayed = True
                    break
            except (_NoMatch, Exception):  # noqa: BLE001 - the student's records may not fit
                continue
        consistent = consistent and replayed
    if not failing or not (wrong or changed):
        return [], False
    findings = []
    culprits = sorted(depth0) or sorted(set(wrong) | set(changed))
    roots = sorted(fn for fn in set(wrong) | set(changed) if fn in _LEAVES)
    root_note = f" (it goes wrong in your {format_outputs(roots)})" if roots and set(roots) != set(culprits) else ""
    leaves_changed = [fn for fn in changed if fn in _LEAVES]
    for fn in sorted(leaves_changed or changed):  # a leaf's change shows in its callers too
        args = sorted(changed[fn])
        findings.append(Finding(
            "blame", f"blame/{fn}/changes_input",
            f"is broken by your {fn}, which changes its input{'s' if len(args) > 1 else ''} "
            f"{format_outputs(args)} in place",
            f"{name} keeps the arrays it passes to {fn} (in grads, for the next layer), so {fn} must not "
            f"write into them: start {fn} with a copy, e.g. dZ = np.array(dA, copy=True).",
            cases=tuple(failing)))
    if wrong:
        if consistent:
            title = f"is consistent with your {format_outputs(culprits)}{root_note}; fix that first"
            hint = (f"Replaying {name} with what your {format_outputs(culprits)} returned reproduces your result "
                    f"exactly: {name} itself is right. See the feedback of {format_outputs(sorted(wrong))}.")
        else:
            title = f"calls your {format_outputs(culprits)}, which returned wrong values here{root_note}"
            hint = (f"Fix {format_outputs(sorted(wrong))} first (see {'their' if len(wrong) > 1 else 'its'} "
                    f"feedback), then check {name} again: "
                    f"its own result may be right once its helpers are.")
        findings.append(Finding("blame", f"blame/{'+'.join(culprits)}", title, hint,
                                cases=tuple(sorted(set().union(*wrong.values())))))
    return findings, bool(wrong) and consistent
