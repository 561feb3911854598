"""Grading time per notebook against executing the same notebook alone with nbclient.

    python bench/bench_grading.py [--repeat 3] [--class examples/class]

For each solved notebook of the demo class (student ada_correct) it measures, one after
another in this process:

* bare: ``nbclient.NotebookClient(nb).execute()`` with the demo cells skipped, the way
  the grader skips them: kernel start, every cell, shutdown;
* graded: ``grade_submission`` on the hidden cases: the same run in a worker process,
  plus the harness cells, reading back and judging (value and gradient checks);
* sandboxed: the same inside the bubblewrap sandbox (when bwrap can run here);

and then the time to grade the whole demo class, sandboxed, one notebook at a time.
Prints a table; asserts nothing. The throughput of a whole class against bare nbclient
and nbgrader: ``bench_class.py`` (``make bench``).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

from grader.config import CourseConfig  # noqa: E402
from grader.grade import Submission, grade_submission, hidden_case_set  # noqa: E402
from grader.run import grade_class  # noqa: E402
from grader.sandbox import SandboxUnavailable, check_sandbox  # noqa: E402


def bare(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, kernel_name="python3", allow_errors=True, skip_cells_with_tag="demo",
                   resources={"metadata": {"path": str(path.parent)}}).execute(stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def graded(path: Path, config: CourseConfig, case_sets: dict, sandbox=None) -> tuple[float, float]:
    stem = path.stem
    case_set = case_sets.setdefault(stem, hidden_case_set(stem, config))
    start = time.perf_counter()
    result = grade_submission(Submission("ada", stem, path), case_set, config, sandbox=sandbox)
    assert result.score == result.max_score, result
    return time.perf_counter() - start, result.execution_time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--class", dest="klass", type=Path, default=ROOT / "examples" / "class")
    args = parser.parse_args()
    config = CourseConfig()
    case_sets: dict = {}
    notebooks = sorted((args.klass / "ada_correct").glob("*.ipynb"))
    try:
        check_sandbox(config.sandbox)
        box = config.sandbox
    except SandboxUnavailable as exc:
        print(f"(no sandbox column: {exc})")
        box = None
    print(f"{'notebook':<32}{'bare nbclient':>14}{'graded':>9}{'sandboxed':>11}{'graded/bare':>13}{'sandbox cost':>14}")
    rows = []
    for path in notebooks:
        tb = statistics.median(bare(path) for _ in range(args.repeat))
        tg = statistics.median(graded(path, config, case_sets)[0] for _ in range(args.repeat))
        ts = statistics.median(graded(path, config, case_sets, box)[0] for _ in range(args.repeat)) if box else float("nan")
        rows.append((tb, tg, ts))
        print(f"{path.stem:<32}{tb:>12.2f} s{tg:>7.2f} s{ts:>9.2f} s{tg / tb:>12.2f}x{ts - tg:>+12.2f} s")
    mean = [statistics.mean(r[i] for r in rows) for i in range(3)]
    print(f"{'mean':<32}{mean[0]:>12.2f} s{mean[1]:>7.2f} s{mean[2]:>9.2f} s{mean[1] / mean[0]:>12.2f}x{mean[2] - mean[1]:>+12.2f} s")
    start = time.perf_counter()
    results = grade_class(args.klass, config, sandboxed=box is not None).results
    elapsed = time.perf_counter() - start
    print(f"\ndemo class: {len(results)} notebooks of {len({r.student for r in results})} students graded "
          f"{'in the sandbox ' if box else ''}in {elapsed:.1f} s ({elapsed / len(results):.2f} s per notebook, "
          "one at a time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
