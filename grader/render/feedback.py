"""The feedback page of one student's notebook: a rendering of a :class:`SubmissionResult`.

Pure: :func:`render_feedback` returns the HTML text; writing it is the caller's job.

What a page never shows for hidden cases: expected values. A check is rendered from its
``message`` (already written without element values for hidden cases, see
grader/judge.py) and from the fields of ``check.detail`` listed in :data:`SAFE_FIELDS`:
counts, shapes, relative errors, indices. The element values in ``detail["worst"]``
appear only with ``hidden=False`` (public cases); the directional derivatives of a
gradient check (``detail["numerical"]``) never do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.render.common import (
    cap_text,
    clean_text,
    environment,
    fmt_points,
    percent,
    verdict,
)
from grader.results import Check, ExerciseResult, SubmissionResult

__all__ = ["render_feedback", "SAFE_FIELDS"]

#: Fields of ``Check.detail`` that never carry an expected value.
SAFE_FIELDS = frozenset({
    "name", "status", "passed", "got_shape", "expected_shape", "n_mismatched", "n_total",
    "max_rel", "hint", "detail", "worst_indices", "error", "tolerance", "calls",
})


@dataclass(frozen=True)
class _CheckRow:
    output: str
    kind: str
    passed: bool
    message: str
    facts: tuple[str, ...]
    worst: tuple[dict, ...]


@dataclass(frozen=True)
class _CaseGroup:
    case: int
    label: str
    rows: tuple[_CheckRow, ...]

    @property
    def n_passed(self) -> int:
        return sum(r.passed for r in self.rows)

    @property
    def same_failure(self) -> bool:
        """Every check of the case failed with the same message (say, the function raised):
        shown once rather than once per output."""
        return len(self.rows) > 1 and not any(r.passed for r in self.rows) and len(
            {(r.message, r.facts) for r in self.rows}) == 1


def _fmt_shape(shape: Any) -> str:
    if isinstance(shape, (list, tuple)):
        return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    return "–"


def _fmt_index(index: Any) -> str:
    if isinstance(index, (list, tuple)):
        return "[" + ", ".join(str(i) for i in index) + "]"
    return str(index)


def _number(x: Any) -> float | None:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def safe_facts(detail: dict) -> tuple[str, ...]:
    """Short facts about a failed check, from the fields of its detail that are safe to show.

    Phrased like the check messages of grader/compare.py, so that a fact the message
    already states can be left out (see :func:`_check_row`)."""
    d = {k: v for k, v in detail.items() if k in SAFE_FIELDS} if isinstance(detail, dict) else {}
    if isinstance(d.get("error"), dict):  # the student's own exception: the message says it all
        return ()
    facts = []
    got, exp = d.get("got_shape"), d.get("expected_shape")
    if d.get("status") == "shape" and exp is not None:
        facts.append(f"shape {_fmt_shape(got)}, expected {_fmt_shape(exp)}")
    elif got is not None:
        facts.append(f"shape {_fmt_shape(got)}")
    k, n = d.get("n_mismatched"), d.get("n_total")
    if d.get("status") == "values" and isinstance(k, int) and isinstance(n, int):
        facts.append(f"{k} of {n} elements differ")
    rel = _number(d.get("max_rel"))
    if d.get("status") == "values" and rel is not None:
        facts.append(f"largest relative difference {rel:.2g}")
    idx = d.get("worst_indices")
    if isinstance(idx, list) and idx:
        facts.append("at " + ", ".join(_fmt_index(i) for i in idx[:3]))
    err, tol = _number(d.get("error")), _number(d.get("tolerance"))
    if err is not None and tol is not None:
        facts.append(f"relative error of {err:.2g}")
        facts.append(f"tolerance {tol:.2g}")
    return tuple(facts)


def _worst(detail: dict) -> tuple[dict, ...]:
    """The worst elements with their expected values: public cases only (``hidden=False``)."""
    rows = []
    for w in (detail.get("worst") or [])[:3] if isinstance(detail, dict) else []:
        if isinstance(w, dict):
            got, exp = _number(w.get("got")), _number(w.get("expected"))
            rows.append({
                "index": _fmt_index(w.get("index")),
                "got": "–" if got is None else f"{got:.8g}",
                "expected": "–" if exp is None else f"{exp:.8g}",
            })
    return tuple(rows)


def _output_name(check: Check) -> str:
    """``"case2:dW"`` and ``"case2:grad:dW"`` -> ``"dW"``."""
    return check.id.rsplit(":", 1)[-1] if ":" in check.id else check.id


def _kind(check: Check) -> str:
    # an error on a case marks its gradient checks "value" too; their id tells them apart
    return "gradient" if check.kind == "gradient" or ":grad:" in check.id else "value"


def _check_row(check: Check, label: str, hidden: bool) -> _CheckRow:
    message = check.message
    prefix = f"case {check.case} ({label})"
    for p in (prefix + ": ", prefix):
        if label and message.startswith(p):  # the table already says which case
            message = message[len(p):]
            break
    detail = check.detail if isinstance(check.detail, dict) else {}
    facts = () if check.passed else tuple(f for f in safe_facts(detail) if f not in message)
    return _CheckRow(
        output=_output_name(check),
        kind=_kind(check),
        passed=bool(check.passed),
        message=message,
        facts=facts,
        worst=() if hidden or check.passed else _worst(detail),
    )


def _case_groups(ex: ExerciseResult, hidden: bool) -> list[_CaseGroup]:
    """The checks of an exercise, grouped by case, in order."""
    groups: list[tuple[int, list[Check]]] = []
    for c in ex.checks:
        if groups and groups[-1][0] == c.case:
            groups[-1][1].append(c)
        else:
            groups.append((c.case, [c]))
    out = []
    for case, checks in groups:
        label = ex.case_labels[case - 1] if 0 < case <= len(ex.case_labels) else ""
        out.append(_CaseGroup(case, label, tuple(_check_row(c, label, hidden) for c in checks)))
    return out


def _exercise_view(ex: ExerciseResult, hidden: bool) -> dict:
    lines = ex.feedback.splitlines()
    n_passed = sum(c.passed for c in ex.checks)
    return {
        "name": ex.exercise,
        "anchor": "ex-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in ex.exercise),
        "status": ex.status,
        "score": ex.score,
        "max_score": ex.max_score,
        "percent": percent(ex.score, ex.max_score),
        "feedback": ex.feedback,
        "first_line": lines[0] if lines else "",
        "cases": _case_groups(ex, hidden),
        "n_checks": len(ex.checks),
        "n_passed": n_passed,
        "duration": ex.duration,
        "case_labels": list(ex.case_labels),
    }


_CELL_STATUS = {"timeout": "interrupted after the time limit", "died": "killed the kernel"}


def _cell_error_view(entry: Any) -> dict:
    """One entry of ``result.cell_errors`` (untrusted JSON from the worker)."""
    entry = entry if isinstance(entry, dict) else {}
    error = entry.get("error") if isinstance(entry.get("error"), dict) else {}
    index = entry.get("index")
    return {
        "cell": index + 1 if isinstance(index, int) and not isinstance(index, bool) else None,
        "status": _CELL_STATUS.get(entry.get("status"), "") if isinstance(entry.get("status"), str) else "",
        "ename": clean_text(error.get("ename"))[:200],
        "evalue": cap_text(error.get("evalue"), 2_000),
        "traceback": cap_text(error.get("traceback")),
    }


def render_feedback(
    result: SubmissionResult,
    *,
    course_title: str = "Backpropagation course",
    hidden: bool = True,
) -> str:
    """The feedback page of one student's notebook, as one self-contained HTML document.

    Args:
        result: the graded notebook.
        course_title: shown above the page title.
        hidden: the cases were hidden ones: never show an expected value (only the
            check messages and the safe fields of their details).
    """
    exercises = [_exercise_view(e, hidden) for e in result.exercises]
    kind = verdict(result.score, result.max_score, result.passed)
    template = environment().get_template("feedback.html.j2")
    return template.render(
        course_title=course_title,
        page_title=f"{result.assignment} · {result.student}",
        student=result.student,
        assignment=result.assignment,
        score=result.score,
        max_score=result.max_score,
        score_text=f"{fmt_points(result.score)} / {fmt_points(result.max_score)}",
        percent=percent(result.score, result.max_score),
        verdict=kind,
        sha_short=(result.sha256 or "")[:12],
        sha256=result.sha256 or "",
        duration=result.duration,
        execution_time=result.execution_time,
        notes=[clean_text(n) for n in result.notes],
        exercises=exercises,
        n_passed=sum(e.status == "passed" for e in result.exercises),
        output=cap_text(result.output),
        cell_errors=[_cell_error_view(c) for c in result.cell_errors],
        hidden=hidden,
    )
