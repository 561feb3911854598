"""Class throughput: notebooks per second of ``grader grade``, bare nbclient and nbgrader.

    python bench/bench_class.py [--students 20] [--keep]      # or: make bench-class

A class is generated in a temp folder from the demo class ``examples/class``: student
``studentNN`` gets a copy of the three notebooks of one of the four demo students who
submitted all three (``TEMPLATES``, taken in turn: solved, catalogued mistakes, loops,
blank), so 20 students make 60 notebooks (``BENCH_QUICK=1``: 4 students, 12 notebooks).
The same class is then graded, one run each, timed by wall clock:

* bare nbclient: every notebook one after another in this process,
  ``nbclient.NotebookClient(nb, allow_errors=True, skip_cells_with_tag="demo").execute()``:
  a kernel started, every cell run but the demo cells (training loops and plots, which
  ``grader grade`` skips too), the kernel shut down (its stderr discarded). No grading
  at all: what merely running the notebooks costs;
* ``grader grade CLASS --out FRESH --force --quiet --config course.toml`` as a
  subprocess, with every check on (hidden cases, value and gradient checks, diagnosis of
  mistakes, speed feedback, feedback pages and report): sandboxed with ``--workers 1``,
  sandboxed with the default workers (the CPU count) and one more (the kernel start
  waits part of the time), and ``--no-sandbox`` with the
  default workers;
* nbgrader's ``autograde`` on the same class (``bench_nbgrader.py``; optional:
  ``BENCH_NBGRADER=0`` skips it, and it is skipped with a message when nbgrader cannot
  be installed).

Prints notebooks per second for each, the ratios, and the mean score each grader gave
each kind of student (a grader that fails everything is not timed fairly).
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
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

from bench.common import QUICK, machine  # noqa: E402

DEMO = ROOT / "examples" / "class"
TEMPLATES = ("ada_correct", "cho_mistakes", "dev_loops", "ben_blank")
STUDENTS = 4 if QUICK else 20
#: every check on, written out rather than left to the defaults
COURSE_TOML = """\
[speed]
enabled = true
"""


def generate_class(dest: Path, students: int = STUDENTS) -> dict[str, str]:
    """``dest/studentNN/<stem>.ipynb``: copies of the templates' notebooks, in turn;
    returns each student's template."""
    templates = {}
    for i in range(students):
        name, template = f"student{i + 1:02d}", TEMPLATES[i % len(TEMPLATES)]
        (dest / name).mkdir(parents=True)
        for nb in sorted((DEMO / template).glob("*.ipynb")):
            shutil.copy(nb, dest / name / nb.name)
        templates[name] = template
    return templates


