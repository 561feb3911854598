"""Judging one exercise: a student's outputs, read back from the kernel, against the
expected ones; a numerical gradient check; partial credit per check; feedback.

Pure: it takes decoded data and returns an :class:`ExerciseResult`. Checks:

* one **value** check per output and case: the output against the expected array
  (shape first, then values within the tolerance of grader/compare.py);
* one **gradient** check per gradient output and case (hidden cases only): a
  directional check against a numerical gradient of the provided forward pass.

Every check weighs the same; the score is ``points * passed / total``.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import numpy as np

from grader.case import Case
from grader.checking import ErrorInfo, compare_outputs
from grader.compare import ATOL_SCALE, RTOL, Comparison, render_text, scale_factor, where_grid
from grader.exercises import exercise, output_axes
from grader.findings import border_reach, contract_findings, factor_label, named_scalars, pattern_findings
from grader.results import Check, ExerciseResult, Finding

__all__ = ["judge_exercise", "named_scalars", "missing_reason", "Diagnoser", "findings_text"]



class Diagnoser(Protocol):
    """Names a wrong exercise's mistakes with reference code (grader/mistakes/): catalogued
    variants and blame on helpers. Only where the reference is available."""

    def __call__(self, name: str, cases: list[Case], expected: list[Any], entries: list[dict | None]) -> list[Finding]: ...


class GradientChecker(Protocol):
    """Checks a student's outputs against numerical gradients (see grader/reference.py)."""

    def names(self, case: Case) -> list[str]: ...

    def __call__(self, case: Case, got: Any) -> list: ...


def _factor_name(c: Comparison, got: Any, expected: np.ndarray, scalars: dict[str, float]) -> str | None:
    """"off by a factor of m = 11" when the output is the expected one times a named scalar."""
    label = factor_label(scale_factor(got, expected), scalars) if c.status == "values" and scalars else None
    return f"off by a factor of {label}" if label else None


def _border_hint(c: Comparison, case: Case) -> str | None:
    """For a 4-D image gradient: are all the wrong elements on the border?"""
    pad = border_reach(c.mismatch_mask, case)
    if pad is None:
        return None
    return f"every wrong element is within {pad} pixel{'s' if pad > 1 else ''} of the border"


def _case_prefix(i: int, case: Case) -> str:
    return f"case {i} ({case.label})"


def _value_checks(i: int, case: Case, got: Any, expected: Any, reveal: bool,
                  tolerance: tuple[float, float] = (RTOL, ATOL_SCALE)) -> list[Check]:
    ex = exercise(case.exercise)
    comps, problem = compare_outputs(ex, got, expected, *tolerance)
    prefix = _case_prefix(i, case)
    names = list(expected) if ex.returns_dict else list(ex.outputs)
    if problem is not None and not comps:
        return [Check(f"case{i}:{n}", "value", i, False, f"{prefix}: {problem}") for n in names]
    by_name = {c.name: c for c in comps}
    scalars = named_scalars(case)
    checks, absent = [], []  # a missing key explains more than a wrong value: it goes first
    for n in names:
        c = by_name.get(ex.label(n))
        if c is None:
            absent.append(Check(f"case{i}:{n}", "value", i, False, f"{prefix}: {problem or 'missing'}"))
            continue
        if c.passed:
            checks.append(Check(f"case{i}:{n}", "value", i, True, detail=c.to_dict(reveal=False)))
            continue
        text = render_text(c, reveal=reveal)
        exp_n = expected[n] if ex.returns_dict else (expected if len(names) == 1 else expected[names.index(n)])
        got_n = (got.get(n) if isinstance(got, dict) else
                 (got if len(names) == 1 else got[names.index(n)]))
        extra = [h for h in (_factor_name(c, got_n, exp_n, scalars), _border_hint(c, case)) if h]
        if extra:
            first, _, rest = text.partition("\n")
            text = first + "; " + "; ".join(extra) + (("\n" + rest) if rest else "")
        detail = c.to_dict(reveal=reveal)
        where = where_grid(c.mismatch_mask, output_axes(case.exercise, n))
        if where is not None:
            detail["where"] = where
        checks.append(Check(f"case{i}:{n}", "value", i, False, f"{prefix}: {text}", detail=detail))
    return absent + checks


