"""The two verbs: grade a class (hidden cases) and check one notebook (public cases)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Mapping

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
from grader.gradebook import Grading, StoredGrade
from grader.incremental import decide, file_info, grader_key, reuse_at
from grader.results import SubmissionResult
from grader.sandbox import check_sandbox

__all__ = ["ClassRun", "grade_class", "check_notebook", "infer_assignment"]

_HEADER = re.compile(r"^# GRADED FUNCTION: (\w+)")


@dataclass(frozen=True)
class ClassRun:
    """What ``grade_class`` did.

    Attributes:
        results: every notebook found, in order, graded in this run or reused.
        gradings: the notebooks graded in this run, as the gradebook records them.
        warnings: files skipped, and why.
        grader_key: the grader key they were graded under (grader/incremental.py).
    """

    results: tuple[SubmissionResult, ...]
    gradings: tuple[Grading, ...]
    warnings: tuple[str, ...]
    grader_key: str

    @property
    def reused(self) -> int:
        """How many unchanged notebooks kept their stored result."""
        return len(self.results) - len(self.gradings)

    def __iter__(self) -> Iterator[list]:
        """``results, warnings = grade_class(...)``, as callers unpack it."""
        return iter((list(self.results), list(self.warnings)))


def grade_class(
    submissions: Path,
    config: CourseConfig,
    assignment: str | None = None,
    keep_scratch: bool = False,
    sandboxed: bool = True,
    on_start: Callable[[int, list[str]], None] = lambda n, warnings: None,
    on_result: Callable[[SubmissionResult], None] = lambda r: None,
    *,
    previous: Mapping[tuple[str, str], StoredGrade] | None = None,
    force: bool = False,
) -> ClassRun:
    """Grade every notebook under ``submissions`` that needs it.

    ``previous`` holds the gradebook's newest grade of each (student, assignment)
    (``gradebook.latest_grades``): a notebook whose bytes and grader key match it keeps
    its stored result, unless ``force`` (grader/incremental.py). ``on_start`` gets the
    number of notebooks to grade (reused ones are not counted) and the warnings;
    ``on_result`` is called after each notebook graded.

    Raises:
        InstructorError: no such folder, no notebooks, or an unknown assignment.
        SandboxUnavailable: ``sandboxed``, a notebook to grade, and bwrap cannot run here.
    """
    subs, warnings = find_submissions(submissions, assignment)
    key = grader_key(config, sandboxed)
    files = {sub: file_info(sub.path) for sub in subs}
    stored = previous or {}
    decisions = {sub: decide(files[sub].sha256, key, stored.get((sub.student, sub.assignment)), force)
                 for sub in subs}
    to_grade = [sub for sub in subs if decisions[sub].grade]
    if sandboxed and to_grade:
        check_sandbox(config.sandbox)
    on_start(len(to_grade), warnings)
    case_sets = {}
    results, gradings = [], []
    for sub in subs:
        decision = decisions[sub]
        if not decision.grade:
            results.append(reuse_at(decision.reuse, sub.path))
            continue
        if sub.assignment not in case_sets:
            case_sets[sub.assignment] = hidden_case_set(sub.assignment, config)
        result = grade_submission(sub, case_sets[sub.assignment], config, keep_scratch=keep_scratch,
                                  sandbox=config.sandbox if sandboxed else None)
        results.append(result)
        gradings.append(Grading(result, files[sub].submitted_at, decision.forced))
        on_result(result)
    return ClassRun(tuple(results), tuple(gradings), tuple(warnings), key)


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
