"""The command line: argument parsing and one function per verb. ``grader --help``.

Exit status: 0 success (for ``check``: every exercise passes); 1 ``check`` found a failing
exercise; 2 a mistake in how the grader was called (missing folder, unknown notebook,
bad configuration, bad roster, missing or unreadable gradebook), reported in one line.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from grader.cluster import DaskUnavailable
from grader.config import ConfigError, load_config
from grader.export import RosterError
from grader.grade import InstructorError
from grader.gradebook import GradebookError
from grader.sandbox import SandboxUnavailable
from grader.student_cli import add_check_parser

__all__ = ["main"]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _roster(path: Path | None):
    from grader.export import read_roster

    return read_roster(path) if path is not None else None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def cmd_grade(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from grader.gradebook import latest_grades, open_gradebook
    from grader.outputs import write_outputs
    from grader.run import grade_class
    from grader.terminal import console, summary_tables

    from grader.run import default_workers

    config = load_config(args.config)
    args.workers = args.workers or default_workers()
    roster = _roster(args.roster or config.roster)  # before grading: a typo costs nothing
    previous = {}
    if (args.out / "gradebook.db").exists():
        conn = open_gradebook(args.out / "gradebook.db")
        try:
            previous = latest_grades(conn)
        finally:
            conn.close()
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
        run = grade_class(args.submissions, config, args.assignment, args.keep_scratch, not args.no_sandbox,
                          on_start, on_result, previous=previous, force=args.force, workers=args.workers,
                          dask=args.dask)
    results = list(run.results)
    paths = write_outputs(args.out, results, str(args.submissions), config.source, started, _now(),
                          gradings=run.gradings, grader_key=run.grader_key, force=args.force, roster=roster)
    for table in summary_tables(results):
        out.print(table)
    elapsed = time.monotonic() - t0
    graded = [g.result for g in run.gradings]
    if graded or not run.reused:
        students = len({r.student for r in graded})
        out.print(f"Graded {_plural(len(graded), 'notebook')} of {_plural(students, 'student')} in {elapsed:.1f} s.")
    if run.reused:
        out.print(f"{_plural(run.reused, 'unchanged notebook')} reused (use --force to regrade); the outputs hold "
                  f"{_plural(len(results), 'notebook')} of {_plural(len({r.student for r in results}), 'student')}.")
    if roster is not None:
        unknown = sorted({r.student for r in results} - set(roster))
        if unknown:
            out.print(f"[yellow]warning:[/yellow] {_plural(len(unknown), 'student')} not in the roster "
                      f"({', '.join(unknown[:5])}{', ...' if len(unknown) > 5 else ''}): canvas.csv names them "
                      "by folder, with no IDs")
    for label, key in (("grades", "csv"), ("wide", "wide"), ("canvas", "canvas"), ("gradebook", "gradebook"),
                       ("report", "report"), ("feedback", "feedback")):
        out.print(f"  {label + ':':<11}{paths[key]}{'/' if key == 'feedback' else ''}", soft_wrap=True)
    return 0


def _export_format(args: argparse.Namespace) -> str:
    """The export asked for: ``grader export FORMAT`` or ``--format FORMAT``."""
    if args.kind and args.format and args.kind != args.format:
        raise InstructorError(f"two formats asked for: {args.kind} and --format {args.format}")
    fmt = args.kind or args.format
    if fmt is None:
        raise InstructorError("say which export: grader export long|wide|canvas|gradescope")
    if fmt != "gradescope" and args.assignment is not None:
        raise InstructorError("--assignment applies to the gradescope export only")
    return fmt


def cmd_export_gradescope(args: argparse.Namespace) -> int:
    from grader.gradescope.build import build_autograders

    if args.gradebook or args.out or args.roster:
        raise InstructorError("the gradescope export reads no gradebook and no roster; -o PATH says where "
                              "the zip goes")
    config = load_config(args.config)
    for b in build_autograders(args.assignment, config, args.output):
        print(f"wrote {b.path} ({b.size / 2**20:.1f} MB): the Gradescope autograder of {b.assignment}",
              file=sys.stderr)
    print(f"course configuration: {config.source or 'the defaults (no course.toml)'}; set Gradescope's "
          f"autograder timeout above the notebook's {config.limits.notebook_timeout:g} s (docs/gradescope.md)",
          file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from grader.export import render
    from grader.gradebook import latest_results, open_gradebook
    from grader.outputs import atomic_write

    args.format = _export_format(args)
    if args.format == "gradescope":
        return cmd_export_gradescope(args)
    path = args.gradebook or (args.out or Path("grades")) / "gradebook.db"
    roster = None
    if args.format == "canvas":
        roster = _roster(args.roster or load_config(args.config).roster)
    conn = open_gradebook(path, create=False)
    try:
        results = latest_results(conn)
    finally:
        conn.close()
    text = render(args.format, results, roster)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        atomic_write(args.output, text)
    except OSError as exc:
        raise InstructorError(f"cannot write {args.output}: {exc.strerror}") from None
    print(f"wrote {args.output}: {_plural(len(results), 'notebook')} of "
          f"{_plural(len({r.student for r in results}), 'student')}", file=sys.stderr)
    return 0


def cmd_mutants(args: argparse.Namespace) -> int:
    from grader.mutants import main as mutants_main

    argv = (["--exercise", args.exercise] if args.exercise else []) + (["--config", str(args.config)] if args.config else [])
    return mutants_main(argv)


EXPORT_FORMATS = ("long", "wide", "canvas", "gradescope")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grader", description="Grade backpropagation notebooks: hidden cases, gradient checks, feedback.")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="{grade,check,export,mutants}")
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
    g.add_argument("--force", action="store_true",
                   help="regrade every notebook, even those unchanged since the gradebook's last grade")
    g.add_argument("--roster", type=Path,
                   help="CSV mapping student folders to Canvas identities, for canvas.csv "
                        "(default: [canvas] roster in course.toml)")
    g.add_argument("--workers", type=_positive, default=None,
                   help="notebooks graded at once (default: the number of CPUs)")
    g.add_argument("--dask", metavar="SCHEDULER_ADDRESS",
                   help="grade on a Dask distributed cluster (e.g. tcp://10.0.0.5:8786); each worker sandboxes "
                        "locally; see docs/scaling.md")
    g.add_argument("--quiet", action="store_true", help="print nothing but errors")
    g.set_defaults(func=cmd_grade)
    add_check_parser(sub)  # the student's `grader check` (grader/student_cli.py), the same command here
    e = sub.add_parser("export", help="write an export of a gradebook's latest grades, or a Gradescope autograder",
                       description="Write the latest grade of every student and notebook in a gradebook as CSV: "
                                   "long (grades.csv), wide (one row per student) or canvas (Canvas's gradebook "
                                   "import); or, with gradescope, the zip of a Gradescope autograder "
                                   "(docs/gradescope.md).")
    e.add_argument("kind", nargs="?", choices=EXPORT_FORMATS, metavar="FORMAT",
                   help="long, wide, canvas or gradescope (or --format)")
    where = e.add_mutually_exclusive_group()
    where.add_argument("--gradebook", type=Path, help="the gradebook file, e.g. grades/gradebook.db")
    where.add_argument("--out", type=Path, help="the output folder of grader grade holding gradebook.db "
                                                "(default: grades)")
    e.add_argument("--format", choices=EXPORT_FORMATS, help="which export, as FORMAT")
    e.add_argument("--roster", type=Path, help="canvas: CSV mapping student folders to Canvas identities "
                                               "(default: [canvas] roster in course.toml)")
    e.add_argument("--config", type=Path, help="course configuration: canvas reads its roster, gradescope puts it "
                                               "in the zip (default: ./course.toml)")
    e.add_argument("--assignment", help="gradescope: the notebook of the Gradescope assignment, e.g. "
                                        "01_deep_nn_backward (default: one zip per notebook)")
    e.add_argument("-o", "--output", type=Path,
                   help="the file to write (default: standard output); gradescope: the zip, or a folder for the "
                        "zips (default: dist/gradescope-<assignment>.zip)")
    e.set_defaults(func=cmd_export)
    m = sub.add_parser("mutants", help="check that the hidden cases catch and name every catalogued mistake",
                       description="Grade every catalogued mistake (docs/mistakes.md) on the hidden cases; "
                                   "exit 1 when one is not caught or not named.")
    m.add_argument("--exercise", help="only the mistakes of this exercise")
    m.add_argument("--config", type=Path, help="course configuration (default: ./course.toml if present)")
    m.set_defaults(func=cmd_mutants)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (InstructorError, ConfigError, SandboxUnavailable, GradebookError, RosterError, DaskUnavailable) as exc:
        print(f"grader: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("grader: interrupted", file=sys.stderr)
        return 130