def _gradient_checks(i: int, case: Case, got: Any, checker: GradientChecker) -> list[Check]:
    checks = []
    for target, result in checker(case, got):
        cid = f"case{i}:grad:{target.output}"
        scale = f" (times {target.scale_name}, the course's convention)" if target.scale_name else ""
        if result is None:
            checks.append(Check(cid, "gradient", i, False,
                                f"{_case_prefix(i, case)}: {target.output} could not be checked against a "
                                "numerical gradient: it is not a float array of the right shape"))
        elif result.passed:
            checks.append(Check(cid, "gradient", i, True, detail=result.to_dict()))
        else:
            checks.append(Check(
                cid, "gradient", i, False,
                f"{_case_prefix(i, case)}: {target.output} is not the gradient of the forward pass{scale}: "
                f"a numerical gradient along random directions differs by a relative error of {result.error:.2g}",
                detail=result.to_dict()))
    return checks


def _kind(check_id: str) -> str:
    return "gradient" if ":grad:" in check_id else "value"


def _error_check(i: int, case: Case, error: ErrorInfo, ids: list[str]) -> list[Check]:
    msg = f"{_case_prefix(i, case)}: {error.render()}"
    return [Check(cid, _kind(cid), i, False, msg, detail={"error": error.to_dict()}) for cid in ids]


def missing_reason(name: str, cells: list[dict]) -> str:
    """Why a graded function is not defined, from the notebook's executed cells."""
    header = f"# GRADED FUNCTION: {name}"
    mine = [c for c in cells if c["first_line"].strip() == header]
    if not mine:
        return (f"{name} is not defined after running your notebook, and no cell starts with "
                f"'{header}': was the graded cell deleted or renamed?")
    cell = mine[-1]
    if cell.get("status") in ("error", "timeout") and cell.get("error"):
        err = cell["error"]
        line = re.search(r"line (\d+)", err.get("traceback", "") or "")
        where = f" at line {line.group(1)}" if line else ""
        return f"{name} is not defined: its cell raised {err['ename']}{where}: {err['evalue']}"
    if cell.get("status") == "skipped":
        return f"{name} is not defined: its cell is tagged as a demo, so the grader skipped it"
    return f"{name} is not defined after running your notebook (its cell ran, but defined no {name})"


def findings_text(name: str, findings: list[Finding] | tuple[Finding, ...]) -> list[str]:
    """One line per finding, for the summary: "Likely mistake: you forgot the 1/m in dW and db. ..."."""
    lines = []
    for f in findings:
        if f.kind == "mistake":
            lines.append(f"Likely mistake: you {f.title}. {f.hint}")
        elif f.kind == "blame":
            lines.append(f"{name} {f.title}. {f.hint}")
        elif f.kind == "pattern":
            lines.append(f"Pattern: you {f.title}. {f.hint}")
        else:
            lines.append(f"Note: {name} {f.title}. {f.hint}" if f.id != "contract/close"
                         else f"Note: you {f.title}. {f.hint}")
    return lines


def _summary(name: str, status: str, checks: list[Check], reason: str, findings: list[Finding]) -> str:
    n_pass = sum(c.passed for c in checks)
    notes = findings_text(name, findings)
    if status == "passed":
        return "\n".join([f"All {len(checks)} checks pass."] + notes)
    if reason:
        return "\n".join([reason] + notes)
    seen, lines = set(), []
    for c in checks:
        if c.passed:
            continue
        key = re.sub(r"^case \d+ \([^)]*\)(: )?", "", c.message.splitlines()[0])
        key = re.sub(r"[-\d.e]+", "#", key)
        if key in seen:
            continue
        seen.add(key)
        lines.append(c.message)
    head = f"{n_pass} of {len(checks)} checks pass."
    return "\n".join([head] + notes + lines[:6] + (["..."] if len(lines) > 6 else []))


