"""Grading on a Dask distributed cluster: ``grader grade --dask SCHEDULER_ADDRESS``.

The same per-submission grading as on one machine (grader/grade.py), shipped to Dask
workers: the instructor's machine finds the submissions, decides what to grade
(incremental grading), sends each notebook's bytes with the course configuration as
plain data, and gathers the results as plain data (``SubmissionResult.to_dict``). Each
Dask worker computes the hidden cases and the reference's outputs itself (once per
assignment and configuration), runs each notebook in its own worker process and bubblewrap
sandbox *on that machine*, and judges it there. Student code never runs in a Dask
worker's process, as it never runs in the grader's.

Run one Dask worker process per machine, with as many threads as notebooks it should
grade at once (``dask worker tcp://scheduler:8786 --nworkers 1 --nthreads 4``): the
threads of one process take distinct sandbox users (grader/run.py ``slot_limits``);
two worker processes on one machine would share them. docs/scaling.md has the whole
recipe for a large course.
"""

from __future__ import annotations

import queue
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Any, Callable

from grader.config import CourseConfig
from grader.grade import CaseSet, Submission, grade_submission, hidden_case_set
from grader.results import SubmissionResult

__all__ = ["grade_on_worker", "grade_with_dask", "DaskUnavailable"]

MAX_SLOTS = 64


class DaskUnavailable(Exception):
    """``--dask`` was given but dask.distributed is not installed or the scheduler is unreachable."""


_lock = threading.Lock()
_case_sets: dict[tuple[str, str], CaseSet] = {}
_slots: queue.Queue[int] | None = None


def _case_set(assignment: str, config: CourseConfig) -> CaseSet:
    """The hidden case set of this worker process, computed once per assignment and config."""
    key = (assignment, repr(config.to_dict()))
    with _lock:
        if key not in _case_sets:
            _case_sets[key] = hidden_case_set(assignment, config)
        return _case_sets[key]


def _slot_queue() -> queue.Queue[int]:
    global _slots
    with _lock:
        if _slots is None:
            _slots = queue.Queue()
            for slot in range(MAX_SLOTS):
                _slots.put(slot)
        return _slots


def grade_on_worker(student: str, assignment: str, filename: str, notebook: bytes,
                    config: dict, sandboxed: bool) -> dict:
    """Grade one notebook on this machine (a Dask task); returns ``SubmissionResult.to_dict()``.

    The notebook's bytes are written to a private temporary folder, graded exactly as
    ``grade_class`` would grade them, and the result names the original file.
    """
    from grader.run import slot_limits
    from grader.sandbox import check_sandbox

    course = CourseConfig.from_dict(config)
    if sandboxed:
        check_sandbox(course.sandbox)  # SandboxUnavailable reaches the instructor: one line, exit 2
    slots = _slot_queue()
    slot = slots.get()
    try:
        with tempfile.TemporaryDirectory(prefix="grader-dask-") as tmp:
            path = Path(tmp) / student / Path(filename).name
            path.parent.mkdir()
            path.write_bytes(notebook)
            result = grade_submission(Submission(student, assignment, path), _case_set(assignment, course), course,
                                      sandbox=slot_limits(course.sandbox, slot) if sandboxed else None)
    finally:
        slots.put(slot)
    data = result.to_dict()
    data["path"] = filename
    return data


def _client(address: str) -> Any:
    try:
        from distributed import Client
    except ImportError:
        raise DaskUnavailable("--dask needs dask.distributed: pip install 'backprop-grader[dask]'") from None
    try:
        return Client(address, timeout=10)
    except (OSError, TimeoutError) as exc:
        raise DaskUnavailable(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def grade_with_dask(address: str, subs: list[Submission], config: CourseConfig, sandboxed: bool,
                    on_result: Callable[[SubmissionResult], None] = lambda r: None) -> dict[Submission, SubmissionResult]:
    """Grade ``subs`` on the cluster at ``address``; results by submission.

    A notebook that cannot be read here is sent as empty bytes: the worker grades it
    like any unreadable notebook (0 points, with the reason).
    """
    from distributed import as_completed

    client = _client(address)
    try:
        config_data = config.to_dict()
        futures = {}
        for sub in subs:
            try:
                data = sub.path.read_bytes()
            except OSError:
                data = b""
            future = client.submit(grade_on_worker, sub.student, sub.assignment, str(sub.path), data,
                                   config_data, sandboxed, key=f"grade-{sub.student}-{sub.assignment}-{uuid.uuid4().hex}",
                                   pure=False)
            futures[future] = sub
        results: dict[Submission, SubmissionResult] = {}
        for future in as_completed(list(futures)):
            result = SubmissionResult.from_dict(future.result())
            results[futures[future]] = result
            on_result(result)
        return results
    finally:
        client.close()
