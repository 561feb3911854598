"""What naming mistakes costs: judging a wrong exercise with and without the diagnosis.

For every catalogued mistake (its first form), the hidden cases are run once (as the
harness would, in process) and the judge is timed with the diagnoser (warm: the
variants' outputs are cached per case set, as when a class is graded) (catalogued
mistakes + blame on helpers) and without it (value and gradient checks, patterns and
contract flags only). A correct exercise is never diagnosed, so this is the worst case:
every exercise of a notebook wrong.

    python bench/bench_feedback.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grader.cases import HIDDEN_PLAN, make_cases  # noqa: E402
from grader.judge import judge_exercise  # noqa: E402
from grader.mistakes import all_mistakes  # noqa: E402
from grader.mistakes.diagnose import Diagnoser  # noqa: E402
from grader.mutants import _entries, reference_namespace  # noqa: E402
from grader.reference import ReferenceGradients, expected_output  # noqa: E402

SEED, REPEAT = 20251, 5


def main() -> None:
    per_exercise: dict[str, list[tuple[float, float]]] = {}
    cached: dict[str, tuple] = {}
    for m in all_mistakes():
        if m.exercise not in cached:
            cs = make_cases(m.exercise, HIDDEN_PLAN[m.exercise], SEED)
            cached[m.exercise] = (cs, [expected_output(c) for c in cs])
        cases, expected = cached[m.exercise]
        record = {"defined": True, "cases": _entries(m.exercise, {**reference_namespace(), m.exercise: m.variant}, cases)}
        timings = []
        shared = Diagnoser()  # one per case set, as in grade_class: the variants run once
        shared(m.exercise, cases, expected, record["cases"])
        for diagnoser in (None, shared):
            best = float("inf")
            for _ in range(REPEAT):
                t = time.perf_counter()
                judge_exercise(m.exercise, cases, expected, record, "ok", 1.0, [], False,
                               ReferenceGradients(SEED), diagnoser)
                best = min(best, time.perf_counter() - t)
            timings.append(best)
        per_exercise.setdefault(m.exercise, []).append(tuple(timings))
    print(f"{'exercise':28} {'mistakes':>8} {'judge (ms)':>11} {'+ diagnosis (ms)':>17}")
    total_plain = total_diag = 0.0
    for name, rows in per_exercise.items():
        plain = statistics.mean(r[0] for r in rows) * 1e3
        diag = statistics.mean(r[1] for r in rows) * 1e3
        total_plain, total_diag = total_plain + plain, total_diag + diag
        print(f"{name:28} {len(rows):>8} {plain:>11.1f} {diag:>17.1f}")
    print(f"{'all 13, one wrong each':28} {'':>8} {total_plain:>11.1f} {total_diag:>17.1f}")


if __name__ == "__main__":
    main()
