"""``make release``: the student bundle, a zip with what a student needs and nothing more.

``python -m grader.release [--out dist] [--version V] [--config course.toml]`` writes
``dist/backprop-course-<version>.zip``, one folder holding:

* ``assignments/<notebook>.ipynb`` - the three notebooks, as they are in the checkout
  (blank exercises);
* ``grader/`` - the modules ``grader check`` and the self-check cells need
  (:data:`STUDENT_MODULES`, an allow-list), the public cases, and the grading profile
  (``grader/data/grading_profile.json``, grader/parity.py) written from the course
  configuration and this environment;
* ``pyproject.toml`` - an installable package, ``backprop-course``, whose ``grader``
  command is ``grader check`` only (grader/student_cli.py);
* ``README.md`` - how to install and use it; ``MANIFEST.json`` - every other file with
  its size and SHA-256.

The build refuses, with one line and exit status 2 (:class:`ReleaseError`), when what it
would ship is not closed or not clean: a shipped module that imports a module left out
(:func:`import_problems`), or a file holding an import of the reference package, the
hidden cases' seed, the hidden-case plan, the mistakes catalog or a graded function's
solved code (:func:`scan`). The zip is deterministic: sorted entries, fixed timestamps
and permissions, so that two builds of the same tree are byte-identical.
Documented in docs/release.md.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import io
import json
import os
import re
import sys
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader.config import ConfigError, CourseConfig, load_config
from grader.exercises import EXERCISES, NOTEBOOKS

__all__ = ["DIST_NAME", "STUDENT_MODULES", "STUDENT_DATA", "INSTRUCTOR_ONLY", "STUDENT_REQUIREMENTS", "ReleaseError",
           "BundleFile", "Secrets", "release_version", "student_sources", "import_problems", "course_secrets",
           "scan", "grading_profile_for", "build_bundle", "manifest", "write_zip", "release", "main"]

#: The distribution name of the student bundle, and the stem of its zip.
DIST_NAME = "backprop-course"

#: The modules a student's bundle ships: the closure of ``grader check``
#: (student_cli -> check -> grade -> worker, harness, judge, findings...) and of the
#: notebooks' self-check cells (selfcheck) and gradient-check library (gradcheck).
STUDENT_MODULES: tuple[str, ...] = tuple(f"grader/{m}.py" for m in (
    "__init__", "__main__", "case", "check", "checking", "codec", "compare", "config", "execute", "exercises",
    "findings", "forkkernel", "gradcheck", "grade", "harness", "job", "jobspec", "judge", "parity", "results",
    "sandbox", "selfcheck", "speed", "student_cli", "terminal", "worker",
))

#: Data files shipped as they are.
STUDENT_DATA: tuple[str, ...] = ("grader/data/public_cases.json",)

#: Modules a shipped module may import only inside a function or under ``except
#: ImportError``: the instructor's side, reached only when grading (or never in a bundle).
INSTRUCTOR_ONLY: tuple[str, ...] = (
    "grader.cli", "grader.cases", "grader.hidden", "grader.reference", "grader.mistakes",
    "grader.mutants", "grader.author", "grader.run", "grader.cluster", "grader.gradebook", "grader.incremental",
    "grader.export", "grader.outputs", "grader.render", "grader.release", "grader.sandbox_enter",
)

#: Third-party modules shipped code may import, and the requirement that installs each.
STUDENT_IMPORTS: dict[str, str] = {
    "numpy": "numpy", "nbformat": "nbformat", "nbclient": "nbclient", "jupyter_client": "nbclient",
    "ipykernel": "ipykernel", "psutil": "psutil", "rich": "rich", "matplotlib": "matplotlib",
}

#: The bundle's requirements, with their version specifiers taken from pyproject.toml.
STUDENT_REQUIREMENTS: tuple[str, ...] = ("numpy", "nbformat", "nbclient", "ipykernel", "matplotlib", "psutil", "rich")

PROFILE_PATH = "grader/data/grading_profile.json"
_EPOCH = (1980, 1, 1, 0, 0, 0)
_START = re.compile(r"^\s*### START CODE HERE ###")
_END = re.compile(r"^\s*### END CODE HERE ###")
_SOLUTIONS_IMPORT = re.compile(r"(?<![\w.])(import\s+solutions\b|from\s+solutions(\.\w+)*\s+import\b)")
_PLAN_DEFINITION = re.compile(r"\b(HIDDEN_PLAN|SPEED_PLAN)\s*(:[^=\n]*)?=(?!=)")
_VERSION = re.compile(r"\d+(\.\d+)*([a-z]+\d+)?(\.post\d+)?(\.dev\d+)?")
#: A plan entry or catalog text found this many times in one file means the file holds it.
_PLAN_HITS = 2
_CATALOG_HITS = 3
#: Seeds with fewer digits than this cannot be told from other numbers in a file.
_MIN_SEED_DIGITS = 5


class ReleaseError(Exception):
    """The bundle cannot be built, or would ship what it must not (exit status 2)."""


@dataclass(frozen=True)
class BundleFile:
    """One file of the bundle: its path inside the bundle's folder, and its bytes."""

    path: str
    data: bytes


