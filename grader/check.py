"""``grader check``: one notebook on the public cases, with no reference and no sandbox.

This is the student's side of grading, the one verb a student's bundle ships
(docs/release.md): it needs the public cases (grader/data/public_cases.json) and the
worker, never ``solutions`` or the hidden cases. The command (grader/student_cli.py)
prints its result with what it ran with and how that differs from grading
(grader/parity.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from grader.config import CourseConfig
from grader.exercises import NOTEBOOKS
from grader.grade import InstructorError, Submission, grade_submission, match_assignment, public_case_set
from grader.results import SubmissionResult

__all__ = ["check_notebook", "infer_assignment"]

_HEADER = re.compile(r"^# GRADED FUNCTION: (\w+)")


def infer_assignment(path: Path) -> str | None:
    """The assignment of a notebook: from its file name, else from its graded cells."""
    stem = match_assignment(path.name)
    if stem:
        return stem
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        names = {
            m.group(1)
            for cell in nb.get("cells", [])
            if isinstance(cell, dict)
            for m in [_HEADER.match("".join(cell.get("source", "")) if isinstance(cell.get("source"), list)
                                    else str(cell.get("source", "")))]
            if m
        }
    except (OSError, ValueError, AttributeError):
        return None
    best = max(NOTEBOOKS, key=lambda s: len(names & set(NOTEBOOKS[s])))
    return best if names & set(NOTEBOOKS[best]) else None


def check_notebook(path: Path, config: CourseConfig, assignment: str | None = None) -> SubmissionResult:
    """Run the public cases on one notebook (no reference needed, no sandbox).

    Raises:
        InstructorError: the file does not exist, or its assignment cannot be told.
    """
    if not path.is_file():
        raise InstructorError(f"{path} does not exist")
    if assignment is not None and assignment not in NOTEBOOKS:
        raise InstructorError(f"unknown assignment {assignment!r}; known: {', '.join(NOTEBOOKS)}")
    assignment = assignment or infer_assignment(path)
    if assignment is None:
        raise InstructorError(
            f"cannot tell which assignment {path.name} is: name it like one of "
            f"{', '.join(s + '.ipynb' for s in NOTEBOOKS)}, or pass --assignment")
    sub = Submission(student=path.parent.name or ".", assignment=assignment, path=path)
    return grade_submission(sub, public_case_set(assignment), config)
