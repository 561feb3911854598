"""The self-check under each exercise: ``check("linear_backward", linear_backward)``.

It runs the public cases shipped with the course (``grader/data/public_cases.json``,
inputs and expected outputs made by the reference) against the student's function and
prints either a pass or what is wrong: which case, which output, which shape, which
elements and by how much. It never raises, so that "Run All" runs a half-done notebook
top to bottom.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any, Callable

from grader.checking import CaseResult, call_safely, changed_arguments, compare_outputs, render_case
from grader.codec import decode
from grader.exercises import exercise

__all__ = ["check", "run_public_cases", "render_report", "public_cases", "public_seed"]

PASS_MARK = "✅"
FAIL_MARK = "❌"


@lru_cache(maxsize=1)
def _public_data() -> dict:
    text = resources.files("grader").joinpath("data/public_cases.json").read_text(encoding="utf-8")
    return json.loads(text)


def public_seed() -> int | None:
    """The seed the shipped public cases were drawn with (grader/author/public.py)."""
    seed = _public_data().get("seed")
    return seed if isinstance(seed, int) else None


def public_cases(name: str) -> list[dict[str, Any]]:
    """The public cases of an exercise, decoded: dicts with label, args, kwargs, expected."""
    exercise(name)  # a clear KeyError for an unknown name
    return [
        {
            "label": c["label"],
            "args": decode(c["args"]),
            "kwargs": decode(c["kwargs"]),
            "expected": decode(c["expected"]),
        }
        for c in _public_data()["exercises"][name]
    ]


def run_case(name: str, fn: Callable, case: dict[str, Any]) -> CaseResult:
    """Run one decoded case against ``fn``."""
    ex = exercise(name)
    got, error, args_after = call_safely(fn, case["args"], case["kwargs"])
    if error is not None:
        return CaseResult(case["label"], error=error)
    comps, problem = compare_outputs(ex, got, case["expected"])
    changed = changed_arguments(fn, case["args"], args_after, ex.may_mutate)
    return CaseResult(case["label"], comps, problem, changed=tuple(changed), output=got)


def run_public_cases(name: str, fn: Callable) -> list[CaseResult]:
    """Every public case of exercise ``name`` run against ``fn``. Pure apart from calling fn."""
    return [run_case(name, fn, case) for case in public_cases(name)]


def _patterns(name: str, results: list[CaseResult]) -> list[str]:
    """"Pattern: you returned dW transposed. ..." when the error has a simple shape on
    every failing case (grader/findings.py; no reference code needed)."""
    from grader.case import Case
    from grader.findings import pattern_findings

    try:
        cases = public_cases(name)
    except Exception:  # noqa: BLE001 - the self-check never raises
        return []
    if len(cases) != len(results):
        return []
    objs = [Case(name, c["label"], tuple(c["args"]), dict(c["kwargs"])) for c in cases]
    entries = [None if r.error is not None else {"output": r.output} for r in results]
    try:
        found = pattern_findings(name, objs, [c["expected"] for c in cases], entries)
    except Exception:  # noqa: BLE001
        return []
    return [f"  Pattern: you {f.title}. {f.hint}" if f.kind == "pattern" else f"  Note: you {f.title}. {f.hint}"
            for f in found]


def render_report(name: str, results: list[CaseResult]) -> str:
    """The self-check's text: one pass line, or the failing cases with what is wrong."""
    n = len(results)
    failed = [(i, r) for i, r in enumerate(results, 1) if not r.passed]
    warnings = sorted({c for r in results for c in r.changed})
    lines = []
    if not failed:
        lines.append(f"{PASS_MARK} {name} passes " + ("its public check." if n == 1 else f"all {n} public checks."))
    elif all(r.not_implemented for _, r in failed) and len(failed) == n:
        lines.append(
            f"{FAIL_MARK} {name} is not implemented yet (it returned None). "
            "Fill in the code between START CODE HERE and END CODE HERE, run that cell, then this one."
        )
    else:
        lines.append(f"{FAIL_MARK} {name} fails {len(failed)} of {n} public check{'s' if n != 1 else ''}.")
        lines.extend(_patterns(name, results))
        for i, r in failed:
            lines.append(f"  Case {i} ({r.label}):")
            lines.extend("    " + line for line in render_case(r))
    if warnings:
        lines.append(
            f"⚠️  {name} changed its input {', '.join(warnings)} in place. A backward pass must "
            "not modify its inputs: work on a copy (for example x = x.copy()) or build new arrays."
        )
    return "\n".join(lines)


def check(name: str, fn: Callable) -> None:
    """Run the public checks of exercise ``name`` on ``fn`` and print the verdict."""
    if not callable(fn):
        print(f"{FAIL_MARK} {name}: expected a function, got {type(fn).__name__}. "
              "Run the cell that defines it first.")
        return
    try:
        results = run_public_cases(name, fn)
    except Exception as exc:  # noqa: BLE001 - a broken install must not stop "Run All"
        print(f"{FAIL_MARK} the self-check for {name} could not run: {type(exc).__name__}: {exc}. "
              "Is the grader package installed (pip install -e . in the course folder)?")
        return
    print(render_report(name, results))
