"""The command line: argument parsing and one function per verb. ``grader --help``.

Exit status: 0 success (for ``check``: every exercise passes); 1 ``check`` found a failing
exercise; 2 a mistake in how the grader was called (missing folder, unknown notebook,
bad configuration), reported in one line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from grader.config import ConfigError, load_config
from grader.grade import InstructorError
from grader.sandbox import SandboxUnavailable

__all__ = ["main"]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def cmd_grade(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from grader.outputs import write_outputs
    from grader.run import grade_class
    from grader.terminal import console, summary_tables

    config = load_config(args.config)
    out = console(args.quiet)
    if args.no_sandbox:
        out.print("[yellow]warning:[/yellow] --no-sandbox: student code runs with your rights, unconfined")
    started = _now()
    t0 = time.monotonic()
    progress = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        TextColumn("{task.description}"), console=out, transient=True)
    task = None

    def on_start(n: int, warnings: list[str]) -> None:
        nonlocal task
        for w in warnings:
            out.print(f"[yellow]warning:[/yellow] {w}")
        task = progress.add_task("", total=n)

    def on_result(r) -> None:
        progress.update(task, advance=1, description=f"{r.student}/{r.assignment}")

    with progress:
        results, _ = grade_class(args.submissions, config, args.assignment, args.keep_scratch,
                                 not args.no_sandbox, on_start, on_result)
    paths = write_outputs(args.out, results, str(args.submissions), config.source, started, _now())
    for table in summary_tables(results):
        out.print(table)
    elapsed = time.monotonic() - t0
    out.print(f"Graded {len(results)} notebooks of {len({r.student for r in results})} students "
              f"in {elapsed:.1f} s.")
    for label, key in (("grades", "csv"), ("gradebook", "gradebook"), ("report", "report"), ("feedback", "feedback")):
        out.print(f"  {label + ':':<11}{paths[key]}{'/' if key == 'feedback' else ''}", soft_wrap=True)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from grader.run import check_notebook
    from grader.terminal import check_report

    result = check_notebook(args.notebook, load_config(args.config), args.assignment)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(check_report(result))
    return 0 if result.passed else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grader", description="Grade backpropagation notebooks: hidden cases, gradient checks, feedback.")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="{grade,check}")
    g = sub.add_parser("grade", help="grade a class: SUBMISSIONS/<student>/<notebook>.ipynb",
                       description="Run every notebook in its own kernel, grade it against hidden cases and "
                                   "gradient checks, and write grades.csv, gradebook.db, feedback pages and a report.")
    g.add_argument("submissions", nargs="?", type=Path, default=Path("submissions"),
                   help="folder of student folders (default: submissions)")
    g.add_argument("--out", type=Path, default=Path("grades"), help="output folder (default: grades)")
    g.add_argument("--config", type=Path, help="course configuration (default: ./course.toml if present)")
    g.add_argument("--assignment", help="grade only this notebook, e.g. 02_conv_pool_backward")
    g.add_argument("--keep-scratch", action="store_true", help="keep each job folder, for debugging")
    g.add_argument("--no-sandbox", action="store_true",
                   help="run notebooks without the bubblewrap sandbox: only for code you trust")
    g.add_argument("--quiet", action="store_true", help="print nothing but errors")
    g.set_defaults(func=cmd_grade)
    c = sub.add_parser("check", help="check your notebook against the public cases",
                       description="Run your notebook and check every exercise on the public cases. "
                                   "Exit status 0 only when every exercise passes.")
    c.add_argument("notebook", type=Path)
    c.add_argument("--json", action="store_true", help="print the result as JSON")
    c.add_argument("--assignment", help="which assignment it is, if the file name does not say")
    c.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    c.set_defaults(func=cmd_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (InstructorError, ConfigError, SandboxUnavailable) as exc:
        print(f"grader: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("grader: interrupted", file=sys.stderr)
        return 130
