"""The two verbs: grade a class (hidden cases) and check one notebook (public cases)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable

from grader.config import CourseConfig
from grader.exercises import NOTEBOOKS
from grader.grade import (
    InstructorError,
    Submission,
    find_submissions,
    grade_submission,
    hidden_case_set,
    match_assignment,
    public_case_set,
)
from grader.results import SubmissionResult
from grader.sandbox import check_sandbox

__all__ = ["grade_class", "check_notebook", "infer_assignment"]

_HEADER = re.compile(r"^# GRADED FUNCTION: (\w+)")


def grade_class(
    submissions: Path,
    config: CourseConfig,
    assignment: str | None = None,
    keep_scratch: bool = False,
    sandboxed: bool = True,
    on_start: Callable[[int, list[str]], None] = lambda n, warnings: None,
    on_result: Callable[[SubmissionResult], None] = lambda r: None,
) -> tuple[list[SubmissionResult], list[str]]:
    """Grade every notebook under ``submissions``; returns the results and warnings.

    Raises:
        InstructorError: no such folder, no notebooks, or an unknown assignment.
        SandboxUnavailable: ``sandboxed`` and bwrap cannot run here.
    """
    subs, warnings = find_submissions(submissions, assignment)
    if sandboxed:
        check_sandbox(config.sandbox)
    on_start(len(subs), warnings)
    case_sets = {}
    results = []
    for sub in subs:
        if sub.assignment not in case_sets:
            case_sets[sub.assignment] = hidden_case_set(sub.assignment, config)
        result = grade_submission(sub, case_sets[sub.assignment], config, keep_scratch=keep_scratch,
                                  sandbox=config.sandbox if sandboxed else None)
        results.append(result)
        on_result(result)
    return results, warnings


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