def judge_exercise(
    name: str,
    cases: list[Case],
    expected: list[Any],
    record: dict | None,
    run_status: str,
    points: float,
    cells: list[dict],
    reveal: bool,
    gradient_checker: GradientChecker | None = None,
    diagnoser: Diagnoser | None = None,
    tolerance: tuple[float, float] = (RTOL, ATOL_SCALE),
) -> ExerciseResult:
    """Judge one exercise of one submission.

    Args:
        name: the exercise.
        cases / expected: the cases and the reference's outputs, in order.
        record: what the kernel's harness wrote (decoded), or None if nothing was read.
        run_status: how the exercise's harness cell ended: ``ok``, ``timeout``,
            ``crashed``, ``not_run``, ``harness_error`` or ``unreadable``.
        points: the exercise's points.
        cells: the notebook's executed cells (worker records), for "missing" reasons.
        reveal: whether element values may appear in feedback (public cases only).
        gradient_checker: a :class:`GradientChecker`, or None for no gradient checks.
        diagnoser: a :class:`Diagnoser` naming catalogued mistakes and blaming helpers,
            or None (then only the reference-free patterns and contract flags).
        tolerance: ``(rtol, atol_scale)`` of the value checks (grader/compare.py;
            ``[tolerance]`` in course.toml).
    """
    ex = exercise(name)
    checks: list[Check] = []
    reason = ""
    status = None
    entries = (record or {}).get("cases", []) if isinstance(record, dict) else []
    defined = bool(record and record.get("defined"))
    duration = sum(float(e.get("time", 0.0)) for e in entries if isinstance(e, dict))

    if record is not None and not defined:
        status, reason = "missing", missing_reason(name, cells)
    elif record is None:
        status = {"timeout": "timeout", "crashed": "error", "not_run": "not_run"}.get(run_status, "error")
        reason = {
            "timeout": f"{name} did not finish: it was interrupted after the time limit",
            "crashed": f"the kernel died while {name} ran (a crash, os._exit or running out of memory)",
            "not_run": f"{name} was not run: the notebook stopped before it (see the notes above)",
        }.get(run_status, f"the grader could not read back the results of {name}")

    errors = not_impl = 0
    timed_out = False
    for i, (case, exp) in enumerate(zip(cases, expected), start=1):
        value_ids = [f"case{i}:{n}" for n in (list(exp) if ex.returns_dict else ex.outputs)]
        grad_ids = [f"case{i}:grad:{g}" for g in gradient_checker.names(case)] if gradient_checker else []
        entry = entries[i - 1] if i - 1 < len(entries) and isinstance(entries[i - 1], dict) else None
        if status is not None or entry is None or entry.get("timeout"):
            timed_out = timed_out or bool(entry and entry.get("timeout")) or run_status == "timeout"
            if reason:
                msg = reason
            elif timed_out:
                msg = f"{_case_prefix(i, case)}: interrupted after the time limit (an infinite loop?)"
            else:
                msg = f"{_case_prefix(i, case)}: no result (the run stopped before this case)"
            checks += [Check(cid, _kind(cid), i, False, msg) for cid in value_ids + grad_ids]
            continue
        if entry.get("error"):
            errors += 1
            err = ErrorInfo(**entry["error"])
            checks += _error_check(i, case, err, value_ids + grad_ids)
            continue
        got = entry.get("output")
        value = _value_checks(i, case, got, exp, reveal, tolerance)
        not_impl += all("not implemented" in c.message for c in value)
        checks += value
        if gradient_checker:
            checks += _gradient_checks(i, case, got, gradient_checker)

    n = len(cases)
    if status is None:
        if all(c.passed for c in checks):
            status = "passed"
        elif not_impl == n:
            status, reason = "not_implemented", f"{name} is not implemented yet (it returns None)"
        elif errors == n:
            status = "error"
            first = next(c for c in checks if not c.passed)
            reason = f"{name} failed on every case: it " + first.message.split(": ", 1)[1]
        elif any(c.passed for c in checks):
            status = "partial"
        elif timed_out:
            status = "timeout"
            reason = f"{name} did not finish: it was interrupted after the time limit (an infinite loop?)"
        else:
            status = "failed"
    total = sum(c.weight for c in checks) or 1.0
    earned = sum(c.weight for c in checks if c.passed)
    score = round(points * earned / total, 4)
    findings = _findings(name, status, cases, expected, entries, diagnoser)
    feedback = _summary(name, status, checks, reason, findings)
    return ExerciseResult(
        exercise=name,
        status=status,
        score=score,
        max_score=float(points),
        feedback=feedback,
        checks=tuple(checks),
        case_labels=tuple(c.label for c in cases),
        duration=duration,
        findings=tuple(findings),
    )


def _findings(name: str, status: str, cases: list[Case], expected: list[Any], entries: list,
              diagnoser: Diagnoser | None) -> list[Finding]:
    """Named mistakes and blame (with a diagnoser), then patterns and contract flags."""
    if status in ("missing", "not_run") or not entries:
        return []
    entries = [e if isinstance(e, dict) else None for e in entries[:len(cases)]]
    entries += [None] * (len(cases) - len(entries))
    found: list[Finding] = []
    if status != "passed" and diagnoser is not None:
        found += diagnoser(name, cases, expected, entries)
    if status != "passed" and not any(f.kind == "blame" for f in found):
        explained = {o for f in found for o in f.outputs}
        if not any(f.kind == "mistake" and not f.outputs for f in found):
            found += pattern_findings(name, cases, expected, entries, explained)
    found += contract_findings(name, entries, passed=status == "passed")
    return found