@dataclass(frozen=True)
class Secrets:
    """What no bundle file may hold (see :func:`course_secrets`).

    Attributes:
        seeds: the hidden cases' seeds (the default and the course's), as text.
        solved: per graded function, its solved blocks, each a tuple of normalized lines.
        plan_entries: the hidden and speed plans' entries, normalized.
        catalog: the mistakes catalog's titles and hints, normalized.
    """

    seeds: tuple[str, ...]
    solved: dict[str, tuple[tuple[str, ...], ...]]
    plan_entries: tuple[str, ...]
    catalog: tuple[str, ...]


# --- what ships -----------------------------------------------------------------------

def release_version(root: Path) -> str:
    """The project's version in ``root/pyproject.toml``."""
    try:
        return str(tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError) as exc:
        raise ReleaseError(f"cannot read the version in {root / 'pyproject.toml'}: {exc}") from None


def student_sources(root: Path) -> list[str]:
    """The checkout's files that ship as they are (paths relative to ``root``), sorted:
    the allow-listed modules and data, and the notebooks of :data:`NOTEBOOKS`."""
    paths = [*STUDENT_MODULES, *STUDENT_DATA, *(f"assignments/{stem}.ipynb" for stem in NOTEBOOKS)]
    missing = [p for p in paths if not (root / p).is_file()]
    if missing:
        raise ReleaseError(f"{root / missing[0]} does not exist"
                           + (f" (and {len(missing) - 1} more shipped files)" if len(missing) > 1 else ""))
    return sorted(paths)


def _module_of(path: str) -> str:
    return path[: -len(".py")].replace("/", ".").removesuffix(".__init__")


