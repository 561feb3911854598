"""Grading a class (hidden cases). Checking one notebook on the public cases is
grader/check.py's, re-exported here."""

from __future__ import annotations

import os
import queue
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator, Mapping

from grader.check import check_notebook, infer_assignment
from grader.config import CourseConfig, SandboxLimits
from grader.grade import Submission, find_submissions, grade_submission, hidden_case_set
from grader.gradebook import Grading, StoredGrade
from grader.incremental import decide, file_info, grader_key, reuse_at
from grader.results import SubmissionResult
from grader.sandbox import check_sandbox

__all__ = ["ClassRun", "grade_class", "check_notebook", "infer_assignment", "default_workers", "slot_limits"]


def default_workers() -> int:
    """The number of CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def slot_limits(limits: SandboxLimits, slot: int) -> SandboxLimits:
    """The sandbox limits of worker slot ``slot``: its own uid and gid (counting down from
    the configured ones), so that the process limit, which the kernel counts per user,
    is each notebook's own and a fork bomb in one cannot starve the others."""
    return replace(limits, uid=limits.uid - slot, gid=limits.gid - slot)


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
    workers: int = 1,
    dask: str | None = None,
) -> ClassRun:
    """Grade every notebook under ``submissions`` that needs it.

    ``previous`` holds the gradebook's newest grade of each (student, assignment)
    (``gradebook.latest_grades``): a notebook whose bytes and grader key match it keeps
    its stored result, unless ``force`` (grader/incremental.py). ``on_start`` gets the
    number of notebooks to grade (reused ones are not counted) and the warnings;
    ``on_result`` is called after each notebook graded, in the order they finish.

    ``workers`` notebooks are graded at once (threads; each notebook runs in its own
    worker process and sandbox, slot ``i`` as its own user: :func:`slot_limits`). The
    results are the same whatever ``workers`` is, and come back in submission order.
    With ``dask`` (a scheduler's address), the notebooks are graded on that Dask cluster
    instead, each on some worker machine in its own sandbox there (grader/cluster.py).

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
    if sandboxed and to_grade and dask is None:
        check_sandbox(config.sandbox)
    on_start(len(to_grade), warnings)
    if dask is not None:
        from grader.cluster import grade_with_dask

        graded = grade_with_dask(dask, to_grade, config, sandboxed, on_result) if to_grade else {}
        return _class_run(subs, decisions, files, graded, warnings, key)
    case_sets = {a: hidden_case_set(a, config) for a in dict.fromkeys(sub.assignment for sub in to_grade)}
    workers = max(1, min(workers, len(to_grade) or 1))
    slots: queue.Queue[int] = queue.Queue()
    for slot in range(workers):
        slots.put(slot)

    def grade_one(sub: Submission) -> SubmissionResult:
        slot = slots.get()
        try:
            return grade_submission(sub, case_sets[sub.assignment], config, keep_scratch=keep_scratch,
                                    sandbox=slot_limits(config.sandbox, slot) if sandboxed else None)
        finally:
            slots.put(slot)

    graded: dict[Submission, SubmissionResult] = {}
    if workers == 1:
        for sub in to_grade:
            graded[sub] = grade_one(sub)
            on_result(graded[sub])
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grader") as pool:
            futures = {pool.submit(grade_one, sub): sub for sub in to_grade}
            for future in as_completed(futures):
                graded[futures[future]] = future.result()
                on_result(graded[futures[future]])
    return _class_run(subs, decisions, files, graded, warnings, key)


def _class_run(subs: list[Submission], decisions: dict, files: dict, graded: dict[Submission, SubmissionResult],
               warnings: list[str], key: str) -> ClassRun:
    """Every submission's result in submission order: graded now, or reused."""
    results, gradings = [], []
    for sub in subs:
        decision = decisions[sub]
        if not decision.grade:
            results.append(reuse_at(decision.reuse, sub.path))
            continue
        results.append(graded[sub])
        gradings.append(Grading(graded[sub], files[sub].submitted_at, decision.forced))
    return ClassRun(tuple(results), tuple(gradings), tuple(warnings), key)
