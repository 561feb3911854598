"""Grading without the sandbox on Gradescope: the notebook runs as an unprivileged user.

Gradescope runs the autograder as root, in a container where bubblewrap often cannot
start. Without the sandbox (``[gradescope] sandbox = "auto"`` where it cannot run, or
``"off"``), the autograder, still root, first:

1. locks away, for root only, what the student must not see: the reference package
   ``solutions`` where it is imported from and its copy in ``ROOT/source`` (mode 0700),
   ``ROOT/source`` itself (0700, with the zip's ``course.toml``, 0600); takes group and
   other write from ``ROOT`` and ``ROOT/results``;
2. proves it: a short process started exactly as the worker will be (as
   ``[gradescope] fallback_user``/``fallback_group``, no supplementary groups, a clean
   environment) imports what the worker needs, then tries to read every locked file and
   to create a file in every folder it must not write (the results, the autograder's
   folder, the folders the grader imports from);
3. grades with the worker, and so the kernel, running as that user (``run_as``), or, if
   1 or 2 failed, grades nothing: 0, with a message telling the student to tell the
   instructor, and what went wrong on the standard output.

The hidden cases' expected outputs never leave the grader's process, as with the sandbox.
Modes are changed only under ``ROOT`` and in an installed environment (``site-packages``):
never in a source checkout, whose ``solutions`` stays as it is (the proof then fails if
the user can read it). Not root (a local trial): nothing is locked and the notebook runs as
this process's user, as ``grader grade --no-sandbox`` runs it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.config import CourseConfig
from grader.sandbox import SandboxUnavailable, scratch_root

__all__ = ["Fallback", "REFUSAL", "prepare_fallback", "reference_folders", "lock_away", "prove"]

REFUSAL = ("The autograder could not start its sandbox, nor make grading without it safe, so nothing was "
           "graded. This is not your fault: tell your instructor.")

#: Files and folders tried one by one (the locked folders themselves are always tried).
MAX_PROBED = 5000

#: Run as the unprivileged user, with the paths on standard input: what it can read or
#: write that it must not, and whether it can import what the worker imports.
PROBE = r"""
import json, os, sys
paths = json.load(sys.stdin)
found = []
for p in paths["unreadable"]:
    try:
        if os.path.isdir(p):
            os.listdir(p)
        else:
            with open(p, "rb") as f:
                f.read(1)
    except OSError:
        continue
    found.append("can read " + p)
for d in paths["unwritable"]:
    name = os.path.join(d, ".grader-probe-%d" % os.getpid())
    try:
        os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError:
        continue
    os.unlink(name)
    found.append("can write in " + d)
try:
    import grader.worker, numpy, nbclient, ipykernel
    cannot_run = ""
except BaseException as exc:
    cannot_run = "%s: %s" % (type(exc).__name__, exc)