def _guarded(handlers: list[ast.ExceptHandler]) -> bool:
    """Whether an ``except`` clause catches a failed import."""
    names = set()
    for h in handlers:
        if h.type is None:
            return True
        for t in (h.type.elts if isinstance(h.type, ast.Tuple) else [h.type]):
            names.add(t.id if isinstance(t, ast.Name) else getattr(t, "attr", ""))
    return bool(names & {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _imports(tree: ast.AST) -> list[tuple[str, int, bool, bool]]:
    """Every import in a module: (module, line, in a function, under ``except ImportError``).
    ``from grader import x`` counts as importing ``grader.x``."""
    found = []

    def visit(node: ast.AST, in_function: bool, guarded: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend((a.name, node.lineno, in_function, guarded) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"grader.{a.name}" for a in node.names] if node.module == "grader" else [node.module]
            found.extend((n, node.lineno, in_function, guarded) for n in names)
        if isinstance(node, ast.Try) and _guarded(node.handlers):
            for child in node.body:
                visit(child, in_function, True)
            for child in [*node.handlers, *node.orelse, *node.finalbody]:
                visit(child, in_function, guarded)
            return
        inner = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            visit(child, inner, guarded)

    visit(tree, False, False)
    return found


def _notebook_code(data: bytes) -> str:
    nb = json.loads(data.decode("utf-8"))
    cells = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    return "\n".join("".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells)


def import_problems(files: dict[str, bytes]) -> list[str]:
    """What the shipped code (modules and notebooks) imports that the bundle lacks.

    A ``grader`` module must be shipped, or be on the instructor's side
    (:data:`INSTRUCTOR_ONLY`) and imported only inside a function or under ``except
    ImportError``; the reference package must not be imported at all; a third-party
    module must be installed by the bundle (:data:`STUDENT_IMPORTS`) or be optional.
    ``files``: bundle path -> bytes.
    """
    shipped = {_module_of(p) for p in files if p.endswith(".py")}
    stdlib = set(sys.stdlib_module_names)
    problems = []
    for path, data in sorted(files.items()):
        if path.endswith(".py"):
            source = data.decode("utf-8")
        elif path.endswith(".ipynb"):
            source = _notebook_code(data)
        else:
            continue
        try:
            tree = ast.parse(source, filename=path)
        except SyntaxError as exc:
            if path.endswith(".ipynb"):
                continue  # IPython syntax (a magic): its imports show when it runs
            raise ReleaseError(f"{path}: not valid Python ({exc.msg}, line {exc.lineno})") from None
        for module, line, in_function, guarded in _imports(tree):
            top = module.split(".")[0]
            if top == "solutions":
                problems.append(f"{path}:{line} imports the reference package")
            elif top == "grader" and module != "grader" and module not in shipped:
                instructor = any(module == m or module.startswith(m + ".") for m in INSTRUCTOR_ONLY)
                if not instructor:
                    problems.append(f"{path}:{line} imports {module}, which the bundle does not ship (add it to "
                                    "STUDENT_MODULES in grader/release.py, or to INSTRUCTOR_ONLY if only grading "
                                    "reaches it)")
                elif not (in_function or guarded):
                    problems.append(f"{path}:{line} imports {module}, the instructor's side, when it loads")
            elif top not in stdlib and top != "grader" and top not in STUDENT_IMPORTS and not guarded:
                problems.append(f"{path}:{line} imports {top}, which the bundle does not install")
    return problems


# --- what must not ship ----------------------------------------------------------------

def _normalize(line: str) -> str:
    """A line of code without its comment and without any whitespace ("" for none)."""
    s = line.strip()
    if not s or s.startswith("#"):
        return ""
    return re.sub(r"\s+", "", re.sub(r"\s+#.*$", "", s))


def solved_blocks(source: str) -> tuple[tuple[str, ...], ...]:
    """The START/END CODE blocks of a reference function's source, each as normalized lines."""
    blocks, current = [], None
    for line in source.splitlines():
        if _START.match(line):
            current = []
        elif _END.match(line) and current is not None:
            if any(current):
                blocks.append(tuple(x for x in current if x))
            current = None
        elif current is not None:
            current.append(_normalize(line))
    return tuple(blocks)


def _reference_functions(root: Path) -> dict[str, str]:
    """The source of every graded function defined in ``root/solutions/*.py``."""
    out = {}
    for path in sorted((root / "solutions").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        try:
            tree = ast.parse(text)
        except SyntaxError as exc:
            raise ReleaseError(f"{path}: not valid Python ({exc.msg}, line {exc.lineno})") from None
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name in EXERCISES:
                out[node.name] = ast.get_source_segment(text, node) or ""
    return out


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).replace('"', "'")


def course_secrets(root: Path, config: CourseConfig) -> Secrets:
    """What the bundle must not hold: the hidden seeds, the solved code of every graded
    function (read from ``root/solutions``), the hidden and speed plans, the catalog."""
    from grader.cases import DEFAULT_SEED, HIDDEN_PLAN, SPEED_PLAN
    from grader.mistakes import all_mistakes

    seeds = tuple(sorted({str(abs(s)) for s in (DEFAULT_SEED, config.seed)
                          if isinstance(s, int) and len(str(abs(s))) >= _MIN_SEED_DIGITS}))
    references = _reference_functions(root)
    unknown = sorted(set(EXERCISES) - set(references))
    if unknown:
        raise ReleaseError(f"{root / 'solutions'} defines no {unknown[0]}: cannot tell its solved code to keep it out")
    solved = {name: solved_blocks(src) for name, src in sorted(references.items())}
    entries = [entry for plan in (HIDDEN_PLAN, {k: [v] for k, v in SPEED_PLAN.items()}) for cases in plan.values()
               for entry in cases]
    plan_entries = tuple(sorted({_squash(repr(e)) for e in entries if len(re.findall(r"\d+", repr(e))) >= 3}))
    catalog = tuple(sorted({_squash(t) for m in all_mistakes() for t in (m.title, m.hint) if len(_squash(t)) >= 20}))
    return Secrets(seeds, solved, plan_entries, catalog)


def _contains_run(lines: list[str], block: tuple[str, ...]) -> bool:
    k = len(block)
    return any(tuple(lines[i:i + k]) == block for i in range(len(lines) - k + 1))


def _sources(notebook: str) -> list[str]:
    """The source of every cell of a notebook's JSON text (none if it is not one)."""
    try:
        cells = json.loads(notebook).get("cells", [])
    except (ValueError, AttributeError):
        return []
    return ["".join(c.get("source", "")) if isinstance(c.get("source"), list) else str(c.get("source", ""))
            for c in cells if isinstance(c, dict)]


def _code_units(path: str, text: str) -> list[list[str]]:
    """The file's code as lists of normalized lines: one per notebook cell, else one."""
    sources = _sources(text) if path.endswith(".ipynb") else [text]
    return [[n for n in map(_normalize, s.splitlines()) if n] for s in sources]


def scan(path: str, data: bytes, secrets: Secrets) -> list[str]:
    """Why a file must not ship (empty: it may)."""
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError:
        return [f"{path} is not text: the bundle ships only text files"]
    text = raw + "\n" + "\n".join(_sources(raw)) if path.endswith(".ipynb") else raw  # the cells without escapes
    problems = []
    m = _SOLUTIONS_IMPORT.search(text)
    if m:
        problems.append(f"{path} imports the reference package ({m.group(0)!r})")
    for seed in secrets.seeds:
        if re.search(rf"(?<![\w.]){seed}(?![\w.])", text):
            problems.append(f"{path} holds the hidden cases' seed")
    if _PLAN_DEFINITION.search(text):
        problems.append(f"{path} defines the hidden-case plan")
    squashed = _squash(text)
    if sum(e in squashed for e in secrets.plan_entries) >= _PLAN_HITS:
        problems.append(f"{path} holds entries of the hidden-case plan")
    if sum(t in squashed for t in secrets.catalog) >= _CATALOG_HITS:
        problems.append(f"{path} holds the mistakes catalog (its titles and hints)")
    units = _code_units(path, raw)
    for name, blocks in secrets.solved.items():
        whole = blocks and all(any(_contains_run(u, b) for u in units) for b in blocks)
        windows = any(_contains_run(u, b[i:i + 3]) for b in blocks if len(b) >= 3 for i in range(len(b) - 2)
                      for u in units)
        if whole or windows:
            problems.append(f"{path} holds the solved code of {name}")
    return problems


# --- generated files -------------------------------------------------------------------

def grading_profile_for(root: Path, config: CourseConfig, version: str):
    """The grading profile the bundle carries (grader/parity.py): the configuration's
    tolerance and declared versions (else this environment's), the public seed, the release."""
    from grader.parity import local_profile

    try:
        seed = json.loads((root / "grader/data/public_cases.json").read_text(encoding="utf-8")).get("seed")
    except (OSError, ValueError) as exc:
        raise ReleaseError(f"cannot read the public cases: {exc}") from None
    return local_profile(config, seed if isinstance(seed, int) else None, version, f"release {version}")


def _requirements(root: Path) -> list[str]:
    deps = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"].get("dependencies", [])
    by_name = {re.split(r"[\s<>=!~\[;]", d, 1)[0].lower(): d for d in deps}
    missing = [r for r in STUDENT_REQUIREMENTS if r not in by_name]
    if missing:
        raise ReleaseError(f"{root / 'pyproject.toml'} does not require {missing[0]}, which the bundle needs")
    return [by_name[r] for r in STUDENT_REQUIREMENTS]


def _pyproject(version: str, requirements: list[str]) -> str:
    deps = "".join(f'    "{r}",\n' for r in requirements)
    return f'''[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "{DIST_NAME}"
version = "{version}"
description = "Backpropagation course: the notebooks and the grader check command for students."
readme = "README.md"
requires-python = ">=3.11"
dependencies = [
{deps}]

[project.optional-dependencies]
lab = ["jupyterlab>=4"]

[project.scripts]
grader = "grader.student_cli:main"

[tool.setuptools]
packages = ["grader"]

[tool.setuptools.package-data]
grader = ["data/*.json"]
'''


def _readme(version: str, profile) -> str:
    folder = f"{DIST_NAME}-{version}"
    rows = "".join(f"| `assignments/{stem}.ipynb` | {', '.join(f'`{n}`' for n in names)} |\n"
                   for stem, names in NOTEBOOKS.items())
    first = next(iter(NOTEBOOKS))
    return f"""# Backpropagation course, release {version}

Three Jupyter notebooks that teach the backward pass, and `grader check`, which checks
your notebook on the public cases before you submit it.

| notebook | you write |
| --- | --- |
{rows}
## Install

You need Python 3.11 or newer. In a terminal:

```sh
unzip {folder}.zip
cd {folder}
python3 -m venv .venv
source .venv/bin/activate
pip install ".[lab]"               # the grader check command and JupyterLab
# or: pip install .                # the command only, if you have Jupyter already
```

Grading uses Python {profile.python} and numpy {profile.numpy}. To get exactly the same
numpy (optional; `grader check` warns you when yours differs in a way that matters):

```sh
pip install "numpy=={profile.numpy}"
```

## Work

```sh
jupyter lab assignments/
```

Fill in the code between `### START CODE HERE ###` and `### END CODE HERE ###`, run the
cell, then the self-check cell under it: it says whether the exercise passes the public
checks, and if not, what is wrong.

## Check before you submit

```sh
grader check assignments/{first}.ipynb
grader check assignments/{first}.ipynb --json     # the same, as JSON
```

It runs your notebook in a fresh kernel, prints one line per exercise and what is wrong,
and exits 0 only when every exercise passes. The grade itself comes from other, hidden
cases: passing the public checks is necessary, not sufficient.

## Parity warnings

`grader check` ends with the environment it ran in (Python, numpy, float64, the
tolerances, the seed of the public cases) and compares it with the grading profile
installed with this bundle (`grader/data/grading_profile.json`). When they differ it
warns, for example:

```
your numpy is 2.1.3; grading uses {profile.numpy}: results can differ in the last digits, ...
```

* **Python or numpy** differ in their major or minor version: a result can differ in its
  last digits, and code that runs with one version may fail with the other. Install the
  versions the warning names.
* **rtol or atol_scale** differ: grading compares your outputs with another tolerance
  than this check; the warning says which is stricter.
* **public seed or release** differ (with `--profile FILE`, a newer profile from your
  instructor): your copy of the course is not the one being graded; install the new
  release.

A warning does not change the result of the check.

## What is here

`assignments/` holds the notebooks, `grader/` the checking code and the public cases,
`MANIFEST.json` every file with its SHA-256. `grader check` is the only command: grading
itself happens on your instructor's side.
"""


def manifest(files: list[BundleFile], version: str) -> BundleFile:
    """``MANIFEST.json``: every other file of the bundle with its size and SHA-256."""
    entries = [{"path": f.path, "size": len(f.data), "sha256": hashlib.sha256(f.data).hexdigest()}
               for f in sorted(files, key=lambda f: f.path)]
    data = {"name": DIST_NAME, "release": version, "files": entries}
    return BundleFile("MANIFEST.json", (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())


def build_bundle(root: Path, config: CourseConfig, version: str) -> list[BundleFile]:
    """Every file of the bundle, sorted by path; raises ReleaseError on anything that
    must not ship, with every problem found (the first in the message)."""
    if not _VERSION.fullmatch(version):
        raise ReleaseError(f"{version!r} is not a version (e.g. 0.1.0 or 2026.1)")
    sources = {p: (root / p).read_bytes() for p in student_sources(root)}
    profile = grading_profile_for(root, config, version)
    generated = {
        "pyproject.toml": _pyproject(version, _requirements(root)).encode(),
        "README.md": _readme(version, profile).encode(),
        PROFILE_PATH: (json.dumps(profile.to_dict(source=False), indent=2, sort_keys=True) + "\n").encode(),
    }
    files = {**sources, **generated}
    problems = import_problems(files)
    secrets = course_secrets(root, config)
    for path, data in sorted(files.items()):
        problems += scan(path, data, secrets)
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise ReleaseError(f"refusing to build the bundle: {problems[0]}{more}")
    bundle = [BundleFile(p, d) for p, d in sorted(files.items())]
    return sorted([*bundle, manifest(bundle, version)], key=lambda f: f.path)


def write_zip(files: list[BundleFile], dest: Path, folder: str) -> None:
    """Write the files under ``folder/`` into the zip ``dest``: sorted, fixed timestamps
    and permissions, written atomically, so the same files give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for f in sorted(files, key=lambda f: f.path):
            info = zipfile.ZipInfo(f"{folder}/{f.path}", date_time=_EPOCH)
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, f.data, compresslevel=9)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(buffer.getvalue())
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would keep it from whoever hands it out
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def release(root: Path, out: Path, config_path: Path | None = None,
            version: str | None = None) -> tuple[Path, list[BundleFile]]:
    """Build the bundle of the checkout at ``root`` into ``out``; return the zip's path
    and its files. ``config_path``: the course configuration (default: root/course.toml
    if present)."""
    if config_path is None and (root / "course.toml").is_file():
        config_path = root / "course.toml"
    try:
        config = load_config(config_path) if config_path is not None else CourseConfig()
    except ConfigError as exc:
        raise ReleaseError(str(exc)) from None
    version = version or release_version(root)
    files = build_bundle(root, config, version)
    dest = out / f"{DIST_NAME}-{version}.zip"
    write_zip(files, dest, f"{DIST_NAME}-{version}")
    return dest, files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.release",
                                     description="Build the student bundle: the notebooks, the public checks and "
                                                 "the grader check command, without the reference or hidden cases.")
    parser.add_argument("--out", type=Path, default=Path("dist"), help="output folder (default: dist)")
    parser.add_argument("--version", help="the release's version (default: the project's, in pyproject.toml)")
    parser.add_argument("--config", type=Path,
                        help="course configuration, for the grading profile (default: ./course.toml if present)")
    parser.add_argument("--root", type=Path, default=Path("."), help="the course checkout (default: .)")
    args = parser.parse_args(argv)
    try:
        dest, files = release(args.root, args.out, args.config, args.version)
    except ReleaseError as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 2
    profile = json.loads(next(f.data for f in files if f.path == PROFILE_PATH))
    size = dest.stat().st_size
    print(f"wrote {dest}: {len(files)} files, {size / 1024:.0f} KB, "
          f"sha256 {hashlib.sha256(dest.read_bytes()).hexdigest()[:16]}")
    print(f"grading profile: Python {profile['python']}, numpy {profile['numpy']}, {profile['dtype']}, "
          f"rtol {profile['rtol']:g}, atol_scale {profile['atol_scale']:g}, public seed {profile['public_seed']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
