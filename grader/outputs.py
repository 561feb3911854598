"""Writing a grading run's outputs: the CSV exports, gradebook.db, feedback pages, report.html.

Every file is a rendering of the same :class:`SubmissionResult` values, reused ones
included; only the gradebook tells a notebook graded in this run from a reused one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Sequence

from grader.export import CSV_COLUMNS, FORMATS, CanvasStudent, grades_csv, one_line, render
from grader.gradebook import Grading, open_gradebook, record_run
from grader.results import SubmissionResult

__all__ = ["CSV_COLUMNS", "grades_csv", "write_outputs", "one_line", "atomic_write"]


def atomic_write(path: Path, text: str) -> None:
    """Write a file whole or not at all (a reader never sees half of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_outputs(
    out: Path,
    results: list[SubmissionResult],
    submissions_dir: str,
    config_source: str | None,
    started_at: str,
    generated_at: str,
    *,
    gradings: Sequence[Grading] | None = None,
    grader_key: str | None = None,
    force: bool = False,
    roster: Mapping[str, CanvasStudent] | None = None,
) -> dict[str, Path]:
    """Write every output of a run into ``out``; returns the paths by kind.

    ``results`` are every notebook of the run, graded or reused: the CSV exports, the
    feedback pages and the report show them all. ``gradings`` are the notebooks graded
    in this run, which the gradebook appends (default: every result, as graded now);
    the others count as reused.
    """
    from grader.render.feedback import render_feedback
    from grader.render.report import render_report

    out.mkdir(parents=True, exist_ok=True)
    paths = {"csv": out / FORMATS["long"], "wide": out / FORMATS["wide"], "canvas": out / FORMATS["canvas"],
             "gradebook": out / "gradebook.db", "report": out / "report.html"}
    atomic_write(paths["csv"], grades_csv(results))
    atomic_write(paths["wide"], render("wide", results))
    atomic_write(paths["canvas"], render("canvas", results, roster))
    if gradings is None:
        gradings = [Grading(r) for r in results]
    conn = open_gradebook(paths["gradebook"])
    try:
        record_run(conn, gradings, submissions_dir, config_source, started_at, grader_key=grader_key, force=force,
                   reused=len(results) - len(gradings))
    finally:
        conn.close()
    for r in results:
        atomic_write(out / "feedback" / r.student / f"{r.assignment}.html", render_feedback(r, hidden=True))
    atomic_write(paths["report"], render_report(results, generated_at=generated_at))
    paths["feedback"] = out / "feedback"
    return paths