def time_bare(klass: Path) -> float:
    from nbclient import NotebookClient

    start = time.perf_counter()
    for path in sorted(klass.glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, kernel_name="python3", allow_errors=True, skip_cells_with_tag="demo",
                       resources={"metadata": {"path": str(path.parent)}}).execute(stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def grader_command() -> Path:
    grader = ROOT / ".venv" / "bin" / "grader"
    return grader if grader.exists() else Path(sys.executable).parent / "grader"


def time_ours(klass: Path, work: Path, *flags: str) -> tuple[float, dict]:
    """Seconds ``grader grade`` took on ``klass`` (a fresh --out, --force), and each
    notebook's (score, max_score) by (student, stem)."""
    work.mkdir(parents=True)
    (work / "course.toml").write_text(COURSE_TOML)
    cmd = [str(grader_command()), "grade", str(klass), "--out", str(work / "out"), "--force", "--quiet",
           "--config", str(work / "course.toml"), *flags]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    scores: dict[tuple[str, str], list[float]] = {}
    with open(work / "out" / "grades.csv") as f:
        for r in csv.DictReader(f):
            s = scores.setdefault((r["student"], r["assignment"]), [0.0, 0.0])
            s[0] += float(r["score"])
            s[1] += float(r["max_score"])
    return elapsed, {k: tuple(v) for k, v in scores.items()}


def score_line(scores: dict | None, templates: dict[str, str]) -> str:
    """The mean share of the points each kind of student got, e.g. 'ada_correct 100%'."""
    if scores is None:
        return ""
    parts = []
    for t in TEMPLATES:
        got = [s / m for (student, _), (s, m) in scores.items() if templates.get(student) == t and m > 0]
        parts.append(f"{t.split('_')[0]} {sum(got) / len(got):.0%}" if got else f"{t.split('_')[0]} -")
    return ", ".join(parts)


def cpu_seconds() -> float:
    """CPU time used so far: on the whole machine (``/proc/stat``: every CPU's time not
    idle nor waiting for I/O), since the processes in a sandbox are not all accounted to
    their parents; elsewhere, this process's and its waited-for children's."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        guest = sum(fields[8:10]) if len(fields) > 9 else 0  # already counted in user and nice
        return (sum(fields) - idle - guest) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                     resource.getrusage(resource.RUSAGE_CHILDREN)))


def run(students: int = STUDENTS, keep: bool = False, say=print) -> dict:
    """Generate the class, time every grader on it, print the table; return the numbers."""
    from bench.bench_nbgrader import ensure_nbgrader, time_nbgrader

    from grader.run import default_workers

    workers = default_workers()
    say(f"== Class throughput{' (quick)' if QUICK else ''}")
    say(f"machine: {machine()}")
    version = ensure_nbgrader(say=say)
    work = Path(tempfile.mkdtemp(prefix="bench_class_"))
    rows: list[dict] = []
    try:
        klass = work / "class"
        templates = generate_class(klass, students)
        n = sum(1 for _ in klass.glob("*/*.ipynb"))
        say(f"class: {n} notebooks of {students} students, copies of {', '.join(TEMPLATES)} in turn "
            f"({work})")
        plan = [
            ("bare", "bare nbclient, one at a time", lambda: (time_bare(klass), None)),
            ("ours_1", "ours, sandboxed, --workers 1", lambda: time_ours(klass, work / "w1", "--workers", "1")),
            ("ours", f"ours, sandboxed, {workers} workers", lambda: time_ours(klass, work / "wn")),
            ("ours_more", f"ours, sandboxed, {workers + 1} workers",
             lambda: time_ours(klass, work / "wm", "--workers", str(workers + 1))),
            ("ours_nosandbox", f"ours, --no-sandbox, {workers} workers",
             lambda: time_ours(klass, work / "ns", "--no-sandbox")),
        ]
        if version is not None:
            plan.append(("nbgrader", f"nbgrader {version} autograde",
                         lambda: time_nbgrader(klass, work / "nbgrader")))
        for key, label, fn in plan:
            cpu = cpu_seconds()
            try:
                elapsed, scores = fn()
            except Exception as exc:  # one grader failing must not lose the others
                say(f"{label}: failed: {str(exc)[-1500:]}")
                continue
            rows.append({"key": key, "label": label, "seconds": elapsed, "rate": n / elapsed,
                         "cpu": (cpu_seconds() - cpu) / n, "scores": score_line(scores, templates)})
            say(f"  {label}: {elapsed:.1f} s")
    finally:
        if keep:
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    by = {r["key"]: r for r in rows}
    say("")
    head = (f"{'run':<36} {'wall':>8} {'notebooks/s':>12} {'ours vs it':>11} {'CPU s/nb':>9}"
            "   mean score: solved, mistakes, loops, blank")
    say(head)
    say("-" * len(head))
    for r in rows:
        vs = f"{by['ours']['rate'] / r['rate']:.2f}x" if "ours" in by and r["key"] != "ours" else ""
        say(f"{r['label']:<36} {r['seconds']:>6.1f} s {r['rate']:>12.2f} {vs:>11} {r['cpu']:>9.2f}   {r['scores']}")
    say(f"ours vs it: the throughput of ours (sandboxed, {workers} workers) over that run's; "
        "above 1: ours grades faster.")
    say(f"CPU s/nb: CPU seconds the machine spent per notebook during the run (anything else running included);"
        f" {workers} CPUs")
    say(f"can grade at most {workers} / that notebooks per second.")
    say("bare nbclient and ours skip the cells tagged demo (training loops, plots); nbgrader's version of the")
    say("notebooks has none, nor self-check cells, and a tests cell under each graded one (bench/bench_nbgrader.py).")
    if version is None:
        say("nbgrader: not timed (see above)")
    return {"notebooks": n, "students": students, "workers": workers, "rows": by}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=STUDENTS, help=f"class size (default {STUDENTS})")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder and print its path")
    args = parser.parse_args()
    run(args.students, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
