"""Our ``grader grade`` against nbgrader's ``nbgrader autograde`` on the same class.

    python bench/bench_nbgrader.py [--students 10] [--repeat 3] [--nbgrader-venv DIR] [--keep]

nbgrader is not a dependency of the project: on first use the script creates a virtual
environment for it (default ``bench/.nbgrader-venv``: ``python -m venv``, then ``pip
install nbgrader numpy``). When that fails it says why and times our grader alone.
Everything else is made in a temp folder, afresh for every run:

* nbgrader: a course built from ``assignments/02_conv_pool_backward.ipynb``. Every
  ``# GRADED FUNCTION:`` cell becomes an autograded answer cell (its code blocks solved
  with ada_correct's code, between ``### BEGIN SOLUTION`` and ``### END SOLUTION``), with
  under it an autograder tests cell worth our points (4, 1, 1, 3): hidden tests that
  draw one case from a seeded generator (pool_backward: one per mode) and compare the
  outputs with the reference's, inlined as numpy literals, within our tolerance.
  ``nbgrader generate_assignment`` releases it; each student submits the release with
  ada_correct's graded cells pasted in; ``nbgrader autograde`` is timed.
* ours: the same N students, each with ada_correct's notebook as it is; ``grader grade``
  is timed, sandboxed (the default) and with ``--no-sandbox``.

Both are timed by wall clock as subprocesses, a whole class at a time (each grades one
notebook after another), and both must give every student full marks (nbgrader's
``export`` CSV, our ``grades.csv``): a grader that fails everything is not timed fairly.

What is not identical:

* nbgrader runs each notebook with nbclient from its own process, with no sandbox, and
  knows only what the asserts check: a test cell passes or fails, with a traceback as
  feedback. Ours runs each notebook in a worker process (in bubblewrap unless
  ``--no-sandbox``), then calls every graded function on 12 hidden cases (nbgrader's
  cells make 5 calls), judges them outside the kernel with value checks and directional
  gradient checks, and writes feedback pages and a class report. nbgrader's feedback
  pages (``nbgrader generate_feedback``) are not timed.
* Our notebooks keep their 4 self-check cells, which ours runs; nbgrader's version has
  none (they import ``grader.selfcheck``, which nbgrader's kernel cannot).
* nbgrader's version has no demo cells (training, plots); ours skips them.
* Each grader's kernel is the ``python3`` of its own virtual environment.
"""

from __future__ import annotations

import argparse
import copy
import csv
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402
import numpy as np  # noqa: E402

import solutions  # noqa: E402

NAME = "02_conv_pool_backward"
SOURCE = ROOT / "assignments" / f"{NAME}.ipynb"
SOLVED = ROOT / "examples" / "class" / "ada_correct" / f"{NAME}.ipynb"

# One hidden-like case per function: the cell defines `got`, a tuple of outputs. The same
# code run on the reference (here) gives the expected outputs inlined in the test cell.
TESTS = {
    "conv_backward": (4, """\
rng = np.random.default_rng(11)
A_prev, W, b = rng.standard_normal((2, 13, 11, 3)), rng.standard_normal((5, 5, 3, 7)), rng.standard_normal((1, 1, 1, 7))
Z, cache = conv_forward(A_prev, W, b, {"stride": 2, "pad": 1})
got = conv_backward(rng.standard_normal(Z.shape), cache)"""),
    "create_mask_from_window": (1, """\
got = (create_mask_from_window(np.random.default_rng(12).standard_normal((3, 5))),)"""),
    "distribute_value": (1, """\
got = (distribute_value(1.7, (3, 5)),)"""),
    "pool_backward": (3, """\
rng = np.random.default_rng(14)
A_prev, hp, got = rng.standard_normal((2, 7, 11, 3)), {"f": 3, "stride": 2}, ()
for mode in ("max", "average"):
    A, cache = pool_forward(A_prev, hp, mode)
    got += (pool_backward(rng.standard_normal(A.shape), cache, mode),)"""),
}
CHECK = """\
assert isinstance(got, tuple) and len(got) == len(expected)
for g, e in zip(got, expected):
    assert np.shape(g) == e.shape, (np.shape(g), e.shape)
    if e.dtype == bool:
        np.testing.assert_array_equal(g, e)
    else:
        np.testing.assert_allclose(g, e, rtol=1e-7, atol=1e-9 * np.max(np.abs(e)))"""


