"""What ``run_autograder`` runs in Gradescope's container, for one submission.

``python -m grader.gradescope --assignment STEM [--root /autograder] [--config FILE]``:

1. find the student's notebook in ``ROOT/submission`` (:func:`find_notebook`): the file
   named like the assignment, else the first notebook, with a note saying so; none is
   graded 0 on every exercise with a message;
2. decide where it runs (``[gradescope] sandbox``): in the bubblewrap sandbox when it can
   run in the container, else, with ``auto``, without it (the container holds this one
   submission and is thrown away), saying so in the output; without it, as root, the
   reference, the source and the course configuration are locked away and the notebook
   runs as an unprivileged user (:mod:`grader.gradescope.fallback`), or nothing is graded;
3. grade it as ``grader grade`` does: hidden cases from the course seed, expected
   outputs from the reference, gradient checks, findings (``grader.grade``);
4. write ``ROOT/results/results.json`` (:mod:`grader.gradescope.results`), and a summary
   on standard output, which Gradescope shows the instructor only.

Whatever goes wrong, a results.json is written: a problem with the submission is graded
and explained, a failure of the autograder itself gives 0 with a message telling the
student to tell the instructor (and the traceback on standard output).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Callable

from grader.config import CourseConfig, SandboxLimits, load_config
from grader.exercises import NOTEBOOKS
from grader.gradescope.fallback import Fallback, prepare_fallback
from grader.gradescope.results import results_json, ungraded
from grader.results import SubmissionResult
from grader.sandbox import SandboxUnavailable, check_sandbox

__all__ = ["DEFAULT_ROOT", "find_notebook", "sandbox_for", "grade_in_container", "main"]

DEFAULT_ROOT = Path("/autograder")

#: Entries looked at in a submission before giving up (a submission may be a whole repository).
MAX_ENTRIES = 10_000


def _notebooks(folder: Path) -> list[Path]:
    """The notebooks under ``folder``, shallowest first, then by name; no hidden files or
    folders (``.ipynb_checkpoints``), no symbolic links."""
    found, seen = [], 0
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__MACOSX")
        seen += len(dirnames) + len(filenames)
        for name in filenames:
            path = Path(dirpath) / name
            if name.endswith(".ipynb") and not name.startswith(".") and not path.is_symlink() and path.is_file():
                found.append(path)
        if seen > MAX_ENTRIES:
            break
    return sorted(found, key=lambda p: (len(p.relative_to(folder).parts), p.as_posix()))


def find_notebook(folder: Path, assignment: str) -> tuple[Path | None, str]:
    """The notebook to grade in a submission folder, and a note for the student.

    ``ASSIGNMENT.ipynb`` (the shallowest, should there be several) with no note; else a
    file whose name starts with the stem (``01_deep_nn_backward (1).ipynb``); else the
    first notebook, with a note naming it. None, with the message, when there is none.
    """
    from grader.grade import match_assignment

    expected = f"{assignment}.ipynb"
    notebooks = _notebooks(folder) if folder.is_dir() else []
    if not notebooks:
        others = sorted(p.name for p in folder.iterdir())[:5] if folder.is_dir() else []
        held = f" Your submission holds: {', '.join(others)}." if others else " Your submission is empty."
        return None, f"No notebook found in your submission: upload your {expected}.{held}"
    for p in notebooks:
        if p.name == expected:
            return p, ""
    chosen = next((p for p in notebooks if match_assignment(p.name) == assignment), notebooks[0])
    rel = chosen.relative_to(folder).as_posix()
    note = f"Graded {rel}: no file is named {expected}."
    other_stem = match_assignment(chosen.name)
    if other_stem is not None and other_stem != assignment:
        note += (f" That notebook is named like {other_stem}.ipynb, another assignment: did you upload it "
                 "to the right one?")
    if len(notebooks) > 1:
        rest = [p.relative_to(folder).as_posix() for p in notebooks if p != chosen]
        note += f" Also found, not graded: {', '.join(rest[:5])}{', ...' if len(rest) > 5 else ''}."
    return chosen, note


def sandbox_for(config: CourseConfig, check: Callable[[SandboxLimits], None] = check_sandbox
                ) -> tuple[SandboxLimits | None, str, str]:
    """Where the notebook runs: (sandbox limits or None, a note for the student, a
    refusal). The refusal is a message when ``sandbox = "required"`` and the sandbox
    cannot run here: then nothing is graded."""
    mode = config.gradescope.sandbox
    if mode == "off":
        return None, "", ""
    try:
        check(config.sandbox)
    except SandboxUnavailable as exc:
        print(f"sandbox: unavailable ({exc})")
        if mode == "required":
            return None, "", ("The autograder could not start its sandbox, which this course requires, so "
                              "nothing was graded. This is not your fault: tell your instructor.")
        return None, "Graded without the bubblewrap sandbox, which cannot run in this container.", ""
    return config.sandbox, "", ""


#: The rest of the note when the notebook ran without the sandbox: as an unprivileged user
#: (the autograder is root, as on Gradescope), or as the autograder's own user.
UNPRIVILEGED = (" Your notebook ran as an unprivileged user, who cannot read the reference solutions or the "
                "course configuration, alone in a container that is thrown away after grading.")
AS_IS = " The container runs your submission alone."


def grade_in_container(root: Path, assignment: str, config: CourseConfig,
                       check: Callable[[SandboxLimits], None] = check_sandbox,
                       fallback: Callable[[Path, CourseConfig], Fallback] = prepare_fallback) -> dict:
    """Grade the submission under ``root/submission``: the results.json's content.

    ``check`` says whether the sandbox runs here; ``fallback`` prepares grading without it
    (:func:`grader.gradescope.fallback.prepare_fallback`)."""
    from grader.grade import Submission, grade_submission, hidden_case_set

    start = time.monotonic()
    settings = config.gradescope
    path, note = find_notebook(root / "submission", assignment)
    if path is None:
        print(f"submission: {note}")
        return results_json(ungraded(assignment, config, note), settings, (), time.monotonic() - start)
    print(f"submission: {path}")
    limits, sandbox_note, refusal = sandbox_for(config, check)
    if refusal:
        return results_json(ungraded(assignment, config, refusal), settings, [note] if note else [],
                            time.monotonic() - start)
    run_as = None
    if limits is None:
        chosen = fallback(root, config)
        if chosen.refusal:
            return results_json(ungraded(assignment, config, chosen.refusal), settings, [note] if note else [],
                                time.monotonic() - start)
        run_as = chosen.run_as
        if sandbox_note:
            sandbox_note += UNPRIVILEGED if run_as is not None else AS_IS
    where = "bubblewrap" if limits is not None else "none" + (f" (uid {run_as[0]})" if run_as else "")
    print(f"sandbox: {where}")
    result = grade_submission(Submission("submission", assignment, path), hidden_case_set(assignment, config),
                              config, sandbox=limits, run_as=run_as)
    _print_summary(result)
    notes = [n for n in (note, sandbox_note) if n]
    return results_json(result, settings, notes, time.monotonic() - start)


def _print_summary(result: SubmissionResult) -> None:
    """For the instructor (Gradescope's stdout): one line per exercise, then the notes."""
    print(f"score: {result.score:g} of {result.max_score:g}")
    for e in result.exercises:
        print(f"  {e.exercise:<28} {e.score:>6g} / {e.max_score:<4g} {e.status}")
    for n in result.notes:
        print(f"  note: {n}")


def _failure(exc: BaseException, elapsed: float) -> dict:
    return {
        "score": 0.0,
        "execution_time": round(elapsed),
        "output": (f"The autograder failed ({type(exc).__name__}) before it could grade your notebook. This is "
                   "not your fault: tell your instructor, who can see what went wrong."),
        "output_format": "text",
        "stdout_visibility": "hidden",
        "tests": [],
    }


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    """Grade one submission and write results.json. Exit 0, or 1 when the autograder
    itself failed (results.json then says so)."""
    parser = argparse.ArgumentParser(prog="python -m grader.gradescope",
                                     description="Grade a Gradescope submission (run by run_autograder).")
    parser.add_argument("--assignment", required=True, choices=list(NOTEBOOKS))
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT,
                        help="Gradescope's folder holding submission/ and results/ (default: /autograder)")
    parser.add_argument("--config", type=Path, help="the course configuration (default: the defaults)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    results = args.root / "results" / "results.json"
    try:
        config = load_config(args.config) if args.config is not None else CourseConfig()
        data = grade_in_container(args.root, args.assignment, config)
        status = 0
    except Exception as exc:  # noqa: BLE001 - a results.json must be written whatever happens
        traceback.print_exc(file=sys.stdout)
        data, status = _failure(exc, time.monotonic() - start), 1
    _write(results, data)
    print(f"wrote {results}: score {data['score']:g}")
    return status
