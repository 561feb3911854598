"""The instructor's class report: a rendering of a list of :class:`SubmissionResult`.

Pure: :func:`render_report` returns one self-contained HTML document (the charts are
PNGs drawn with matplotlib's Agg renderer, grader/render/charts.py, embedded as base64).
It is written at ``DIR/report.html``; its links point at the feedback pages,
``DIR/feedback/<student>/<assignment>.html``.

The top of the report answers "how did the class do, and what should I re-teach": the
counts, the scores per assignment with each one's hardest exercises, then the most
common findings (grader/results.py: :class:`Finding`) across the class, counted per
(exercise, finding id) as the share of the assignment's notebooks that have it. The
details follow: per assignment its score distribution and exercises, the students, the
notebooks that did not run cleanly, without full marks, and the slowest.
"""

from __future__ import annotations

import base64
import statistics
from collections import Counter
from dataclasses import dataclass, field

from grader.render.charts import display_size, findings_chart_png, histogram_png
from grader.render.common import (
    STATUS_LABELS,
    clean_text,
    environment,
    feedback_href,
    finding_class,
    finding_label,
    finding_sentence,
    fmt_percent,
    fmt_points,
    percent,
    status_label,
    verdict,
)
from grader.results import FINDING_KINDS, Finding, SubmissionResult

__all__ = ["render_report", "histogram_png", "common_findings", "CommonFinding"]

SLOWEST = 5
#: Findings drawn in the chart; the table lists up to :data:`TABLE_FINDINGS`.
CHART_FINDINGS = 10
TABLE_FINDINGS = 40
#: Students named per finding in the table (the rest are counted).
NAMED_STUDENTS = 30
#: Exercises named as an assignment's hardest.
HARDEST = 3

#: What each kind of finding means, for the chart's key.
KIND_MEANINGS = {
    "mistake": "a known mistake reproduces the output",
    "blame": "a wrong helper explains it",
    "pattern": "the error has a simple shape",
    "contract": "a rule of the spec is broken",
}


@dataclass(frozen=True)
class _ExerciseStats:
    name: str
    n: int
    n_passed: int
    mean_score: float
    max_score: float
    failures: tuple[tuple[str, int], ...]  # (status, students), most common first

    @property
    def pass_rate(self) -> float:
        return self.n_passed / self.n if self.n else 0.0


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass
class CommonFinding:
    """A finding as the class has it: one (exercise, finding id), the notebooks of the
    assignment that have it (``students``) and how many notebooks of the assignment were
    graded (``n``)."""

    assignment: str
    exercise: str
    finding: Finding  # the first one seen: its title, hint and kind stand for all
    n: int
    students: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.students)

    @property
    def share(self) -> float:
        return self.count / self.n if self.n else 0.0


def common_findings(results: list[SubmissionResult]) -> list[CommonFinding]:
    """Every (exercise, finding id) of the class with the notebooks that have it, most
    common first (then the more specific kind, the course order, the title).

    ``results`` holds one result per (student, assignment)."""
    n_by_assignment = Counter(r.assignment for r in results)
    found: dict[tuple[str, str, str], CommonFinding] = {}
    exercise_order: dict[str, int] = {}
    for r in sorted(results, key=lambda r: (r.assignment, r.student)):
        for e in r.exercises:
            exercise_order.setdefault(e.exercise, len(exercise_order))
            seen = set()
            for f in e.findings:
                if not isinstance(f, Finding) or f.id in seen:
                    continue
                seen.add(f.id)
                key = (r.assignment, e.exercise, f.id)
                if key not in found:
                    found[key] = CommonFinding(r.assignment, e.exercise, f, n_by_assignment[r.assignment])
                found[key].students.append(r.student)
    kinds = {k: i for i, k in enumerate(FINDING_KINDS)}
    return sorted(found.values(), key=lambda c: (-c.count, -c.share, kinds.get(c.finding.kind, 99), c.assignment,
                                                 exercise_order[c.exercise], c.finding.title))


