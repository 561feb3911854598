"""``grader export gradescope``: the zip a Gradescope programming assignment is configured with.

One zip per assignment (a Gradescope assignment is one notebook). At its root, as
Gradescope's autograder specification asks:

* ``setup.sh``: run once, as root, when Gradescope builds the autograder's image (Ubuntu):
  installs bubblewrap, a Python of at least 3.11 if the image has none, and this project
  with its dependencies into ``/autograder/venv``;
* ``run_autograder``: run for every submission: ``python -m grader.gradescope`` for this
  assignment (:mod:`grader.gradescope.autograder`);
* ``course.toml``: the instructor's course configuration (the seed of the hidden cases,
  points, limits, ``[gradescope]``), or a file saying the defaults apply;
* the project, for ``pip install``: ``pyproject.toml``, the ``grader`` package and the
  reference package ``solutions`` (the autograder computes expected outputs from it on
  Gradescope's servers; neither it nor the seed ever reaches a student's kernel), and a
  ``README.md`` about the zip.

The zip is the same, byte for byte, for the same sources and configuration.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader.config import CourseConfig
from grader.exercises import NOTEBOOKS
from grader.grade import InstructorError

__all__ = ["Built", "SETUP_SH", "RUN_AUTOGRADER", "default_name", "zip_entries", "build_autograder",
           "build_autograders"]

#: Folder the zips go to when no ``-o`` is given.
DEFAULT_FOLDER = Path("dist")

_EPOCH = (1980, 1, 1, 0, 0, 0)

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu).
# Built by `grader export gradescope` (backprop-grader @VERSION@) for @ASSIGNMENT@.
set -euo pipefail

source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${AUTOGRADER_ROOT:-/autograder}"
venv="$root/venv"
export DEBIAN_FRONTEND=noninteractive

apt-get update -qq
# bubblewrap: the sandbox student code runs in; unshare and mount: to enter it as root
apt-get install -y -qq bubblewrap util-linux mount ca-certificates

python=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 \
     && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python="$(command -v "$candidate")"
    break
  fi
done
if [ -z "$python" ]; then  # Ubuntu 22.04's python3 is 3.10
  if ! apt-get install -y -qq python3.11 python3.11-venv; then
    apt-get install -y -qq software-properties-common
    add-apt-repository -y ppa:deadsnakes/ppa
    apt-get update -qq
    apt-get install -y -qq python3.11 python3.11-venv
  fi
  python="$(command -v python3.11)"
fi
version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  apt-get install -y -qq "python${version}-venv"
fi
echo "setup.sh: Python $version ($python)"

"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "$source_dir"
"$venv/bin/python" -c 'import grader, solutions, numpy, nbclient, ipykernel'
# whether the sandbox runs here (the image may be built where it does not); run_autograder
# decides again for every submission, as [gradescope] sandbox says
"$venv/bin/python" -c 'from grader.config import SandboxLimits; from grader.sandbox import check_sandbox; check_sandbox(SandboxLimits()); print("setup.sh: the bubblewrap sandbox runs here")' \
  || echo "setup.sh: the bubblewrap sandbox does not run here (see above)"
chmod +x "$source_dir/run_autograder"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission, as root, from /autograder.
# Built by `grader export gradescope` (backprop-grader @VERSION@) for @ASSIGNMENT@.
#   AUTOGRADER_ROOT    the folder holding source/, submission/ and results/ (default /autograder)
#   AUTOGRADER_PYTHON  the Python to grade with (default: the one setup.sh installed)
set -u
root="${AUTOGRADER_ROOT:-/autograder}"
python="${AUTOGRADER_PYTHON:-$root/venv/bin/python}"
results="$root/results/results.json"
cd "$root"
"$python" -m grader.gradescope --assignment @ASSIGNMENT@ --root "$root" --config "$root/source/course.toml"
status=$?
if [ ! -s "$results" ]; then  # the grader could not even start: say so rather than leave nothing
  mkdir -p "$root/results"
  printf '{"score": 0, "output": "The autograder could not start (exit status %s). This is not your fault: tell your instructor.", "output_format": "text", "tests": []}\n' "$status" > "$results"
fi
exit "$status"
"""

DEFAULT_COURSE_TOML = """\
# No course.toml was given to `grader export gradescope`: the defaults of
# backprop-grader @VERSION@ apply (docs/grading.md), as `grader grade` applies them.
"""

