"""``make bench``: every benchmark in one run, then the targets of issue 6 with PASS/MISS.

    python bench/run_all.py
    BENCH_QUICK=1 python bench/run_all.py              # fewer repeats, a class of 12 notebooks
    TORCH_PYTHON=/path/to/python-with-torch python bench/run_all.py
    BENCH_NBGRADER=0 python bench/run_all.py           # without nbgrader

1. bench_reference.py: the reference's backward passes against naive loops and PyTorch,
   and numpy's matmul peak; the gradient checks.
2. bench_class.py: a generated class of 60 notebooks graded by ``grader grade``
   (sandboxed with 1 and with the default workers, unsandboxed), by bare nbclient and by
   nbgrader.
3. The summary: each target, what was measured, PASS or MISS, and by how much.

Asserts nothing and exits 0 whatever the verdicts (1 only when a part crashed). The
numbers, what they mean and those measured: docs/benchmarks.md.
"""

from __future__ import annotations

import sys
import time
import traceback
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import bench_class, bench_reference  # noqa: E402
from bench.common import QUICK, fmt_time, machine  # noqa: E402

THROUGHPUT = 2.0  # notebooks per second, sandboxed, every check
VS_NBGRADER = 4.0  # times nbgrader's throughput


def verdict(value: float, goal: float, at_least: bool) -> tuple[str, str]:
    """('PASS' or 'MISS', by how much): the factor between the value and the goal."""
    ok = value >= goal if at_least else value <= goal
    factor = (value / goal if at_least else goal / value) if ok else (goal / value if at_least else value / goal)
    return ("PASS", f"by {factor:.2f}x") if ok else ("MISS", f"short by {factor:.2f}x")


def summary(ref: dict | None, klass: dict | None) -> list[list[str]]:
    """Rows of target, measured, goal, verdict, margin."""
    rows: list[list[str]] = []
    runs = (klass or {}).get("rows", {})
    ours, nbg = runs.get("ours"), runs.get("nbgrader")
    workers = (klass or {}).get("workers", "?")
    label = f"grading throughput, sandboxed, every check ({workers} workers)"
    if ours:
        rows.append([label, f"{ours['rate']:.2f} notebooks/s", f">= {THROUGHPUT:g}",
                     *verdict(ours["rate"], THROUGHPUT, True)])
    else:
        rows.append([label, "not measured", f">= {THROUGHPUT:g}", "SKIP", ""])
    label = "throughput over nbgrader autograde's, same class"
    if ours and nbg:
        ratio = ours["rate"] / nbg["rate"]
        rows.append([label, f"{ratio:.2f}x ({ours['rate']:.2f} vs {nbg['rate']:.2f}/s)", f">= {VS_NBGRADER:g}x",
                     *verdict(ratio, VS_NBGRADER, True)])
    else:
        rows.append([label, "nbgrader not timed", f">= {VS_NBGRADER:g}x", "SKIP", ""])
    targets = [("conv A", "conv B", "conv_backward faster than PyTorch", 1.0),
               ("max pool f=2", "max pool f=3", "max-pool backward within 2x of PyTorch", 2.0),
               ("batchnorm alt 256x64", "batchnorm alt 1024x512", "batchnorm_backward_alt no slower than PyTorch", 1.0)]
    by_target = {r["case"].target: r for r in (ref or {}).get("rows", []) if r["case"].target}
    for *ids, text, goal in targets:
        for t in ids:
            row = by_target.get(t)
            label = f"{text}: {row['case'].shape if row else t}"
            goal_text = f"{'<' if t.startswith('conv') else '<='} {goal:g}x torch's time"
            if row is None or "torch" not in row:
                why = "not measured" if row is None else ("no PyTorch" if "torch_error" not in row else "torch failed")
                rows.append([label, why, goal_text, "SKIP", ""])
                continue
            ratio = row["ref"] / row["torch"]
            rows.append([label, f"{fmt_time(row['ref'])} vs {fmt_time(row['torch'])}: {ratio:.2f}x",
                         goal_text, *verdict(ratio, goal, False)])
    return rows


def main() -> int:
    t0 = time.perf_counter()
    print(f"make bench: {datetime.now().isoformat(timespec='seconds')}, {'QUICK' if QUICK else 'full'} mode")
    print(f"machine: {machine()}")
    print()
    parts, failed = {}, False
    for key, part in (("ref", bench_reference.run), ("class", bench_class.run)):
        try:
            parts[key] = part()
        except Exception:  # report and carry on with the other part
            failed = True
            print(f"\n{key} part failed:\n{traceback.format_exc()}")
            parts[key] = None
        print()
    rows = summary(parts.get("ref"), parts.get("class"))
    print(f"== Summary: the targets of issue 6 ({'QUICK, rough' if QUICK else 'full'}; {machine()})")
    widths = [max(len(r[i]) for r in rows + [["target", "measured", "goal", "verdict", "margin"]]) for i in range(5)]
    head = ["target", "measured", "goal", "verdict", "margin"]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip())
    print("-" * (sum(widths) + 8))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    met = sum(r[3] == "PASS" for r in rows)
    measured = sum(r[3] != "SKIP" for r in rows)
    ref = parts.get("ref")
    if ref:
        conv = [r for r in ref["rows"] if r["case"].target.startswith("conv")]
        info = ", ".join(f"{r['flops'] / r['ref'] / 1e9:.1f} GFLOP/s ({r['flops'] / r['ref'] / 1e9 / ref['peak']:.0%})"
                         for r in conv)
        print(f"conv_backward on the two target shapes: {info} of numpy's {ref['peak']:.1f} GFLOP/s matmul peak")
    print(f"{met} of {measured} measured targets met; {len(rows) - measured} skipped. "
          f"Total {time.perf_counter() - t0:.0f} s.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