def _finding_row(c: CommonFinding, links: bool) -> dict:
    subject, text = finding_sentence(c.finding.title, c.exercise, instructor=True)
    share = f"{fmt_percent(c.share)} ({c.count} of {c.n})"
    # "31% (4 of 13) forgot the 1/m in dW and db in linear_backward", or
    # "8% (1 of 13): relu_backward changes its input dA in place"
    sentence = f"{text} in {c.exercise}" if not subject else f"{subject} {text}"
    students = sorted(set(c.students))
    return {
        "assignment": c.assignment,
        "exercise": c.exercise,
        "kind": c.finding.kind,
        "label": finding_label(c.finding.kind),
        "css": finding_class(c.finding.kind),
        "subject": subject,
        "text": text,
        "share": share,
        "percent": 100 * c.share,
        "count": c.count,
        "n": c.n,
        "sentence": f"{share} {sentence}" if not subject else f"{share}: {sentence}",
        "chart_label": f"{c.exercise}: {text}" if not subject else f"{subject} {text}",
        "hint": clean_text(c.finding.hint)[:1_000],
        "costs_points": c.finding.costs_points,
        "students": [
            {"name": s, "href": (feedback_href(s, c.assignment) + "#ex-" + _anchor(c.exercise)) if links else None}
            for s in students[:NAMED_STUDENTS]
        ],
        "more_students": max(len(students) - NAMED_STUDENTS, 0),
    }


def _anchor(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name)


def _findings_view(results: list[SubmissionResult], links: bool) -> dict:
    common = common_findings(results)
    rows = [_finding_row(c, links) for c in common[:TABLE_FINDINGS]]
    chart = None
    if rows:
        top = rows[:CHART_FINDINGS]
        png = findings_chart_png([(r["chart_label"], r["kind"], r["percent"] / 100, r["share"]) for r in top])
        width, height = display_size(png)
        chart = {
            "png": base64.b64encode(png).decode("ascii"),
            "width": width,
            "height": height,
            "alt": "Bar chart of the most common mistakes: " + "; ".join(r["sentence"] for r in top),
            "n": len(top),
            "kinds": [{"css": finding_class(k), "label": finding_label(k), "meaning": KIND_MEANINGS[k]}
                      for k in KIND_MEANINGS if any(r["kind"] == k for r in top)],
        }
    return {"rows": rows, "n_total": len(common), "chart": chart,
            "n_with_findings": sum(any(e.findings for e in r.exercises) for r in results)}


def _exercise_stats(results: list[SubmissionResult]) -> list[_ExerciseStats]:
    """Per exercise, in the order the notebooks list them."""
    by_name: dict[str, list] = {}
    for r in results:
        for e in r.exercises:
            by_name.setdefault(e.exercise, []).append(e)
    stats = []
    for name, exs in by_name.items():
        failures = Counter(e.status for e in exs if e.status != "passed")
        order = list(STATUS_LABELS)
        ranked = sorted(failures.items(), key=lambda kv: (-kv[1], order.index(kv[0]) if kv[0] in order else 99))
        stats.append(_ExerciseStats(
            name=name,
            n=len(exs),
            n_passed=sum(e.status == "passed" for e in exs),
            mean_score=statistics.fmean(e.score for e in exs),
            max_score=max(e.max_score for e in exs),
            failures=tuple(ranked),
        ))
    return stats


def _hardest(exercises: list[_ExerciseStats]) -> dict | None:
    """The exercises with the lowest pass rate (when someone did not pass it)."""
    if not exercises:
        return None
    low = min(e.pass_rate for e in exercises)
    if low >= 1.0:
        return None
    names = [e.name for e in exercises if e.pass_rate == low]
    return {"names": names[:HARDEST], "more": max(len(names) - HARDEST, 0), "pass_rate": low}


def _assignment_view(assignment: str, results: list[SubmissionResult]) -> dict:
    scores = [r.score for r in results]
    max_score = max(r.max_score for r in results)
    mean = statistics.fmean(scores)
    median = statistics.median(scores)
    png = histogram_png(scores, max_score)
    alt = (f"Histogram of the scores of {assignment}: {_plural(len(scores), 'notebook')}, "
           f"mean {fmt_points(mean)}, median {fmt_points(median)} out of {fmt_points(max_score)}")
    exercises = _exercise_stats(results)
    return {
        "name": assignment,
        "anchor": "a-" + _anchor(assignment),
        "n": len(results),
        "max_score": max_score,
        "mean": mean,
        "median": median,
        "min": min(scores),
        "max": max(scores),
        "mean_percent": percent(mean, max_score),
        "n_full": sum(r.passed for r in results),
        "n_notes": sum(bool(r.notes) for r in results),
        "histogram": base64.b64encode(png).decode("ascii"),
        "histogram_alt": alt,
        "exercises": [
            {
                "name": e.name,
                "n": e.n,
                "n_passed": e.n_passed,
                "pass_rate": e.pass_rate,
                "pass_percent": 100 * e.pass_rate,
                "mean_score": e.mean_score,
                "max_score": e.max_score,
                "failures": [{"status": s, "label": status_label(s), "count": c,
                              "text": f"{status_label(s)}: {_plural(c, 'student')}"} for s, c in e.failures],
            }
            for e in exercises
        ],
        "duration": sum(r.duration for r in results),
        "hardest": _hardest(exercises),
    }


