"""Naming a student's mistake: which catalogued variant reproduces their outputs.

For every mistake of the exercise, the variant runs on the same cases as the student's
function (in the grader's process, on copies). A mistake *explains* an output when, on
every case, the student's output equals the variant's, and on at least one case the
variant's differs from the reference's: so a correct output is never explained, and a
correct implementation is never charged with a mistake. A variant that raises on a case
(dropout's mask applied in test mode) explains that case when the student's function
raised the same exception there.

Pure apart from running the variants; returns :class:`grader.results.Finding` values.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from grader.cases import Case
from grader.compare import compare_arrays
from grader.exercises import exercise
from grader.mistakes import Mistake, mistakes_for
from grader.results import Finding

__all__ = ["Diagnoser", "outputs_of", "same_output", "explained_outputs", "diagnose_mistakes", "format_outputs",
           "run_variant", "MATCH_RTOL"]

#: Tolerance of "the student's output equals the variant's": a little looser than the
#: grading tolerance, since the student computed it in another order.
MATCH_RTOL = 1e-6


def outputs_of(name: str, value: Any) -> dict[str, Any] | None:
    """A function's return value as ``{output name: value}`` (:meth:`Exercise.split`)."""
    return exercise(name).split(value)


def _strict(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if not isinstance(b, np.ndarray):
        try:
            b = np.asarray(b, dtype=np.float64)
        except (TypeError, ValueError):
            return False
    return compare_arrays("", a, b, rtol=MATCH_RTOL, atol_scale=1e-8).passed


def _squeezed(a: Any) -> np.ndarray | None:
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return np.squeeze(arr)


def same_output(got: Any, variant: Any, expected: Any) -> bool:
    """Whether a student's output is the variant's: equal (shape and values), or equal
    once singleton axes are dropped but then not also equal to the expected output
    (a sum over the wrong axis with or without keepdims is the same mistake)."""
    if _strict(got, variant):
        return True
    g, v, e = _squeezed(got), _squeezed(variant), _squeezed(expected)
    if g is None or v is None or g.shape != v.shape or g.ndim == 0 and v.ndim == 0:
        return False
    if not _strict(g, v):
        return False
    return e is None or e.shape != g.shape or not _strict(g, e)


def run_variant(m: Mistake, case: Case, form: int = 0) -> tuple[Any, str | None]:
    """``(output, None)`` or ``(None, exception type name)`` of one form of a mistake."""
    try:
        return m.forms[form](*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs)), None
    except Exception as exc:  # noqa: BLE001 - a variant may raise on purpose
        return None, type(exc).__name__


@dataclass(frozen=True)
class Explanation:
    """What one mistake explains: outputs, cases, and whether it raised like the student."""

    mistake: Mistake
    outputs: tuple[str, ...]
    cases: tuple[int, ...]
    raised: bool


Runner = Callable[[Mistake, Case, int], tuple[Any, "str | None"]]


def explained_outputs(m: Mistake, cases: list[Case], expected: list[Any],
                      entries: list[dict | None], run: Runner = run_variant) -> Explanation | None:
    """What mistake ``m`` explains of a student's results (its best form), or None.

    Args:
        entries: per case, the student's record: ``{"output": ...}`` or ``{"error": {"type": ...}}``
            (None when the case did not run).
    """
    best = None
    for form in range(len(m.forms)):
        e = _explained_by_form(m, form, cases, expected, entries, run)
        if e is not None and (best is None or (len(e.outputs), e.raised) > (len(best.outputs), best.raised)):
            best = e
    return best


def _explained_by_form(m: Mistake, form: int, cases: list[Case], expected: list[Any],
                       entries: list[dict | None], run: Runner) -> Explanation | None:
    name = m.exercise
    deviates: dict[str, set[int]] = {}
    matches: dict[str, bool] = {}
    raised_cases: list[int] = []
    for i, (case, exp, entry) in enumerate(zip(cases, expected, entries), start=1):
        if not isinstance(entry, dict) or entry.get("timeout"):
            return None
        v, verr = run(m, case, form)
        serr = (entry.get("error") or {}).get("type") if entry.get("error") else None
        if verr is not None or serr is not None:
            if verr != serr:
                return None
            raised_cases.append(i)
            continue
        V, S, E = outputs_of(name, v), outputs_of(name, entry.get("output")), outputs_of(name, exp)
        if V is None or E is None:
            return None
        S = S or {}
        for k in dict.fromkeys([*E, *V]):
            if k not in V or k not in E or not _strict(V[k], E[k]):
                deviates.setdefault(k, set()).add(i)
            if k in V:
                ok = k in S and same_output(S[k], V[k], E.get(k))
            else:
                ok = k not in S
            matches[k] = matches.get(k, True) and ok
    outputs = tuple(k for k in deviates if matches.get(k, False))
    if not outputs and not raised_cases:
        return None
    seen = sorted(set(raised_cases) | {i for k in outputs for i in deviates[k]})
    return Explanation(m, outputs, tuple(seen), bool(raised_cases))


def format_outputs(outputs: tuple[str, ...] | list[str]) -> str:
    """``"dW and db"``, ``"dx, dgamma and dbeta"``."""
    outputs = list(outputs)
    if len(outputs) <= 1:
        return "".join(outputs)
    return ", ".join(outputs[:-1]) + " and " + outputs[-1]


def _finding(e: Explanation) -> Finding:
    m = e.mistake
    names = [exercise(m.exercise).label(k) for k in e.outputs]
    title = m.title.replace("{outputs}", format_outputs(names) or "its output")
    return Finding("mistake", m.key, title, m.hint, tuple(e.outputs), e.cases)


def diagnose_mistakes(name: str, cases: list[Case], expected: list[Any], entries: list[dict | None],
                      run: Runner = run_variant) -> list[Finding]:
    """The catalogued mistakes that reproduce the student's wrong outputs, best first.

    A mistake whose explained outputs are a strict subset of another's is dropped (the
    larger explanation is the better one); equal explanations are all kept.
    """
    found = [e for m in mistakes_for(name) if (e := explained_outputs(m, cases, expected, entries, run))]
    keep = [e for e in found
            if not any(set(e.outputs) < set(o.outputs) and e.raised <= o.raised for o in found if o is not e)]
    keep.sort(key=lambda e: (-len(e.outputs), -e.raised))
    return [_finding(e) for e in keep]


class Diagnoser:
    """The diagnoser ``judge_exercise`` takes: catalogued mistakes, then blame on helpers;
    blame alone when the function was found consistent with its (wrong) helpers.

    The variants' outputs depend on the cases only, so one diagnoser (one per case set,
    shared by the whole class) computes each once."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int, int], tuple[Case, Any, str | None]] = {}

    def _run(self, m: Mistake, case: Case, form: int) -> tuple[Any, str | None]:
        key = (m.key, form, id(case))
        hit = self._cache.get(key)
        if hit is None or hit[0] is not case:
            out, err = run_variant(m, case, form)
            hit = self._cache[key] = (case, out, err)
        return copy.deepcopy(hit[1]), hit[2]

    def __call__(self, name: str, cases: list[Case], expected: list[Any], entries: list[dict | None]) -> list[Finding]:
        from grader.mistakes.blame import blame_report

        blame, consistent = blame_report(name, cases, expected, entries)
        if consistent:  # the function itself is right: its helpers' mistakes are not its own
            return blame
        return diagnose_mistakes(name, cases, expected, entries, self._run) + blame
