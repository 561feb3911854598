"""The gradebook's exports: the long CSV, the wide CSV and Canvas's gradebook import.

Each is a pure rendering of a list of :class:`SubmissionResult` (the grades of one run,
or a gradebook's latest grades) into CSV text:

* **long** (``grades.csv``): one row per student, notebook and exercise;
* **wide** (``grades_wide.csv``): one row per student, a column per notebook total and
  per notebook/exercise score, then the total and the maximum;
* **canvas** (``canvas.csv``): Canvas LMS's gradebook import format, a column per
  notebook with its total, students identified through an optional roster.

Every text cell is made inert for spreadsheet applications (see :func:`safe_cell`):
feedback and folder names come from students.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from grader.exercises import NOTEBOOKS
from grader.results import SubmissionResult

__all__ = [
    "CSV_COLUMNS",
    "CANVAS_IDENTITY",
    "FORMATS",
    "RosterError",
    "CanvasStudent",
    "safe_cell",
    "one_line",
    "grades_csv",
    "wide_csv",
    "canvas_csv",
    "render",
    "read_roster",
]

CSV_COLUMNS = ("student", "assignment", "exercise", "score", "max_score", "status",
               "checks_passed", "checks_total", "feedback")

#: Canvas's student columns, in the order its gradebook export writes them and its
#: importer expects them (the first must match "Student", the second "ID", the last "Section").
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")

#: The roster's column for the submission folder name.
ROSTER_FOLDER = "folder"

#: The file each format is written to by ``grader grade``.
FORMATS = {"long": "grades.csv", "wide": "grades_wide.csv", "canvas": "canvas.csv"}

#: First characters that make a spreadsheet application read a cell as a formula (or
#: that some strip before doing so).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class RosterError(Exception):
    """The roster cannot be used (an instructor's mistake: one line, exit status 2)."""


@dataclass(frozen=True)
class CanvasStudent:
    """A student's identity in Canvas, from the roster: the columns of :data:`CANVAS_IDENTITY`."""

    name: str = ""
    id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""

    def cells(self) -> tuple[str, ...]:
        return (self.name, self.id, self.sis_user_id, self.sis_login_id, self.section)


def safe_cell(value: object) -> str:
    """One CSV cell. Numbers are formatted (``%g``); text that a spreadsheet would run as
    a formula (starting with ``= + - @``, a tab or a carriage return) gets a leading ``'``,
    as OWASP advises against CSV injection."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (int, float)):
        return f"{value:g}"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def one_line(feedback: str, limit: int = 1000) -> str:
    """Multi-line feedback as one spreadsheet-friendly line."""
    text = " | ".join(line.strip() for line in feedback.splitlines() if line.strip())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _write(rows: Iterable[Sequence[object]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for row in rows:
        w.writerow([safe_cell(v) for v in row])
    return buf.getvalue()


def _sorted(results: Iterable[SubmissionResult]) -> list[SubmissionResult]:
    return sorted(results, key=lambda r: (r.student, r.assignment))


def _assignments(results: Sequence[SubmissionResult]) -> list[str]:
    """The notebooks present, in the course's order (then any unknown one, sorted)."""
    present = {r.assignment for r in results}
    return [a for a in NOTEBOOKS if a in present] + sorted(present - set(NOTEBOOKS))


def _exercises(results: Sequence[SubmissionResult], assignment: str) -> list[str]:
    present = {e.exercise for r in results if r.assignment == assignment for e in r.exercises}
    known = list(NOTEBOOKS.get(assignment, ()))
    return [n for n in known if n in present] + sorted(present - set(known))


def _max_scores(results: Sequence[SubmissionResult]) -> dict[str, float]:
    """The points available per notebook (the largest seen, should they differ)."""
    best: dict[str, float] = {}
    for r in results:
        best[r.assignment] = max(best.get(r.assignment, 0.0), r.max_score)
    return best


def grades_csv(results: Iterable[SubmissionResult]) -> str:
    """The long CSV: one row per student, notebook and exercise (:data:`CSV_COLUMNS`)."""
    rows: list[Sequence[object]] = [CSV_COLUMNS]
    for r in _sorted(results):
        for e in r.exercises:
            rows.append([r.student, r.assignment, e.exercise, e.score, e.max_score, e.status,
                         sum(c.passed for c in e.checks), len(e.checks), one_line(e.feedback)])
    return _write(rows)


def wide_csv(results: Iterable[SubmissionResult]) -> str:
    """The wide CSV: one row per student.

    Columns: ``student``; per notebook, its total (``01_deep_nn_backward``) then each
    exercise's score (``01_deep_nn_backward/relu_backward``); then ``total`` and
    ``max_score``, the points of every notebook in the file (the same for every student).
    A notebook a student did not submit is left blank, and counts 0 in ``total``.
    """
    results = _sorted(results)
    assignments = _assignments(results)
    exercises = {a: _exercises(results, a) for a in assignments}
    maxima = _max_scores(results)
    header: list[str] = ["student"]
    for a in assignments:
        header += [a] + [f"{a}/{n}" for n in exercises[a]]
    header += ["total", "max_score"]
    by_student: dict[str, dict[str, SubmissionResult]] = {}
    for r in results:
        by_student.setdefault(r.student, {})[r.assignment] = r
    rows: list[Sequence[object]] = [header]
    for student in sorted(by_student):
        row: list[object] = [student]
        total = 0.0
        for a in assignments:
            r = by_student[student].get(a)
            scores = {e.exercise: e.score for e in r.exercises} if r else {}
            row += [r.score if r else None] + [scores.get(n) for n in exercises[a]]
            total += r.score if r else 0.0
        row += [round(total, 4), round(sum(maxima.values()), 4)]
        rows.append(row)
    return _write(rows)


def canvas_csv(results: Iterable[SubmissionResult], roster: Mapping[str, CanvasStudent] | None = None,
               points_possible: bool = True) -> str:
    """Canvas's gradebook import: ``Student,ID,SIS User ID,SIS Login ID,Section``, then a
    column per notebook (named by its stem) with the student's total.

    The second row, ``Points Possible``, gives each notebook's points (Canvas uses it
    for assignments the import creates). Students are identified by ``roster`` (submission
    folder name -> :class:`CanvasStudent`); a student not in it (or with no roster) is
    written with the folder name as Student and blank IDs, for Canvas to match by name.
    A notebook a student did not submit is left blank.
    """
    results = _sorted(results)
    roster = roster or {}
    assignments = _assignments(results)
    maxima = _max_scores(results)
    rows: list[Sequence[object]] = [list(CANVAS_IDENTITY) + assignments]
    if points_possible:
        rows.append(["Points Possible", "", "", "", ""] + [maxima[a] for a in assignments])
    by_student: dict[str, dict[str, float]] = {}
    for r in results:
        by_student.setdefault(r.student, {})[r.assignment] = r.score
    for student in sorted(by_student):
        who = roster.get(student) or CanvasStudent()
        rows.append([who.name or student, *who.cells()[1:]] + [by_student[student].get(a) for a in assignments])
    return _write(rows)


def render(fmt: str, results: Iterable[SubmissionResult], roster: Mapping[str, CanvasStudent] | None = None) -> str:
    """One export by name: ``long``, ``wide`` or ``canvas``."""
    if fmt == "long":
        return grades_csv(results)
    if fmt == "wide":
        return wide_csv(results)
    if fmt == "canvas":
        return canvas_csv(results, roster)
    raise ValueError(f"unknown export format {fmt!r}; known: {', '.join(FORMATS)}")


def read_roster(path: Path) -> dict[str, CanvasStudent]:
    """Read a roster CSV: submission folder name -> Canvas identity.

    The header names a ``folder`` column (the student's folder under SUBMISSIONS) and any
    of Canvas's ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section`` (case
    and spaces ignored; at least one of the first four). Other columns are ignored, so a
    Canvas gradebook export with a ``folder`` column added is a roster. Rows with an
    empty folder (Canvas's "Points Possible" row, its test student) are skipped.

    Raises:
        RosterError: the file cannot be read, lacks those columns, or names a folder twice.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RosterError(f"roster {path} does not exist") from None
    except IsADirectoryError:
        raise RosterError(f"roster {path} is a folder, not a CSV file") from None
    except UnicodeDecodeError:
        raise RosterError(f"roster {path} is not UTF-8 text (save it as CSV UTF-8)") from None
    except OSError as exc:
        raise RosterError(f"roster {path} cannot be read: {exc.strerror}") from None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise RosterError(f"roster {path} is not a valid CSV file ({exc})") from None
    if not rows:
        raise RosterError(f"roster {path} is empty: it needs a header with a 'folder' column")

    def norm(name: str) -> str:
        return " ".join(name.split()).casefold()

    header = [norm(h) for h in rows[0]]
    wanted = {norm(c): k for k, c in enumerate(CANVAS_IDENTITY)}
    if ROSTER_FOLDER not in header:
        raise RosterError(f"roster {path} has no 'folder' column (the student's folder under SUBMISSIONS); "
                          f"its header is: {', '.join(rows[0])[:200]}")
    where = {k: header.index(name) for name, k in wanted.items() if name in header}
    if not set(where) & {0, 1, 2, 3}:
        raise RosterError(f"roster {path} needs at least one of the columns Student, ID, SIS User ID, SIS Login ID")
    folder_at = header.index(ROSTER_FOLDER)
    roster: dict[str, CanvasStudent] = {}
    for line, row in enumerate(rows[1:], start=2):
        cell = (lambda i: row[i].strip() if i < len(row) else "")
        folder = cell(folder_at)
        if not folder:
            continue
        if folder in roster:
            raise RosterError(f"roster {path}, line {line}: folder {folder!r} appears twice")
        fields = [cell(where[k]) if k in where else "" for k in range(len(CANVAS_IDENTITY))]
        roster[folder] = CanvasStudent(*fields)
    return roster
