"""Grading notebooks: find the submissions, run each in a worker, judge every exercise.

The pipeline for one notebook, in order:

1. read the file's bytes (capped) and hash them; a file that is not valid JSON is
   graded 0 with the parser's message, without starting anything;
2. lay out a job folder with the notebook and the cases' inputs (never the expected
   outputs) and run a worker on it under the notebook's wall-clock limit;
3. read back the execution record and each exercise's outputs, as untrusted data;
4. judge each exercise in this process against the expected outputs.

Hidden cases (``grader grade``) are drawn from the course seed and their expected
outputs computed by the reference here; public cases (``grader check``) come with their
expected outputs from ``grader/data/public_cases.json``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from grader.case import Case
from grader.config import CourseConfig, SandboxLimits
from grader.execute import run_worker
from grader.exercises import NOTEBOOKS
from grader.job import JobSpec, UntrustedFileError, read_execution, read_outputs, read_speed, write_job
from grader.speed import apply_speed
from grader.judge import Diagnoser, GradientChecker, judge_exercise
from grader.results import ExerciseResult, SubmissionResult
from grader.sandbox import prepare_job_dir, remove_cgroups, sandbox_command
from grader.sandbox import scratch_root as default_scratch_root

__all__ = [
    "Submission",
    "CaseSet",
    "InstructorError",
    "find_submissions",
    "hidden_case_set",
    "public_case_set",
    "grade_submission",
    "match_assignment",
    "MAX_NOTEBOOK_BYTES",
]

MAX_NOTEBOOK_BYTES = 20 * 2**20
NOTES_LIMIT = 20


class InstructorError(Exception):
    """A mistake in how the grader was called: reported in one line, exit status 2."""


@dataclass(frozen=True)
class Submission:
    """One notebook of one student: ``SUBMISSIONS/<student>/<file>``."""

    student: str
    assignment: str
    path: Path


@dataclass(frozen=True)
class CaseSet:
    """The cases of one assignment with their expected outputs.

    Attributes:
        cases: per exercise, its cases.
        expected: per exercise, the expected output of each case.
        reveal: whether feedback may show expected values (public cases only).
        gradients: the gradient checker, or None (public cases: no reference here).
        diagnoser: names catalogued mistakes and blames helpers (needs the reference),
            or None.
        speed_cases: per timed exercise, its larger speed case (hidden grading only).
        speed_reference: per timed exercise, the reference's seconds on it.
    """

    cases: dict[str, list[Case]]
    expected: dict[str, list[Any]]
    reveal: bool
    gradients: GradientChecker | None = None
    diagnoser: Diagnoser | None = None
    speed_cases: dict[str, Case] = field(default_factory=dict)
    speed_reference: dict[str, float] = field(default_factory=dict)


def match_assignment(filename: str) -> str | None:
    """The assignment a submitted file name belongs to: ``02_conv_pool_backward.ipynb``,
    or a name that starts with the stem (``02_conv_pool_backward (1).ipynb``)."""
    if not filename.endswith(".ipynb"):
        return None
    stem = filename[: -len(".ipynb")]
    if stem in NOTEBOOKS:
        return stem
    matches = [s for s in NOTEBOOKS if stem.startswith(s)]
    return matches[0] if len(matches) == 1 else None


def find_submissions(root: Path, only: str | None = None) -> tuple[list[Submission], list[str]]:
    """Every ``root/<student>/<notebook>.ipynb``, sorted; and warnings for files skipped.

    Raises:
        InstructorError: ``root`` is not a folder, or ``only`` is not an assignment.
    """
    if not root.is_dir():
        raise InstructorError(f"submissions folder {root} does not exist (expected SUBMISSIONS/<student>/<notebook>.ipynb)")
    if only is not None and only not in NOTEBOOKS:
        raise InstructorError(f"unknown assignment {only!r}; known: {', '.join(NOTEBOOKS)}")
    subs, warnings = [], []
    for student_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        seen: dict[str, Path] = {}
        for f in sorted(student_dir.iterdir()):
            if f.name.startswith(".") or f.is_dir():
                continue
            stem = match_assignment(f.name)
            if stem is None:
                if f.suffix == ".ipynb":
                    warnings.append(f"{student_dir.name}/{f.name}: not one of the assignments; skipped")
                continue
            if only is not None and stem != only:
                continue
            if stem in seen:
                warnings.append(f"{student_dir.name}/{f.name}: a second file for {stem} (graded {seen[stem].name})")
                continue
            seen[stem] = f
            subs.append(Submission(student_dir.name, stem, f))
    if not subs:
        what = f"notebooks of {only}" if only else "notebooks of the course"
        raise InstructorError(f"no {what} found under {root} (expected SUBMISSIONS/<student>/<notebook>.ipynb)")
    return subs, warnings


def hidden_case_set(assignment: str, config: CourseConfig) -> CaseSet:
    """The hidden cases of an assignment, with the reference's outputs (grader/hidden.py:
    the instructor's side, which needs ``solutions`` and is not in a student's bundle)."""
    from grader.hidden import hidden_case_set as build

    return build(assignment, config)


def public_case_set(assignment: str) -> CaseSet:
    """The public cases of an assignment with their shipped expected outputs.

    Mistakes are named too where the reference package is installed (a course author's
    or instructor's checkout); a student's bundle has only the patterns and flags."""
    from grader.selfcheck import public_cases

    try:
        from grader.mistakes.diagnose import Diagnoser as MistakeDiagnoser
        diagnoser: Diagnoser | None = MistakeDiagnoser()
    except ImportError:
        diagnoser = None

    cases, expected = {}, {}
    for n in NOTEBOOKS[assignment]:
        decoded = public_cases(n)
        cases[n] = [Case(n, c["label"], tuple(c["args"]), dict(c["kwargs"])) for c in decoded]
        expected[n] = [c["expected"] for c in decoded]
    return CaseSet(cases, expected, reveal=True, gradients=None, diagnoser=diagnoser)


def remove_tree(path: Path) -> None:
    """Delete a scratch folder, however deep a submission nested it: ``rm -rf`` walks it
    without recursion and without following links (``shutil.rmtree`` recurses once per
    level). Falls back to shutil where there is no rm."""
    if shutil.which("rm"):
        subprocess.run(["rm", "-rf", "--one-file-system", "--", str(path)],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if path.exists():
        shutil.rmtree(path, ignore_errors=True)


def _not_run(sub: Submission, sha: str, points: dict, reason: str, note: str, start: float) -> SubmissionResult:
    exercises = tuple(
        ExerciseResult(n, "not_run", 0.0, float(points[n]), reason) for n in NOTEBOOKS[sub.assignment]
    )
    return SubmissionResult(sub.student, sub.assignment, str(sub.path), sha, exercises,
                            notes=(note,), duration=time.monotonic() - start)


def _read_notebook(path: Path) -> tuple[bytes | None, str, str | None]:
    """(bytes, sha256, problem): the problem is a sentence when the file cannot be graded."""
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            return None, "", f"the notebook is {size / 2**20:.0f} MB, more than the {MAX_NOTEBOOK_BYTES // 2**20} MB allowed"
        data = path.read_bytes()
    except OSError as exc:
        return None, "", f"the notebook could not be read: {exc.strerror}"
    sha = hashlib.sha256(data).hexdigest()
    try:
        nb = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        return None, sha, "the notebook is not a text file (not UTF-8)"
    except json.JSONDecodeError as exc:
        return None, sha, f"the notebook is not valid JSON ({exc.msg}: line {exc.lineno}, column {exc.colno}); was it edited outside Jupyter?"
    except RecursionError:
        return None, sha, "the notebook is not a notebook: its JSON is nested far too deeply"
    except ValueError as exc:  # e.g. an integer of thousands of digits
        return None, sha, f"the notebook could not be read as JSON ({str(exc)[:120]})"
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return None, sha, "the file is JSON but not a Jupyter notebook (no list of cells)"
    return data, sha, None


def _notes(execution: dict, worker_timed_out: bool, wall_clock: float) -> list[str]:
    """Notebook-level notes from the worker's (cleaned) record."""
    notes = []
    if worker_timed_out:
        notes.append(f"the notebook ran longer than {wall_clock:g} s in all and was stopped")
    if execution["fatal"] is not None:
        notes.append(execution["fatal"] or "the worker reported a failure")
    for cell in execution["cells"][:200]:
        status = cell["status"]
        if status in ("error", "timeout", "died") and len(notes) < NOTES_LIMIT:
            err = cell["error"] or {"ename": "", "evalue": ""}
            what = {"died": "killed the kernel; it was skipped after a restart",
                    "timeout": "was interrupted after the time limit"}.get(
                status, f"raised {err['ename'][:100] or 'an error'}: {err['evalue'][:200]}")
            first = cell["first_line"][:80]
            number = cell["index"] + 1
            notes.append(f"cell {number} ({first}) {what}" if first else f"cell {number} {what}")
    if execution["truncated"]:
        notes.append("the notebook printed more than the output limit; the rest was dropped")
    return notes


def grade_submission(
    sub: Submission,
    case_set: CaseSet,
    config: CourseConfig,
    scratch_root: Path | None = None,
    keep_scratch: bool = False,
    run: Callable[..., Any] = run_worker,
    sandbox: SandboxLimits | None = None,
    run_as: tuple[int, int] | None = None,
) -> SubmissionResult:
    """Grade one notebook. Never raises for anything the submission does.

    With ``sandbox`` limits, the worker runs in the bwrap sandbox (grader/sandbox.py);
    without, as a plain child process (``grader check``, or ``--no-sandbox``): with
    ``run_as`` (uid, gid; the grader is root), as that unprivileged user
    (grader.execute.run_worker). ``run_as`` is ignored with a sandbox.
    """
    start = time.monotonic()
    points = dict(config.points)
    data, sha, problem = _read_notebook(sub.path)
    if problem:
        return _not_run(sub, sha, points, problem, problem, start)

    if sandbox is not None:
        run_as = None
    if scratch_root is None and (sandbox is not None or run_as is not None):
        scratch_root = default_scratch_root()
    scratch = Path(tempfile.mkdtemp(prefix="grader-", dir=scratch_root))
    job_dir = scratch / "job"
    try:
        limits = config.limits
        spec = JobSpec(exercises=NOTEBOOKS[sub.assignment], cell_timeout=limits.cell_timeout,
                       output_limit=limits.output_limit, startup_timeout=limits.startup_timeout,
                       speed=tuple(case_set.speed_cases), speed_timeout=config.speed.timeout)
        write_job(job_dir, data, spec,
                  {**case_set.cases, **{f"speed:{n}": [c] for n, c in case_set.speed_cases.items()}})
        command = None
        if sandbox is not None:
            prepare_job_dir(job_dir, sandbox)
            command = sandbox_command(job_dir, sandbox)
        worker = run(job_dir, limits.notebook_timeout, command, disk_limit=(sandbox or config.sandbox).job_bytes,
                     **({"run_as": run_as} if run_as is not None else {}))
        try:
            execution = read_execution(job_dir, limits.output_limit)
        except UntrustedFileError as exc:
            stopped = worker.timed_out or getattr(worker, "disk_exceeded", False)
            execution = {"fatal": None if stopped else f"the worker left no readable record ({exc})",
                         "truncated": False, "output": "", "cells": [], "exercises": {}}
        notes = _notes(execution, worker.timed_out, limits.notebook_timeout)
        if getattr(worker, "disk_exceeded", False):
            notes.insert(0, f"the notebook wrote more than {(sandbox or config.sandbox).job_mb} MB into its "
                            "folder (or too many files) and was stopped")
        cells = execution["cells"]
        statuses = execution["exercises"]

        results = []
        for name in NOTEBOOKS[sub.assignment]:
            try:
                record = read_outputs(job_dir, name)
                run_status = "ok"
            except UntrustedFileError as exc:
                record = None
                run_status = (statuses.get(name) or {}).get("status") or ("timeout" if worker.timed_out else "not_run")
                if run_status in ("ok", "harness_error"):
                    run_status = "unreadable"
                    notes.append(f"the results of {name} could not be read back: {exc}")
            try:
                results.append(judge_exercise(
                    name, case_set.cases[name], case_set.expected[name], record, run_status,
                    points[name], cells, case_set.reveal, case_set.gradients, case_set.diagnoser,
                    tolerance=(config.tolerance.rtol, config.tolerance.atol_scale)))
            except Exception as exc:  # noqa: BLE001 - a submission must never stop the class
                notes.append(f"the grader could not judge {name}: {type(exc).__name__}: {str(exc)[:200]}")
                results.append(ExerciseResult(name, "error", 0.0, float(points[name]),
                                              f"the grader could not judge the results of {name} "
                                              f"({type(exc).__name__}); see the notes"))
        if case_set.speed_cases:
            times = read_speed(job_dir, tuple(case_set.speed_cases))
            results = [apply_speed(r, times.get(r.exercise), case_set.speed_reference[r.exercise],
                                   case_set.speed_cases[r.exercise].label, execution.get("speed"), config.speed)
                       if r.exercise in case_set.speed_cases else r for r in results]
        return SubmissionResult(
            sub.student, sub.assignment, str(sub.path), sha, tuple(results),
            notes=tuple(notes),
            cell_errors=tuple(
                {"index": c["index"], "status": c["status"],
                 "error": c["error"] or {"ename": "", "evalue": "", "traceback": ""}}
                for c in cells if c["status"] in ("error", "timeout", "died"))[:NOTES_LIMIT],
            output=execution["output"],
            duration=time.monotonic() - start,
            execution_time=worker.duration,
        )
    finally:
        if sandbox is not None:
            remove_cgroups(job_dir)
        if not keep_scratch:
            remove_tree(scratch)
