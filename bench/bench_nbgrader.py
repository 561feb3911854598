"""nbgrader's ``autograde`` on a class of ours, for bench_class.py; alone: nbgrader vs ours.

    python bench/bench_nbgrader.py [--students 20] [--nbgrader-venv DIR] [--keep]   # make bench-nbgrader

nbgrader is not a dependency of the project: on first use ``ensure_nbgrader`` creates a
virtual environment for it (default ``bench/.nbgrader-venv``: ``python -m venv``, then
``pip install nbgrader numpy``). When that fails it says why, and the callers time the
others alone; ``BENCH_NBGRADER=0`` skips nbgrader without trying.

``time_nbgrader`` grades a class laid out as ours (``CLASS/<student>/<stem>.ipynb``):

* a course is built from ``assignments/<stem>.ipynb`` for every notebook of the class.
  Every ``# GRADED FUNCTION:`` cell becomes an autograded answer cell (its code blocks
  solved with ada_correct's code, between ``### BEGIN SOLUTION`` and ``### END
  SOLUTION``), with under it an autograder tests cell worth our points: hidden tests
  (``TESTS``) that call the function on one or two seeded cases and compare the outputs
  with the reference's, inlined as numpy literals, within our tolerance.
  ``nbgrader generate_assignment`` releases each notebook;
* each student submits the release with their own graded cells pasted in (a cell they
  deleted stays as released: ``raise NotImplementedError()``);
* ``nbgrader autograde <stem>`` is timed, for every notebook of the class one after
  another; then ``nbgrader export`` gives each notebook's score.

What is not identical to ours:

* nbgrader runs each notebook with nbclient from its own process, with no sandbox, and
  knows only what the asserts check: a test cell passes or fails, with a traceback as
  feedback. Ours runs each notebook in a worker process (in bubblewrap unless
  ``--no-sandbox``), then calls every graded function on its hidden cases (12 for
  conv_backward; nbgrader's cells make 1 or 2 calls), judges them outside the kernel with
  value checks, directional gradient checks and the diagnosis of mistakes, times the
  vectorizable exercises for the speed feedback, and writes feedback pages and a class
  report. nbgrader's feedback pages (``nbgrader generate_feedback``) are not timed.
* Our notebooks keep their self-check cells, which ours runs; nbgrader's version has
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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402
import numpy as np  # noqa: E402

import solutions  # noqa: E402
from grader.config import DEFAULT_POINTS  # noqa: E402

VENV = ROOT / "bench" / ".nbgrader-venv"
SOLVED = ROOT / "examples" / "class" / "ada_correct"

# One or two hidden-like cases per function: the cell defines `got`, a tuple of arrays.
# The same code run on the reference (here) gives the expected arrays inlined in the cell.
TESTS = {
    "relu_backward": """\
rng = np.random.default_rng(21)
Z = rng.standard_normal((5, 7)); Z += np.sign(Z) * 0.05
got = (relu_backward(rng.standard_normal((5, 7)), Z),)""",
    "sigmoid_backward": """\
rng = np.random.default_rng(22)
Z = rng.standard_normal((5, 7))
got = (sigmoid_backward(rng.standard_normal((5, 7)), Z),)""",
    "linear_backward": """\
rng = np.random.default_rng(23)
A_prev, W, b = rng.standard_normal((7, 11)), rng.standard_normal((5, 7)), rng.standard_normal((5, 1))
got = linear_backward(rng.standard_normal((5, 11)), (A_prev, W, b))""",
    "linear_activation_backward": """\
rng = np.random.default_rng(24)
A_prev, W, b, got = rng.standard_normal((7, 11)), rng.standard_normal((5, 7)), rng.standard_normal((5, 1)), ()
for activation in ("relu", "sigmoid"):
    A, cache = linear_activation_forward(A_prev, W, b, activation)
    got += linear_activation_backward(rng.standard_normal(A.shape), cache, activation)""",
    "L_model_backward": """\
rng = np.random.default_rng(25)
dims = [4, 5, 3, 1]
params = {}
for l in range(1, len(dims)):
    params["W" + str(l)] = rng.standard_normal((dims[l], dims[l - 1]))
    params["b" + str(l)] = rng.standard_normal((dims[l], 1))
