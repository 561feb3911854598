"""The feedback page of one student's notebook: a rendering of a :class:`SubmissionResult`.

Pure: :func:`render_feedback` returns the HTML text; writing it is the caller's job.

What a page never shows for hidden cases: expected values. A check is rendered from its
``message`` (already written without element values for hidden cases, see
grader/judge.py) and from the fields of ``check.detail`` listed in :data:`SAFE_FIELDS`:
counts, shapes, relative errors, indices. The element values in ``detail["worst"]``
appear only with ``hidden=False`` (public cases); the directional derivatives of a
gradient check (``detail["numerical"]``) never do.

Each exercise shows, in this order: its feedback; its findings (grader/results.py:
:class:`Finding`), most specific first, the first one as the headline; heatmaps of where
its outputs are wrong (from ``detail["where"]``, shares of wrong elements, no values:
see grader/compare.py:where_grid), at most :data:`MAX_HEATMAPS` on a page; and the
table of every check. Everything a submission produced (printed output, tracebacks,
exception messages quoted in check messages) is cleaned of terminal colour codes and
control characters, capped, and escaped by the template.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from grader.render.charts import HEAT_COLOURS, display_size, heatmap_png
from grader.render.common import (
    cap_text,
    clean_text,
    environment,
    finding_class,
    finding_label,
    finding_sentence,
    fmt_points,
    percent,
    verdict,
)
from grader.results import Check, ExerciseResult, Finding, SubmissionResult

__all__ = ["render_feedback", "SAFE_FIELDS", "MAX_HEATMAPS", "where_view"]

#: Heatmaps on one page at most (each is a PNG of about 5 to 10 kB).
MAX_HEATMAPS = 12
#: Largest heatmap grid accepted from ``detail["where"]``, per side (compare.py makes at most 48).
MAX_GRID_SIDE = 64
#: Cells that raised errors shown on one page at most.
MAX_CELL_ERRORS = 20
#: Characters of a check message or an exercise's feedback shown (they may quote the
#: student's exception message).
MESSAGE_LIMIT = 4_000

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
    message = cap_text(check.message, MESSAGE_LIMIT)
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


def _case_label(ex: ExerciseResult, case: int) -> str:
    label = ex.case_labels[case - 1] if 0 < case <= len(ex.case_labels) else ""
    return clean_text(label)[:300]


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
        label = _case_label(ex, case)
        out.append(_CaseGroup(case, label, tuple(_check_row(c, label, hidden) for c in checks)))
    return out


# --------------------------------------------------------------------------- findings


def _finding_view(f: Finding, exercise: str, lead: bool) -> dict:
    subject, text = finding_sentence(f.title, exercise)
    outputs = [clean_text(o)[:40] for o in f.outputs if isinstance(o, str)][:12]
    cases = [c for c in f.cases if isinstance(c, int) and not isinstance(c, bool)][:12]
    where = []
    if outputs:
        where.append("in " + ", ".join(outputs))
    if cases:
        where.append(("case " if len(cases) == 1 else "cases ") + ", ".join(str(c) for c in cases))
    return {
        "kind": f.kind,
        "label": finding_label(f.kind),
        "css": finding_class(f.kind),
        "subject": subject,
        "text": cap_text(text, 500),
        "hint": cap_text(f.hint, 1_000),
        "where": " · ".join(where),
        "costs_points": bool(f.costs_points),
        "lead": lead,
    }


def _findings(ex: ExerciseResult) -> list[dict]:
    """The exercise's findings, in order; the first is the headline when it costs points."""
    found = [f for f in ex.findings if isinstance(f, Finding)]
    return [_finding_view(f, ex.exercise, i == 0 and f.costs_points) for i, f in enumerate(found)]


# --------------------------------------------------------------------------- heatmaps


@dataclass(frozen=True)
class Where:
    """A checked ``detail["where"]``: a rectangular grid of shares in 0..1, and its axes."""

    grid: tuple[tuple[float, ...], ...]
    rows: str
    cols: str
    over: tuple[str, ...]
    shape: tuple[int, ...]

    @property
    def informative(self) -> bool:
        """A picture tells more than the message: more than one cell, and not every
        element wrong (then "35 of 35 elements differ" says it all)."""
        cells = [v for row in self.grid for v in row]
        return len(cells) > 1 and min(cells) < 0.999

    def axis_lengths(self) -> tuple[int | None, int | None]:
        """The lengths in elements of the rows and columns, where the shape tells them
        (the same choice of axes as grader/compare.py:where_grid); None otherwise."""
        kept = [n for n in self.shape if n != 1] or list(self.shape[-1:])
        if not kept:
            return None, None
        if len(kept) == 1:
            r, c = None, kept[0]
        elif len(kept) == 2:
            r, c = kept
        elif len(kept) == 3:
            r, c = kept[1], kept[2]
        else:
            r, c = (kept[0], kept[1]) if self.rows == self.cols else (kept[1], kept[2])
        h, w = len(self.grid), len(self.grid[0])
        ok = (r is None and h == 1 or isinstance(r, int) and r >= h) and isinstance(c, int) and c >= w
        return (r, c) if ok else (None, None)

    def description(self) -> str:
        """What the picture shows, in words (its alt text and the line under it)."""
        h, w = len(self.grid), len(self.grid[0])
        wrong = [[v > 0 for v in row] for row in self.grid]
        n_wrong = sum(map(sum, wrong))
        if h >= 3 and w >= 3:
            border = [wrong[i][j] for i in range(h) for j in range(w) if i in (0, h - 1) or j in (0, w - 1)]
            inside = [wrong[i][j] for i in range(1, h - 1) for j in range(1, w - 1)]
            if any(border) and not any(inside):
                return "only the border is wrong, the inside is right"
            if any(inside) and not any(border):
                return "only the inside is wrong, the border is right"
        return f"wrong in {n_wrong} of {h * w} cells"