def _cell(r: SubmissionResult, links: bool) -> dict:
    kind = verdict(r.score, r.max_score, r.passed)
    return {
        "score": r.score,
        "max_score": r.max_score,
        "percent": percent(r.score, r.max_score),
        "verdict": kind,
        "notes": [clean_text(n) for n in r.notes],
        "href": feedback_href(r.student, r.assignment) if links else None,
    }


def _row(r: SubmissionResult, links: bool) -> dict:
    return {
        "student": r.student,
        "assignment": r.assignment,
        "score": r.score,
        "max_score": r.max_score,
        "percent": percent(r.score, r.max_score),
        "verdict": verdict(r.score, r.max_score, r.passed),
        "duration": r.duration,
        "execution_time": r.execution_time,
        "notes": [clean_text(n) for n in r.notes],
        "href": feedback_href(r.student, r.assignment) if links else None,
        "not_passed": [{"exercise": e.exercise, "status": e.status} for e in r.exercises if e.status != "passed"],
    }


def render_report(
    results: list[SubmissionResult],
    *,
    title: str = "Class report",
    generated_at: str = "",
    feedback_links: bool = True,
) -> str:
    """The class report for the instructor, as one self-contained HTML document.

    Args:
        results: every graded notebook (any order; empty is fine).
        title: the page title.
        generated_at: when the grading ran, shown as given (empty: not shown).
        feedback_links: link each notebook to ``feedback/<student>/<assignment>.html``.
    """
    results = list(results)
    # one result per (student, assignment); the last one wins if a list repeats one
    latest = {(r.student, r.assignment): r for r in results}
    results = list(latest.values())
    students = sorted({r.student for r in results})
    assignment_names = sorted({r.assignment for r in results})  # stems sort in course order
    order = {a: i for i, a in enumerate(assignment_names)}
    by_assignment = {a: [r for r in results if r.assignment == a] for a in assignment_names}

    durations = [r.duration for r in results]
    overview = {
        "n_students": len(students),
        "n_notebooks": len(results),
        "n_assignments": len(assignment_names),
        "n_full": sum(r.passed for r in results),
        "n_notes": sum(bool(r.notes) for r in results),
        "total_time": sum(durations),
        "mean_time": statistics.fmean(durations) if durations else 0.0,
    }
    assignments = [_assignment_view(a, by_assignment[a]) for a in assignment_names]

    matrix = []
    for s in students:
        cells = [(_cell(latest[(s, a)], feedback_links) if (s, a) in latest else None) for a in assignment_names]
        mine = [latest[(s, a)] for a in assignment_names if (s, a) in latest]
        matrix.append({
            "student": s,
            "cells": cells,
            "total": sum(r.score for r in mine),
            "total_max": sum(r.max_score for r in mine),
            "has_notes": any(r.notes for r in mine),
        })

    by_time = sorted(results, key=lambda r: (-r.duration, r.student, r.assignment))[:SLOWEST]
    failing = sorted((r for r in results if r.score < r.max_score),
                     key=lambda r: (order[r.assignment], percent(r.score, r.max_score), r.student))
    with_notes = sorted((r for r in results if r.notes), key=lambda r: (r.student, order[r.assignment]))

    template = environment().get_template("report.html.j2")
    return template.render(
        title=title,
        generated_at=generated_at,
        overview=overview,
        assignments=assignments,
        assignment_names=assignment_names,
        matrix=matrix,
        slowest=[_row(r, feedback_links) for r in by_time],
        failing=[_row(r, feedback_links) for r in failing],
        with_notes=[_row(r, feedback_links) for r in with_notes],
        findings=_findings_view(results, feedback_links),
    )
