"""Incremental grading: which notebooks must be graded again, and which stored grades stand.

A notebook's stored grade is reused when the bytes graded and everything that affects
grades are both unchanged. "Everything that affects grades" is summed up in one hash,
the **grader key** (:func:`grader_key`): the course configuration's effective values,
the package's version, the source of the ``grader`` and ``solutions`` packages, the
public and hidden case plans, and the versions of Python and numpy.

The decision itself (:func:`decide`) is a pure function of the file's hash, the current
grader key, the stored grade and ``--force``; the file system and the gradebook are read
at the edges (:func:`file_info`, :func:`grader_key`, ``gradebook.latest_grades``).
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from grader.config import CourseConfig
from grader.gradebook import StoredGrade
from grader.results import SubmissionResult

__all__ = ["FileInfo", "Decision", "REASONS", "decide", "reuse_at", "file_info", "grader_key", "source_files"]

#: Why a notebook is graded, or not: ``unchanged`` is the only reason to reuse.
REASONS = {
    "new": "not in the gradebook yet",
    "changed": "its bytes changed",
    "grader_changed": "the grader, the reference or the configuration changed",
    "not_stored": "the gradebook kept no result for it (an older gradebook)",
    "unreadable": "it could not be read",
    "forced": "unchanged, regraded because of --force",
    "unchanged": "unchanged: the stored grade is reused",
}

#: Files of the packages that make up the grader key.
_SOURCE_SUFFIXES = (".py", ".json")


@dataclass(frozen=True)
class FileInfo:
    """What the decision needs to know about a submitted file.

    Attributes:
        sha256: hash of its bytes ('' when it cannot be read).
        submitted_at: its modification time, ISO 8601 UTC (None when it cannot be read).
    """

    sha256: str
    submitted_at: str | None


@dataclass(frozen=True)
class Decision:
    """Grade a notebook, or reuse its stored result.

    Attributes:
        reason: a key of :data:`REASONS`.
        reuse: the stored result to reuse (only when ``reason == "unchanged"``).
    """

    reason: str
    reuse: SubmissionResult | None = None

    @property
    def grade(self) -> bool:
        return self.reuse is None

    @property
    def forced(self) -> bool:
        return self.reason == "forced"


def decide(sha256: str, key: str, stored: StoredGrade | None, force: bool) -> Decision:
    """Whether a notebook with hash ``sha256`` must be graded under grader key ``key``.

    Reused only when the gradebook has a result for it, graded from the same bytes with
    the same grader key, and ``force`` is off.
    """
    if not sha256:
        return Decision("unreadable")
    if stored is None:
        return Decision("new")
    if stored.sha256 != sha256:
        return Decision("changed")
    if stored.result is None:
        return Decision("not_stored")
    if stored.grader_key != key:
        return Decision("grader_changed")
    if force:
        return Decision("forced")
    return Decision("unchanged", stored.result)


def reuse_at(result: SubmissionResult, path: Path) -> SubmissionResult:
    """A stored result, as the result of the same bytes found at ``path`` now."""
    return result if result.path == str(path) else replace(result, path=str(path))


def file_info(path: Path, chunk: int = 1 << 20) -> FileInfo:
    """The hash and modification time of a submitted file (read in chunks: any size)."""
    try:
        with open(path, "rb") as f:
            stat = Path(path).stat()
            h = hashlib.sha256()
            while block := f.read(chunk):
                h.update(block)
    except OSError:
        return FileInfo("", None)
    when = datetime.fromtimestamp(stat.st_mtime, timezone.utc).isoformat(timespec="seconds")
    return FileInfo(h.hexdigest(), when)


def source_files() -> list[tuple[str, Path]]:
    """The files of the ``grader`` and ``solutions`` packages that the grader key hashes,
    as (name inside the package, path), sorted."""
    import grader
    import solutions

    files = []
    for package in (grader, solutions):
        root = Path(package.__file__).resolve().parent
        files += sorted((f"{package.__name__}/{p.relative_to(root).as_posix()}", p) for p in root.rglob("*")
                        if p.suffix in _SOURCE_SUFFIXES and p.is_file() and "__pycache__" not in p.parts)
    return files


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("backprop-grader")
    except PackageNotFoundError:
        return "unknown"


def grader_key(config: CourseConfig, sandboxed: bool) -> str:
    """A hash of everything that affects a grade: when it changes, every notebook is regraded.

    It covers the configuration's effective values (seed, points, limits, sandbox limits,
    tolerance, and whether the sandbox is used), the package version, the bytes of every source
    file of ``grader`` and ``solutions``, the public and hidden case plans, and the
    versions of Python and numpy. The Canvas roster and the output folder are not in it.
    """
    import numpy

    from grader.cases import HIDDEN_PLAN, PUBLIC_PLAN

    settings = {
        "seed": config.seed,
        "points": {k: float(v) for k, v in sorted(config.points.items())},
        "limits": asdict(config.limits),
        "sandbox": asdict(config.sandbox),
        "tolerance": asdict(config.tolerance),
        "sandboxed": bool(sandboxed),
        "version": _version(),
        "python": list(sys.version_info[:2]),
        "numpy": numpy.__version__,
        "public_plan": repr(sorted(PUBLIC_PLAN.items())),
        "hidden_plan": repr(sorted(HIDDEN_PLAN.items())),
    }
    h = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    for name, path in source_files():
        data = path.read_bytes()
        h.update(f"\0{name}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()
