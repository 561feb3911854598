"""The instructor's class report: a rendering of a list of :class:`SubmissionResult`.

Pure: :func:`render_report` returns one self-contained HTML document (the score
histograms are PNGs drawn with matplotlib's Agg renderer and embedded as base64).
It is written at ``DIR/report.html``; its links point at the feedback pages,
``DIR/feedback/<student>/<assignment>.html``.
"""

from __future__ import annotations

import base64
import io
import statistics
from collections import Counter
from dataclasses import dataclass

from grader.render.common import (
    STATUS_LABELS,
    clean_text,
    environment,
    feedback_href,
    fmt_points,
    percent,
    status_label,
    verdict,
)
from grader.results import SubmissionResult

__all__ = ["render_report", "histogram_png"]

SLOWEST = 5
HIST_BINS = 10


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


def histogram_png(scores: list[float], max_score: float) -> bytes:
    """A small histogram of scores as percentages of ``max_score`` (bins of 10%), as PNG bytes.

    Drawn on a bare :class:`matplotlib.figure.Figure` (Agg), so pyplot's global state is
    never touched."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, MultipleLocator

    top = float(max_score) if max_score and max_score > 0 else 1.0
    pcts = [percent(s, top) for s in scores]
    fig = Figure(figsize=(6.4, 2.3), dpi=150, layout="constrained")
    ax = fig.add_subplot()
    counts, _, _ = ax.hist(pcts, bins=HIST_BINS, range=(0.0, 100.0), color="#2f81f7", edgecolor="white", linewidth=1.0)
    if scores:
        mean = statistics.fmean(scores)
        x = percent(mean, top)
        ax.axvline(x, color="#1f2328", linestyle="--", linewidth=1.2)
        right = x > 75
        ax.annotate(f"mean {fmt_points(mean)} / {fmt_points(top)}", xy=(x, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(-5 if right else 5, -3), textcoords="offset points", va="top",
                    ha="right" if right else "left", fontsize=8.5, color="#1f2328",
                    bbox={"boxstyle": "square,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    ax.set_xlim(0.0, 100.0)
    ax.set_ylim(0, max(1.0, float(max(counts))) * 1.2)
    ax.xaxis.set_major_locator(MultipleLocator(10))
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0f}%")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax.set_xlabel(f"score, as a percentage of the {fmt_points(top)} points", fontsize=9, color="#59636e")
    ax.set_ylabel("notebooks", fontsize=9, color="#59636e")
    ax.tick_params(labelsize=8.5, colors="#59636e")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#d1d9e0")
    ax.grid(axis="y", color="#eaeef2", linewidth=0.8)
    ax.set_axisbelow(True)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


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
        "anchor": "a-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in assignment),
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
    )