print(json.dumps({"found": found, "cannot_run": cannot_run}))
"""


@dataclass(frozen=True)
class Fallback:
    """How the notebook runs without the sandbox.

    Attributes:
        run_as: the unprivileged (uid, gid) the worker runs as; None: as this process's
            own user (not root: a local trial).
        refusal: when not empty, nothing may be graded: the message for the student.
    """

    run_as: tuple[int, int] | None = None
    refusal: str = ""


def _below(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _installed(path: Path, root: Path) -> bool:
    """Whether the fallback may change ``path``'s mode: under the autograder's folder, or
    in an installed environment; never in a source checkout."""
    return _below(path, root) or "site-packages" in path.parts or "dist-packages" in path.parts


def reference_folders(root: Path) -> list[Path]:
    """Where the reference package is: where this process imports ``solutions`` from, and
    its copy in ``ROOT/source`` (resolved, without duplicates)."""
    spec = importlib.util.find_spec("solutions")
    places: list[str] = []
    if spec is not None:
        places += list(spec.submodule_search_locations or []) or ([spec.origin] if spec.origin else [])
    if (root / "source" / "solutions").exists():
        places.append(str(root / "source" / "solutions"))
    found: list[Path] = []
    for p in places:
        real = Path(os.path.realpath(p))
        if real.exists() and real not in found:
            found.append(real)
    return found


def _take_back(path: Path, uid: int) -> None:
    """Root takes ``path`` back from the unprivileged user (any other owner keeps it)."""
    if path.lstat().st_uid == uid:
        os.chown(path, 0, 0, follow_symlinks=False)


def lock_away(root: Path, config: CourseConfig, uid: int) -> tuple[list[Path], list[Path]]:
    """Step 1: lock away the reference, ``ROOT/source`` and the course configuration, and
    take write access to ``ROOT`` and ``ROOT/results`` from everyone but their owner.

    Returns:
        (what the user must not read, what it must not write), for :func:`prove`.

    Raises:
        OSError: a mode or an owner could not be changed.
    """
    secrets = [p for p in reference_folders(root) + [root / "source"] if p.exists()]
    if config.source is not None:
        secrets.append(Path(os.path.realpath(config.source)))
    for path in secrets:
        if _installed(path, root):
            _take_back(path, uid)
            os.chmod(path, 0o700 if path.is_dir() else 0o600)
    (root / "results").mkdir(exist_ok=True)
    closed = [root, root / "results"]
    for folder in closed:
        mode = stat.S_IMODE(folder.stat().st_mode)
        if not mode & stat.S_ISVTX:  # not a shared folder like /tmp: then the check refuses it
            _take_back(folder, uid)
            os.chmod(folder, mode & ~0o022)
    unreadable = list(secrets)  # each locked file and folder, then what is in them
    for path in secrets:
        if path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path):
                unreadable += [Path(dirpath) / n for n in dirnames + filenames]
                if len(unreadable) > MAX_PROBED:
                    break
    import grader

    imported = [Path(p) for p in sys.path if p and os.path.isdir(p)] + [Path(sys.executable).parent]
    for dirpath, _dirs, _files in os.walk(Path(grader.__file__).parent):  # the grader imports lazily
        imported.append(Path(dirpath))
    return list(dict.fromkeys(unreadable))[:MAX_PROBED], list(dict.fromkeys(closed + imported))


def prove(uid: int, gid: int, unreadable: list[Path], unwritable: list[Path]) -> list[str]:
    """Step 2: as ``uid``/``gid``, started as the worker is (grader.execute.as_user), try to
    read each of ``unreadable`` and to create a file in each of ``unwritable``, and import
    what the worker imports. Returns the problems: empty when it is safe to grade."""
    from grader.execute import as_user
    from grader.grade import remove_tree

    scratch = Path(tempfile.mkdtemp(prefix="grader-fallback-", dir=scratch_root()))
    try:
        job = scratch / "job"
        job.mkdir()
        try:
            user = as_user(job, uid, gid)
        except SandboxUnavailable as exc:
            return [str(exc).replace("the sandbox user", "the fallback user")]
        paths = {"unreadable": [str(p) for p in unreadable], "unwritable": [str(p) for p in unwritable]}
        try:
            proc = subprocess.run([sys.executable, "-c", PROBE], input=json.dumps(paths), capture_output=True,
                                  text=True, timeout=120, cwd=scratch, **user)
        except (OSError, subprocess.SubprocessError) as exc:
            return [f"cannot start a process as uid {uid}, gid {gid}: {exc}"]
        try:
            report = json.loads(proc.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            tail = (proc.stderr or "").strip().splitlines()
            return [f"the check as uid {uid} failed (exit {proc.returncode}): {tail[-1] if tail else 'no output'}"]
        problems = [f"uid {uid} {what}" for what in report["found"]]
        if report["cannot_run"]:
            problems.append(f"uid {uid} cannot run the worker with {sys.executable}: {report['cannot_run']}")
        return problems
    finally:
        remove_tree(scratch)


def prepare_fallback(root: Path, config: CourseConfig, euid: int | None = None) -> Fallback:
    """Before grading without the sandbox: lock away and prove (as root), or say that
    nothing is locked (not root). Prints what it did, for the instructor."""
    euid = os.geteuid() if euid is None else euid
    if euid != 0:
        print(f"fallback: not root (uid {euid}): the notebook runs as this user, and nothing is locked away "
              "(a local trial; on Gradescope the autograder is root)")
        return Fallback()
    uid, gid = config.gradescope.fallback_user, config.gradescope.fallback_group
    root = Path(os.path.realpath(root))
    try:
        unreadable, unwritable = lock_away(root, config, uid)
    except OSError as exc:
        problems = [f"could not lock the autograder's files away: {exc}"]
    else:
        problems = prove(uid, gid, unreadable, unwritable)
    if problems:
        shown = problems[:10] + ([f"... and {len(problems) - 10} more"] if len(problems) > 10 else [])
        print("fallback: nothing graded: without the sandbox, the notebook would run where it is not safe:")
        for p in shown:
            print(f"  {p}")
        return Fallback(refusal=REFUSAL)
    print(f"fallback: the notebook runs as uid {uid}, gid {gid}, who cannot read the reference, "
          f"{root / 'source'} or the course configuration, nor write {root / 'results'}")
    return Fallback(run_as=(uid, gid))
