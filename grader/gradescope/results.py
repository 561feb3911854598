"""Gradescope's ``results.json``: a pure rendering of a :class:`SubmissionResult`.

The format is Gradescope's autograder specification
(https://gradescope-autograders.readthedocs.io/en/latest/specs/): a top-level ``score``,
``execution_time``, ``output`` and ``tests``, one test per exercise with its ``name``
(the exercise id), ``score``, ``max_score``, ``status``, ``output`` and ``visibility``.

What a test shows is what ``grader grade`` tells the student in grades.csv and on the
feedback page: the status, then the feedback (the likely mistake and its hint, what is
wrong case by case, the speed note). Hidden cases never reveal an expected value, so
neither does this. The top-level output names the file graded and the notebook's
problems, and gives the total only when every exercise is visible, so that it never
shows what ``visibility`` hides.
"""

from __future__ import annotations

from typing import Sequence

from grader.config import CourseConfig, GradescopeConfig
from grader.exercises import NOTEBOOKS
from grader.results import ExerciseResult, SubmissionResult
from grader.terminal import STATUS_WORDS

__all__ = ["OUTPUT_FORMAT", "results_json", "exercise_output", "ungraded"]

#: Gradescope shows ``text`` output as it is, in a ``<pre>`` block: feedback lines keep
#: their indentation and nothing a student wrote is read as markup.
OUTPUT_FORMAT = "text"


def _points(x: float) -> str:
    return f"{x:g}"


def exercise_output(e: ExerciseResult) -> str:
    """A test's output: its status and points, then the exercise's feedback."""
    head = (f"{e.exercise}: {STATUS_WORDS.get(e.status, e.status)} "
            f"({_points(e.score)} of {_points(e.max_score)} point{'' if e.max_score == 1 else 's'})")
    return "\n".join([head, e.feedback]) if e.feedback else head


def _number(assignment: str, k: int) -> str:
    """Gradescope's test number: ``1.3`` for the third exercise of ``01_deep_nn_backward``."""
    prefix = assignment.split("_", 1)[0]
    return f"{int(prefix)}.{k}" if prefix.isdigit() else str(k)


def _summary(result: SubmissionResult, settings: GradescopeConfig, notes: Sequence[str]) -> str:
    lines = []
    if result.exercises and all(settings.visibility_of(e.exercise) == "visible" for e in result.exercises):
        passed = sum(e.status == "passed" for e in result.exercises)
        lines.append(f"{result.assignment}: {_points(result.score)} of {_points(result.max_score)} points; "
                     f"{passed} of {len(result.exercises)} exercises pass.")
    else:
        lines.append(f"{result.assignment}: graded. The results of some exercises are shown later, "
                     "or only to your instructor.")
    problems = list(notes) + list(result.notes)
    if problems:
        lines += ["", *(f"* {n}" for n in problems)]
    return "\n".join(lines)


def results_json(result: SubmissionResult, settings: GradescopeConfig, notes: Sequence[str] = (),
                 execution_time: float = 0.0) -> dict:
    """The ``results.json`` of one graded notebook.

    Args:
        result: the notebook's grade.
        settings: the visibility of each exercise (``[gradescope]`` in course.toml).
        notes: what the autograder itself has to say, first in the top-level output
            (which file it graded, whether it ran without the sandbox).
        execution_time: seconds the autograder took.
    """
    tests = []
    for k, e in enumerate(result.exercises, start=1):
        tests.append({
            "name": e.exercise,
            "number": _number(result.assignment, k),
            "score": e.score,
            "max_score": e.max_score,
            "status": "passed" if e.status == "passed" else "failed",
            "output": exercise_output(e),
            "output_format": OUTPUT_FORMAT,
            "visibility": settings.visibility_of(e.exercise),
            "tags": [f.id for f in e.findings],
            "extra_data": {"status": e.status, "checks_passed": sum(c.passed for c in e.checks),
                           "checks_total": len(e.checks)},
        })
    return {
        "score": result.score,
        "execution_time": max(0, round(execution_time)),
        "output": _summary(result, settings, notes),
        "output_format": OUTPUT_FORMAT,
        "stdout_visibility": "hidden",
        "extra_data": {"assignment": result.assignment, "sha256": result.sha256},
        "tests": tests,
    }


def ungraded(assignment: str, config: CourseConfig, reason: str) -> SubmissionResult:
    """The result of a submission that could not be graded at all (no notebook, no
    sandbox where one is required): 0 on every exercise, ``not_run``, with the reason,
    as ``grader grade`` grades a notebook it cannot read."""
    exercises = tuple(ExerciseResult(n, "not_run", 0.0, float(config.points[n]), reason)
                      for n in NOTEBOOKS[assignment])
    return SubmissionResult("submission", assignment, "", "", exercises, notes=(reason,))