README = """\
# Gradescope autograder: @ASSIGNMENT@

Built by `grader export gradescope` (backprop-grader @VERSION@). Upload this zip as the
autograder of a Gradescope programming assignment whose students submit
`@ASSIGNMENT@.ipynb`. It holds the reference solutions and the course configuration
(the seed of the hidden cases): keep it away from students.

* `setup.sh` installs bubblewrap, Python >= 3.11 and this project (`pyproject.toml`,
  `grader/`, `solutions/`) into `/autograder/venv`;
* `run_autograder` grades `/autograder/submission/@ASSIGNMENT@.ipynb` (or the notebook
  found there) and writes `/autograder/results/results.json`;
* `course.toml` is the course configuration it grades with.

See docs/gradescope.md in the project.
"""


@dataclass(frozen=True)
class Built:
    """A zip written: its assignment, path and size in bytes."""

    assignment: str
    path: Path
    size: int


def default_name(assignment: str) -> str:
    return f"gradescope-{assignment}.zip"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("backprop-grader")
    except PackageNotFoundError:
        return "unknown"


def _project_files() -> list[tuple[str, Path]]:
    """(name in the zip, file) for ``pyproject.toml`` and every file of the ``grader`` and
    ``solutions`` packages (no caches, no hidden files), sorted.

    Raises:
        InstructorError: the packages are not in a source checkout (no pyproject.toml).
    """
    import grader
    import solutions

    root = Path(grader.__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file():
        raise InstructorError(f"grader export gradescope needs the project's source checkout, with its "
                              f"pyproject.toml; {root} has none")
    files = [("pyproject.toml", root / "pyproject.toml")]
    for package in (grader, solutions):
        top = Path(package.__file__).resolve().parent
        for path in top.rglob("*"):
            rel = path.relative_to(top)
            if (path.is_file() and "__pycache__" not in rel.parts and path.suffix not in (".pyc", ".pyo")
                    and not any(part.startswith(".") for part in rel.parts)):
                files.append((f"{package.__name__}/{rel.as_posix()}", path))
    return sorted(files)


def zip_entries(assignment: str, course_toml: str) -> list[tuple[str, bytes, int]]:
    """Every file of an assignment's zip: (name, bytes, mode), sorted by name."""
    fill = {"@ASSIGNMENT@": assignment, "@VERSION@": _version()}

    def text(template: str) -> bytes:
        for key, value in fill.items():
            template = template.replace(key, value)
        return template.encode("utf-8")

    entries = [
        ("setup.sh", text(SETUP_SH), 0o755),
        ("run_autograder", text(RUN_AUTOGRADER), 0o755),
        ("course.toml", course_toml.encode("utf-8"), 0o644),
        ("README.md", text(README), 0o644),
    ]
    entries += [(name, path.read_bytes(), 0o644) for name, path in _project_files()]
    return sorted(entries)


def _zip_bytes(entries: list[tuple[str, bytes, int]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.create_system = 3  # Unix: unzip restores the modes (run_autograder executable)
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def _write(path: Path, data: bytes) -> None:
    """Write a file whole or not at all.

    Raises:
        InstructorError: it cannot be written there.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:
        raise InstructorError(f"cannot write {path}: {exc.strerror or exc}") from None


def build_autograder(assignment: str, config: CourseConfig, path: Path) -> Built:
    """Write the autograder zip of one assignment to ``path``, with ``config``'s file as
    its course.toml (the defaults when it has none)."""
    if assignment not in NOTEBOOKS:
        raise InstructorError(f"unknown assignment {assignment!r}; known: {', '.join(NOTEBOOKS)}")
    if config.source is not None:
        course_toml = Path(config.source).read_text(encoding="utf-8")
    else:
        course_toml = DEFAULT_COURSE_TOML.replace("@VERSION@", _version())
    data = _zip_bytes(zip_entries(assignment, course_toml))
    _write(path, data)
    return Built(assignment, path, len(data))


def build_autograders(assignment: str | None, config: CourseConfig, output: Path | None) -> list[Built]:
    """``grader export gradescope``: one assignment's zip, or one per assignment.

    ``output`` is the zip with ``assignment`` when it ends in ``.zip``; otherwise a folder
    the zips go to, named ``gradescope-<assignment>.zip`` (default ``dist/``).

    Raises:
        InstructorError: an unknown assignment, a ``.zip`` output for every assignment,
            an output that cannot be written, no source checkout.
    """
    if assignment is not None and assignment not in NOTEBOOKS:
        raise InstructorError(f"unknown assignment {assignment!r}; known: {', '.join(NOTEBOOKS)}")
    output = output if output is not None else DEFAULT_FOLDER
    is_zip = output.suffix == ".zip"
    if assignment is None and is_zip:
        raise InstructorError(f"-o {output} names one zip, and there is one per assignment: give a folder, "
                              "or pass --assignment")
    if is_zip and output.is_dir():
        raise InstructorError(f"cannot write {output}: it is a folder")
    stems = [assignment] if assignment is not None else list(NOTEBOOKS)
    return [build_autograder(stem, config, output if is_zip else output / default_name(stem)) for stem in stems]
