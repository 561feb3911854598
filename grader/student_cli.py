"""The student's command line: ``grader check`` only.

A student's bundle installs this as its ``grader`` command (docs/release.md); the
instructor's command line (grader/cli.py) adds ``grade``, ``export`` and ``mutants`` and
shares :func:`add_check_parser` and :func:`cmd_check` with it, so ``grader check`` is
the same command in both.

Exit status: 0 every exercise passes; 1 one does not; 2 a mistake in how it was called
(no such notebook, an unknown assignment, an unreadable grading profile), in one line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from grader.config import ConfigError, load_config
from grader.grade import InstructorError

__all__ = ["INSTRUCTOR_VERBS", "add_check_parser", "cmd_check", "build_parser", "main"]

#: The verbs that need the hidden cases or the reference, which a student's bundle lacks.
INSTRUCTOR_VERBS = ("grade", "export", "mutants")


def cmd_check(args: argparse.Namespace) -> int:
    from grader.check import check_notebook
    from grader.parity import check_parity, render_parity
    from grader.terminal import check_report

    config = load_config(args.config)
    parity = check_parity(config, args.profile)  # before running: a bad profile costs nothing
    result = check_notebook(args.notebook, config, args.assignment)
    if args.json:
        print(json.dumps({**result.to_dict(), "parity": parity.to_dict()}, indent=2))
    else:
        print(check_report(result))
        print()
        print(render_parity(parity))
    return 0 if result.passed else 1


def add_check_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """The ``check`` verb's arguments, on a subparsers object."""
    c = sub.add_parser("check", help="check your notebook against the public cases",
                       description="Run your notebook and check every exercise on the public cases. "
                                   "Exit status 0 only when every exercise passes. It also says when your "
                                   "environment (Python, numpy) or its settings differ from grading's.")
    c.add_argument("notebook", type=Path)
    c.add_argument("--json", action="store_true",
                   help="print the result as JSON, with the environment it ran in and any parity warnings")
    c.add_argument("--assignment", help="which assignment it is, if the file name does not say")
    c.add_argument("--profile", type=Path,
                   help="compare with this grading profile (a grading_profile.json your instructor publishes) "
                        "instead of the one installed with the course")
    c.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    c.set_defaults(func=cmd_check)
    return c


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grader", description="Check your backpropagation notebooks on the "
                                                                "public cases before you submit them.")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="{check}")
    add_check_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in INSTRUCTOR_VERBS:
        print(f"grader: `grader {argv[0]}` is for instructors: it needs the hidden cases and the reference "
              "solutions, which the course bundle does not include. Use `grader check NOTEBOOK`.", file=sys.stderr)
        return 2
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (InstructorError, ConfigError) as exc:
        print(f"grader: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("grader: interrupted", file=sys.stderr)
        return 130