X, Y = rng.standard_normal((4, 9)), (rng.random((1, 9)) > 0.5).astype(float)
AL, caches = L_model_forward(X, params)
grads = L_model_backward(AL, Y, caches)
got = tuple(grads[k] for k in sorted(grads))""",
    "update_parameters": """\
rng = np.random.default_rng(26)
params = {"W1": rng.standard_normal((3, 4)), "b1": rng.standard_normal((3, 1)),
          "W2": rng.standard_normal((1, 3)), "b2": rng.standard_normal((1, 1))}
grads = {"d" + k: rng.standard_normal(v.shape) for k, v in params.items()}
new = update_parameters(params, grads, 0.1)
got = tuple(new[k] for k in sorted(new))""",
    "conv_backward": """\
rng = np.random.default_rng(11)
A_prev, W, b = rng.standard_normal((2, 13, 11, 3)), rng.standard_normal((5, 5, 3, 7)), rng.standard_normal((1, 1, 1, 7))
Z, cache = conv_forward(A_prev, W, b, {"stride": 2, "pad": 1})
got = conv_backward(rng.standard_normal(Z.shape), cache)""",
    "create_mask_from_window": """\
got = (create_mask_from_window(np.random.default_rng(12).standard_normal((3, 5))),)""",
    "distribute_value": """\
got = (distribute_value(1.7, (3, 5)),)""",
    "pool_backward": """\
rng = np.random.default_rng(14)
A_prev, hp, got = rng.standard_normal((2, 7, 11, 3)), {"f": 3, "stride": 2}, ()
for mode in ("max", "average"):
    A, cache = pool_forward(A_prev, hp, mode)
    got += (pool_backward(rng.standard_normal(A.shape), cache, mode),)""",
    "batchnorm_backward": """\
rng = np.random.default_rng(31)
x = 3 + 2 * rng.standard_normal((13, 7))
out, cache = batchnorm_forward(x, rng.standard_normal(7), rng.standard_normal(7), {"mode": "train"})
got = batchnorm_backward(rng.standard_normal(out.shape), cache)""",
    "batchnorm_backward_alt": """\
rng = np.random.default_rng(32)
x = 3 + 2 * rng.standard_normal((13, 7))
out, cache = batchnorm_forward(x, rng.standard_normal(7), rng.standard_normal(7), {"mode": "train"})
got = batchnorm_backward_alt(rng.standard_normal(out.shape), cache)""",
    "dropout_backward": """\
