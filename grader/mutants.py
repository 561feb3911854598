"""Mutation adequacy: are the hidden cases strong enough to catch every catalogued mistake?

``grader mutants`` grades every mistake of the catalog (grader/mistakes/) as if it were
a student's function, on the hidden cases of the course seed, and reports for each:

* **caught**: it loses points (some check fails);
* **named**: the feedback names that very mistake (and which others, if ambiguous).

It exits 1 when a mistake goes uncaught or unnamed, or an exercise has no catalogued
mistake at all (nothing would show its hidden cases catch anything), so that a course
author who changes the hidden plan, the seed or the catalog sees at once when the tests
got weaker.

The mistakes are trusted code (they are the reference's variants): they run here, in
process, through the same harness functions and the same judge as a student's notebook,
without a kernel. :func:`judge_in_process` is also what the tests use to grade
hand-written implementations quickly. Never call it on a student's code.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from typing import Callable

from grader.cases import HIDDEN_PLAN, Case, make_cases
from grader.config import ConfigError, load_config
from grader.exercises import EXERCISES
from grader.harness import run_case
from grader.results import ExerciseResult

__all__ = ["judge_in_process", "MutantResult", "run_mutants", "main"]

MAX_ELEMENTS = 10**6


def _entries(name: str, namespace: dict, cases: list[Case]) -> list[dict]:
    """What the harness would record in a kernel (grader/harness.py ``run_case``), for
    functions of this process."""
    return [run_case(namespace, name, case.args, case.kwargs, MAX_ELEMENTS) for case in cases]


def judge_in_process(name: str, namespace: dict[str, Callable], seed: int | None = None,
                     points: float = 1.0) -> ExerciseResult:
    """Grade ``namespace[name]`` on the hidden cases, in this process, like ``grader grade``
    would (the same harness records, judge, gradient checks and diagnosis).

    Args:
        namespace: the functions, by name, as a notebook would define them; helpers
            ``name`` calls are looked up there (and recorded), so put the student's own
            helpers in, or the reference's.
        seed: the course seed (default: the configured one).
    """
    from grader.judge import judge_exercise
    from grader.mistakes.diagnose import Diagnoser
    from grader.reference import ReferenceGradients, expected_output

    seed = load_config(None).seed if seed is None else seed
    cases = make_cases(name, HIDDEN_PLAN[name], seed)
    expected = [expected_output(c) for c in cases]
    record = {"defined": callable(namespace.get(name)), "cases": _entries(name, namespace, cases)}
    return judge_exercise(name, cases, expected, record, "ok", points, [], reveal=False,
                          gradient_checker=ReferenceGradients(seed), diagnoser=Diagnoser())


@dataclass(frozen=True)
class MutantResult:
    """How the hidden cases fare against one catalogued mistake."""

    key: str
    title: str
    form: int
    checks_failed: int
    checks_total: int
    named: tuple[str, ...]

    @property
    def caught(self) -> bool:
        return self.checks_failed > 0

    @property
    def identified(self) -> bool:
        return self.key in self.named

    @property
    def ok(self) -> bool:
        return self.caught and self.identified


def reference_namespace() -> dict[str, Callable]:
    """Every graded and provided function of the reference, by name, and ``np``: what a
    solved notebook's namespace holds."""
    import numpy as np

    import solutions

    return {"np": np, **{n: getattr(solutions, n) for n in solutions.__all__}}


def run_mutants(seed: int | None = None, only: str | None = None) -> list[MutantResult]:
    """Grade every form of every catalogued mistake (of exercise ``only``, or all) on the
    hidden cases."""
    from grader.mistakes import all_mistakes

    results = []
    for m in all_mistakes():
        if only and m.exercise != only:
            continue
        for form, variant in enumerate(m.forms, start=1):
            namespace = {**reference_namespace(), m.exercise: variant}
            r = judge_in_process(m.exercise, namespace, seed)
            failed = sum(not c.passed for c in r.checks)
            named = tuple(f.id for f in r.findings if f.kind == "mistake")
            results.append(MutantResult(m.key, m.title, form, failed, len(r.checks), named))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="grader mutants",
        description="Grade every catalogued mistake on the hidden cases; exit 1 if one is not caught and named.")
    parser.add_argument("--config", type=str, default=None, help="course.toml (default: ./course.toml if present)")
    parser.add_argument("--exercise", default=None, help="only the mistakes of this exercise")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"grader: {exc}", file=sys.stderr)
        return 2
    if args.exercise and args.exercise not in EXERCISES:
        print(f"grader: unknown exercise {args.exercise!r}; known: {', '.join(EXERCISES)}", file=sys.stderr)
        return 2
    from grader.mistakes import mistakes_for

    start = time.monotonic()
    results = run_mutants(config.seed, args.exercise)
    bad = [r for r in results if not r.ok]
    _print_table(results, time.monotonic() - start)
    # An exercise without mistakes passes vacuously: nothing shows its hidden cases catch anything
    bare = [n for n in ([args.exercise] if args.exercise else EXERCISES) if not mistakes_for(n)]
    for name in bare:
        print(f"grader: {name} has no catalogued mistake, so nothing shows its hidden cases catch one: "
              "add one in grader/mistakes/ (docs/mistakes.md, 'Adding a mistake')", file=sys.stderr)
    return 1 if bad or bare else 0


def _print_table(results: list[MutantResult], seconds: float) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Catalogued mistakes against the hidden cases", title_justify="left")
    for col, justify in (("mistake", "left"), ("what", "left"), ("checks failed", "right"),
                         ("caught", "center"), ("named", "left")):
        table.add_column(col, justify=justify)
    for r in results:
        others = [n for n in r.named if n != r.key]
        named = ("[green]yes[/green]" if r.identified else "[red]no[/red]") + (
            f" (also {', '.join(others)})" if others else "")
        table.add_row(r.key + (f" (form {r.form})" if r.form > 1 else ""), r.title, f"{r.checks_failed}/{r.checks_total}",
                      "[green]yes[/green]" if r.caught else "[red]NO[/red]", named)
    console = Console()
    console.print(table)
    bad = [r for r in results if not r.ok]
    verdict = "[green]every mistake is caught and named[/green]" if not bad else (
        f"[red]{len(bad)} of {len(results)} mistakes are not caught or not named: "
        "strengthen the hidden cases (grader/cases.py HIDDEN_PLAN) or the catalog[/red]")
    n = len({r.key for r in results})
    console.print(f"{n} mistakes ({len(results)} forms) in {seconds:.1f} s: {verdict}")


if __name__ == "__main__":
    sys.exit(main())
