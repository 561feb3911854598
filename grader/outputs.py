"""Writing a grading run's outputs: grades.csv, gradebook.db, feedback pages, report.html.

Every file is a rendering of the same :class:`SubmissionResult` values.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Iterable

from grader.gradebook import open_gradebook, record_run
from grader.results import SubmissionResult

__all__ = ["CSV_COLUMNS", "grades_csv", "write_outputs", "one_line"]

CSV_COLUMNS = ("student", "assignment", "exercise", "score", "max_score", "status",
               "checks_passed", "checks_total", "feedback")


def one_line(feedback: str, limit: int = 1000) -> str:
    """Multi-line feedback as one spreadsheet-friendly line."""
    text = " | ".join(line.strip() for line in feedback.splitlines() if line.strip())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def grades_csv(results: Iterable[SubmissionResult]) -> str:
    """The long CSV: one row per student, notebook and exercise."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in sorted(results, key=lambda r: (r.student, r.assignment)):
        for e in r.exercises:
            w.writerow([r.student, r.assignment, e.exercise, f"{e.score:g}", f"{e.max_score:g}", e.status,
                        sum(c.passed for c in e.checks), len(e.checks), one_line(e.feedback)])
    return buf.getvalue()


def _atomic_write(path: Path, text: str) -> None:
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
) -> dict[str, Path]:
    """Write every output of a run into ``out``; returns the paths by kind."""
    from grader.render.feedback import render_feedback
    from grader.render.report import render_report

    out.mkdir(parents=True, exist_ok=True)
    paths = {"csv": out / "grades.csv", "gradebook": out / "gradebook.db", "report": out / "report.html"}
    _atomic_write(paths["csv"], grades_csv(results))
    conn = open_gradebook(paths["gradebook"])
    try:
        record_run(conn, results, submissions_dir, config_source, started_at)
    finally:
        conn.close()
    for r in results:
        _atomic_write(out / "feedback" / r.student / f"{r.assignment}.html", render_feedback(r, hidden=True))
    _atomic_write(paths["report"], render_report(results, generated_at=generated_at))
    paths["feedback"] = out / "feedback"
    return paths