def where_view(where: Any) -> Where | None:
    """``detail["where"]`` checked as untrusted JSON: None unless it is a rectangular grid
    of at most :data:`MAX_GRID_SIDE` numbers a side (clipped to 0..1, NaN counted as
    wrong) with string axis names. Only these fields are read: nothing else in the
    detail reaches the page."""
    if not isinstance(where, dict):
        return None
    grid = where.get("grid")
    if not isinstance(grid, list) or not 0 < len(grid) <= MAX_GRID_SIDE:
        return None
    if not all(isinstance(row, list) for row in grid):
        return None
    width = len(grid[0])
    if not 0 < width <= MAX_GRID_SIDE or any(len(row) != width for row in grid):
        return None
    cells = []
    for row in grid:
        out = []
        for v in row:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                return None
            out.append(1.0 if math.isnan(v) else min(1.0, max(0.0, float(v))))
        cells.append(tuple(out))

    def name(v: Any) -> str:
        return clean_text(v)[:40] if isinstance(v, str) else ""

    over = where.get("over")
    shape = where.get("shape")
    return Where(
        grid=tuple(cells),
        rows=name(where.get("rows")),
        cols=name(where.get("cols")),
        over=tuple(name(o) for o in over if isinstance(o, str))[:6] if isinstance(over, list) else (),
        shape=tuple(int(n) for n in shape if isinstance(n, int) and not isinstance(n, bool) and n >= 0)[:8]
        if isinstance(shape, list) else (),
    )


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


@lru_cache(maxsize=256)
def _heatmap_picture(where: Where) -> tuple[str, int, int]:
    """The heatmap as base64 PNG with its display size. Cached: the hidden cases are the
    same for the whole class, so students with the same bug share a picture."""
    n_rows, n_cols = where.axis_lengths()
    png = heatmap_png([list(r) for r in where.grid], where.rows, where.cols, n_rows, n_cols)
    return (base64.b64encode(png).decode("ascii"), *display_size(png))


def _heatmap_view(output: str, check: Check, label: str, where: Where) -> dict:
    png, width, height = _heatmap_picture(where)
    caption = "share of wrong elements" + (f", averaged over {_join(list(where.over))}" if where.over else "")
    what = where.description()
    shape = _fmt_shape(list(where.shape)) if where.shape else ""
    axes = f"{where.rows or 'one row'} down, {where.cols} across" if len(where.grid) > 1 else f"{where.cols} across"
    return {
        "output": output,
        "case": check.case,
        "label": label,
        "shape": shape,
        "png": png,
        "width": width,
        "height": height,
        "caption": caption,
        "description": what,
        "alt": f"Heatmap of where {output} is wrong in case {check.case} ({axes}): {what}",
    }


def _heatmap_candidates(ex: ExerciseResult) -> list[tuple[str, Check, Where]]:
    """Per output of the exercise, in the order of its checks, the first failing value
    check with an informative where-grid."""
    chosen: dict[str, tuple[str, Check, Where]] = {}
    for c in ex.checks:
        if c.passed or _kind(c) != "value" or not isinstance(c.detail, dict):
            continue
        output = _output_name(c)
        if output in chosen:
            continue
        where = where_view(c.detail.get("where"))
        if where is not None and where.informative:
            chosen[output] = (output, c, where)
    return list(chosen.values())


# --------------------------------------------------------------------------- page


def _without_findings(feedback: str, findings: tuple[Finding, ...]) -> str:
    """The feedback without the lines that state a finding (title and hint: grader/judge.py
    writes one per finding for the CSV and the terminal); the page shows them as cards."""
    shown = [(f.title, f.hint) for f in findings if isinstance(f, Finding) and f.title]
    lines = [line for line in feedback.splitlines()
             if not any(title in line and hint in line for title, hint in shown)]
    return "\n".join(lines) if lines else feedback


def _exercise_view(ex: ExerciseResult, hidden: bool, heatmaps_left: list[int]) -> dict:
    """``heatmaps_left`` is a one-element counter shared by the page's exercises."""
    feedback = _without_findings(cap_text(ex.feedback, MESSAGE_LIMIT), ex.findings)
    lines = feedback.splitlines()
    candidates = _heatmap_candidates(ex)
    shown = candidates[: max(heatmaps_left[0], 0)]
    heatmaps_left[0] -= len(shown)
    n_passed = sum(c.passed for c in ex.checks)
    return {
        "name": ex.exercise,
        "anchor": "ex-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in ex.exercise),
        "status": ex.status,
        "score": ex.score,
        "max_score": ex.max_score,
        "percent": percent(ex.score, ex.max_score),
        "feedback": feedback,
        "first_line": lines[0] if lines else "",
        "findings": _findings(ex),
        "heatmaps": [_heatmap_view(o, c, _case_label(ex, c.case), w) for o, c, w in shown],
        "heatmaps_left_out": len(candidates) - len(shown),
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
    heatmaps_left = [MAX_HEATMAPS]
    exercises = [_exercise_view(e, hidden, heatmaps_left) for e in result.exercises]
    n_heatmaps = sum(len(e["heatmaps"]) for e in exercises)
    n_left_out = sum(e["heatmaps_left_out"] for e in exercises)
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
        cell_errors=[_cell_error_view(c) for c in result.cell_errors[:MAX_CELL_ERRORS]],
        cell_errors_left_out=max(len(result.cell_errors) - MAX_CELL_ERRORS, 0),
        n_heatmaps=n_heatmaps,
        heatmaps_left_out=n_left_out,
        max_heatmaps=MAX_HEATMAPS,
        heat_colours=HEAT_COLOURS,
        hidden=hidden,
    )