def test_source(code: str) -> str:
    ns = {"np": np, **{k: getattr(solutions, k) for k in solutions.__all__}}
    exec(code, ns)  # the reference's outputs
    expected = ", ".join(f"np.array({np.asarray(e).tolist()!r})" for e in ns["got"])
    return f"### BEGIN HIDDEN TESTS\n{code}\nexpected = [{expected}]\n{CHECK}\n### END HIDDEN TESTS"


def graded_cells(nb) -> dict[str, str]:
    found = (re.match(r"# GRADED FUNCTION: (\w+)", c.source) for c in nb.cells)
    return {m.group(1): c.source for m, c in zip(found, nb.cells) if m}


def source_notebook():
    """Notebook 02 as an nbgrader source notebook: answer cells, test cells, no self-check or demo."""
    nb, solved = nbformat.read(SOURCE, as_version=4), graded_cells(nbformat.read(SOLVED, as_version=4))
    cells = []
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "selfcheck" in tags or "demo" in tags:
            continue
        cell.source = cell.source.replace("from grader.selfcheck import check\n", "")
        name = next((n for n in TESTS if cell.source.startswith(f"# GRADED FUNCTION: {n}\n")), None)
        cells.append(cell)
        if name is None:
            continue
        cell.source = re.sub(r"^( *)(### START CODE HERE ###.*)$", r"\1\2\n\1### BEGIN SOLUTION",
                             solved[name], flags=re.M)
        cell.source = re.sub(r"^( *)(### END CODE HERE ###)$", r"\1### END SOLUTION\n\1\2", cell.source, flags=re.M)
        cell.metadata["nbgrader"] = {"grade": False, "solution": True, "locked": False,
                                     "grade_id": name, "schema_version": 3}
        points, code = TESTS[name]
        cells.append(nbformat.v4.new_code_cell(test_source(code), metadata={"nbgrader": {
            "grade": True, "solution": False, "locked": True, "points": points,
            "grade_id": f"test_{name}", "schema_version": 3}}))
    nb.cells = cells
    return nb


def run(cmd: list, cwd: Path, env: dict | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return elapsed


def ensure_nbgrader(venv: Path) -> str | None:
    """nbgrader's version, installing it (and numpy for its kernel) if needed; None if that fails."""
    py = venv / "bin" / "python"
    probe = [str(py), "-c", "import nbgrader, numpy, ipykernel; print(nbgrader.__version__)"]
    if py.exists() and (p := subprocess.run(probe, capture_output=True, text=True)).returncode == 0:
        return p.stdout.strip()
    print(f"installing nbgrader and numpy into {venv} ...", flush=True)
    steps = [] if py.exists() else [[sys.executable, "-m", "venv", str(venv)]]
    steps.append([str(py), "-m", "pip", "install", "--quiet", "nbgrader", "numpy"])
    for cmd in steps + [probe]:
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            print(f"could not install nbgrader: {' '.join(cmd)} failed:\n{(p.stderr or p.stdout)[-2000:]}\n"
                  "timing our grader alone")
            return None
    return p.stdout.strip()


def time_nbgrader(venv: Path, work: Path, students: list[str]) -> tuple[float, list]:
    course = work / "course"
    (course / "source" / NAME).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(course)!r}\nc.CourseDirectory.course_id = 'bench'\n")
    nbformat.write(source_notebook(), course / "source" / NAME / f"{NAME}.ipynb")
    # as if the venv were activated: nbgrader runs `alembic` from PATH to open its gradebook
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}", "VIRTUAL_ENV": str(venv)}
    nbgrader = venv / "bin" / "nbgrader"
    run([nbgrader, "generate_assignment", NAME], course, env)
    released = nbformat.read(course / "release" / NAME / f"{NAME}.ipynb", as_version=4)
    solved = graded_cells(nbformat.read(SOLVED, as_version=4))
    for student in students:
        nb = copy.deepcopy(released)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution"):
                cell.source = solved[meta["grade_id"]]
        (course / "submitted" / student / NAME).mkdir(parents=True)
        nbformat.write(nb, course / "submitted" / student / NAME / f"{NAME}.ipynb")
    elapsed = run([nbgrader, "autograde", NAME], course, env)
    run([nbgrader, "export", "--to", work / "nbgrader.csv"], course, env)
    with open(work / "nbgrader.csv") as f:
        rows = [(r["student_id"], float(r["score"]), float(r["max_score"])) for r in csv.DictReader(f)]
    return elapsed, rows