rng = np.random.default_rng(33)
x, got = rng.standard_normal((11, 5)), ()
for mode in ("train", "test"):
    out, cache = dropout_forward(x, {"p": 0.7, "mode": mode, "seed": 3})
    got += (dropout_backward(rng.standard_normal(x.shape), cache),)""",
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


def source_notebook(stem: str):
    """A notebook as an nbgrader source notebook: answer cells, test cells, no self-check or demo."""
    nb = nbformat.read(ROOT / "assignments" / f"{stem}.ipynb", as_version=4)
    solved = graded_cells(nbformat.read(SOLVED / f"{stem}.ipynb", as_version=4))
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
        cells.append(nbformat.v4.new_code_cell(test_source(TESTS[name]), metadata={"nbgrader": {
            "grade": True, "solution": False, "locked": True, "points": DEFAULT_POINTS[name],
            "grade_id": f"test_{name}", "schema_version": 3}}))
    nb.cells = cells
    return nb


def run(cmd: list, cwd: Path, env: dict | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n"
                           f"{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return elapsed


def skipped() -> bool:
    return os.environ.get("BENCH_NBGRADER", "").strip().lower() in ("0", "no", "off", "false")


def ensure_nbgrader(venv: Path = VENV, say=print) -> str | None:
    """nbgrader's version, installing it (and numpy for its kernel) if needed; None if
    that fails or BENCH_NBGRADER=0."""
    if skipped():
        say("nbgrader skipped (BENCH_NBGRADER=0)")
        return None
    py = venv / "bin" / "python"
    probe = [str(py), "-c", "import nbgrader, numpy, ipykernel; print(nbgrader.__version__)"]
    if py.exists() and (p := subprocess.run(probe, capture_output=True, text=True)).returncode == 0:
        return p.stdout.strip()
    say(f"installing nbgrader and numpy into {venv} (skip with BENCH_NBGRADER=0) ...")
    steps = [] if py.exists() else [[sys.executable, "-m", "venv", str(venv)]]
    steps.append([str(py), "-m", "pip", "install", "--quiet", "nbgrader", "numpy"])
    for cmd in steps + [probe]:
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as exc:
            say(f"could not install nbgrader: {exc}; carrying on without it")
            return None
        if p.returncode != 0:
            say(f"could not install nbgrader: {' '.join(cmd)} failed:\n{(p.stderr or p.stdout)[-2000:]}\n"
                "carrying on without it")
            return None
    return p.stdout.strip()


def time_nbgrader(klass: Path, work: Path, venv: Path = VENV) -> tuple[float, dict]:
    """Seconds ``nbgrader autograde`` took on ``klass`` (every notebook, one after another),
    and each notebook's (score, max_score) by (student, stem)."""
    course = work / "course"
    course.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(course)!r}\nc.CourseDirectory.course_id = 'bench'\n")
    # as if the venv were activated: nbgrader runs `alembic` from PATH to open its gradebook
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}", "VIRTUAL_ENV": str(venv)}
    nbgrader = venv / "bin" / "nbgrader"
    stems = sorted({p.stem for p in klass.glob("*/*.ipynb")})
    for stem in stems:
        (course / "source" / stem).mkdir(parents=True)
        nbformat.write(source_notebook(stem), course / "source" / stem / f"{stem}.ipynb")
        run([nbgrader, "generate_assignment", stem], course, env)
        released = nbformat.read(course / "release" / stem / f"{stem}.ipynb", as_version=4)
        for path in sorted(klass.glob(f"*/{stem}.ipynb")):
            theirs = graded_cells(nbformat.read(path, as_version=4))
            nb = copy.deepcopy(released)
            for cell in nb.cells:
                meta = cell.metadata.get("nbgrader", {})
                if meta.get("solution") and meta["grade_id"] in theirs:
                    cell.source = theirs[meta["grade_id"]]
            (course / "submitted" / path.parent.name / stem).mkdir(parents=True)
            nbformat.write(nb, course / "submitted" / path.parent.name / stem / f"{stem}.ipynb")
    elapsed = sum(run([nbgrader, "autograde", stem], course, env) for stem in stems)
    run([nbgrader, "export", "--to", work / "nbgrader.csv"], course, env)
    with open(work / "nbgrader.csv") as f:
        scores = {(r["student_id"], r["assignment"]): (float(r["score"]), float(r["max_score"]))
                  for r in csv.DictReader(f)}
    return elapsed, scores


def main() -> int:
    from bench.bench_class import TEMPLATES, generate_class, score_line, time_ours

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20, help="class size (default 20, 3 notebooks each)")
    parser.add_argument("--nbgrader-venv", type=Path, default=VENV)
    parser.add_argument("--keep", action="store_true", help="keep the temp folder and print its path")
    args = parser.parse_args()
    version = ensure_nbgrader(args.nbgrader_venv.resolve())
    work = Path(tempfile.mkdtemp(prefix="bench_nbgrader_"))
    try:
        klass, templates = work / "class", generate_class(work / "class", args.students)
        n = sum(1 for _ in klass.glob("*/*.ipynb"))
        print(f"class: {n} notebooks of {args.students} students (copies of {', '.join(TEMPLATES)})")
        runs = []
        if version is not None:
            runs.append((f"nbgrader {version} autograde", *time_nbgrader(klass, work / "nbgrader", args.nbgrader_venv)))
        runs.append(("ours, sandboxed", *time_ours(klass, work / "ours")))
        for name, elapsed, scores in runs:
            print(f"{name:<26}{elapsed:>7.1f} s {n / elapsed:>6.2f} notebooks/s   {score_line(scores, templates)}")
        if version is not None:
            print(f"ours / nbgrader throughput: {runs[0][1] / runs[1][1]:.2f}x")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