def time_ours(work: Path, students: list[str], *flags: str) -> tuple[float, list]:
    for student in students:
        (work / "submissions" / student).mkdir(parents=True)
        shutil.copy(SOLVED, work / "submissions" / student / f"{NAME}.ipynb")
    grader = ROOT / ".venv" / "bin" / "grader"
    if not grader.exists():
        grader = Path(sys.executable).parent / "grader"
    elapsed = run([grader, "grade", work / "submissions", "--out", work / "out", "--quiet", *flags], work)
    totals: dict[str, list[float]] = {}
    with open(work / "out" / "grades.csv") as f:
        for r in csv.DictReader(f):
            t = totals.setdefault(r["student"], [0.0, 0.0])
            t[0] += float(r["score"])
            t[1] += float(r["max_score"])
    return elapsed, [(s, *t) for s, t in totals.items()]


def full_marks(rows: list, students: list[str]) -> str:
    perfect = sum(1 for _, score, top in rows if top > 0 and score == top)
    top = f"{rows[0][2]:g}" if rows else "?"
    ok = perfect == len(rows) == len(students)
    return f"{'yes' if ok else 'NO'}: {perfect} of {len(students)} students at {top}/{top}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10, help="class size N (default 10)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each grader, median shown (default 3)")
    parser.add_argument("--nbgrader-venv", type=Path, default=ROOT / "bench" / ".nbgrader-venv")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder and print its path")
    args = parser.parse_args()
    students = [f"student{i:02d}" for i in range(1, args.students + 1)]
    venv = args.nbgrader_venv.resolve()
    version = ensure_nbgrader(venv)
    timers = {"ours (grader grade)": time_ours,
              "ours, --no-sandbox": lambda w, s: time_ours(w, s, "--no-sandbox")}
    if version is not None:
        timers = {f"nbgrader {version} autograde": lambda w, s: time_nbgrader(venv, w, s), **timers}
    times: dict[str, list[float]] = {k: [] for k in timers}
    marks: dict[str, str] = {}
    work = Path(tempfile.mkdtemp(prefix="bench_nbgrader_"))
    try:
        for r in range(args.repeat):  # a fresh course and class every time; alternate who goes first
            for name in (list(timers) if r % 2 == 0 else list(timers)[::-1]):
                elapsed, rows = timers[name](work / f"run{r}_{list(timers).index(name)}", students)
                times[name].append(elapsed)
                if not marks.get(name, "").startswith("NO"):  # keep a run that fell short, if any
                    marks[name] = full_marks(rows, students)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    n, med = len(students), {k: statistics.median(v) for k, v in times.items()}
    print(f"\n{NAME}: {n} solved notebooks, graded one at a time; median of {args.repeat} runs; "
          f"{os.cpu_count()} cores")
    print(f"{'grader':<26}{'total':>9}{'per notebook':>14}  {'runs':<20}full marks")
    for name, t in med.items():
        runs = " ".join(f"{x:.1f}" for x in times[name])
        print(f"{name:<26}{t:>7.1f} s{t / n:>12.2f} s  {runs:<20}{marks[name]}")
    if version is not None:
        nbg, ours = med[next(iter(med))], med["ours (grader grade)"]
        print(f"ratio ours / nbgrader: {ours / nbg:.2f} (nbgrader / ours: {nbg / ours:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
