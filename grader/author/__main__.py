"""``python -m grader.author build | examples | validate | registry | new-exercise``: regenerate
the notebooks and public cases from their sources, or the demo class ``examples/class/``
from the notebooks; check that every exercise is registered everywhere and that its
tests are real (docs/adding-an-exercise.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from grader.author.examples import CLASS_DIR, build_examples
from grader.author.notebooks import AuthoringError, build_notebook
from grader.author.public import build_public_cases, dumps

ROOT = Path(__file__).resolve().parents[2]


def sources(root: Path) -> list[Path]:
    return sorted((root / "assignments" / "src").glob("*.md"))


def build(root: Path, out: Path | None, solved: bool, check: bool) -> int:
    from grader.author.registry import build_problems, course_problems

    missing = build_problems(root)
    if missing:
        raise AuthoringError("\n".join(missing))
    targets: dict[Path, str] = {}
    for src in sources(root):
        nb = build_notebook(src.read_text(encoding="utf-8"), solved=solved, where=str(src.relative_to(root)))
        dest = (out or root / "assignments") / f"{src.stem}.ipynb"
        targets[dest] = nbformat.writes(nb) + "\n"
    if not solved and out is None:
        targets[root / "grader" / "data" / "public_cases.json"] = dumps(build_public_cases())
    if check:
        stale = [p for p, text in targets.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
        for p in stale:
            print(f"out of date: {p.relative_to(root)} (run `make notebooks`)", file=sys.stderr)
        return 1 if stale else 0
    for p, text in targets.items():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
        print(f"wrote {p}")
    for line in course_problems(root):  # not needed to build, but to grade: say so now
        print(f"note: {line}", file=sys.stderr)
    return 0


def registry(root: Path) -> int:
    """Print every missing registration, one line each; 1 if there is one."""
    from grader.author.registry import course_problems

    problems = course_problems(root)
    for line in problems:
        print(line)
    if not problems:
        print("every exercise is registered everywhere")
    return 1 if problems else 0


def new_exercise(root: Path, name: str, stem: str | None, outputs: tuple[str, ...]) -> int:
    """The checklist of one exercise: each piece in place or, if not, what to write where."""
    from grader.author.registry import checklist_text
    from grader.exercises import EXERCISES, NOTEBOOKS

    if not name.isidentifier():
        raise AuthoringError(f"{name!r} is not a Python function name")
    stem = stem or (EXERCISES[name].notebook if name in EXERCISES else None)
    if stem is None:
        raise AuthoringError(f"{name} is not an exercise yet: say which notebook with --notebook "
                             f"({', '.join(NOTEBOOKS)})")
    if stem not in NOTEBOOKS and not (root / "assignments" / "src" / f"{stem}.md").is_file():
        raise AuthoringError(f"unknown notebook {stem!r}; known: {', '.join(NOTEBOOKS)}")
    text, todo = checklist_text(name, stem, outputs, root)
    print(text)
    return 1 if todo else 0


def examples(root: Path, check: bool) -> int:
    """Write the demo class under ``examples/class/`` (and remove files it no longer has);
    with ``check``, write nothing and return 1 if a file is out of date or extra."""
    targets = build_examples(root)
    folder = root / CLASS_DIR
    # Hidden files (.ipynb_checkpoints/, .DS_Store) are not graded and not ours to remove
    extra = sorted(
        p for p in folder.rglob("*")
        if p.is_file() and p not in targets and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ) if folder.is_dir() else []
    stale = [p for p, data in targets.items() if not p.is_file() or p.read_bytes() != data]
    if check:
        for p in stale:
            print(f"out of date: {p.relative_to(root)} (run `make examples`)", file=sys.stderr)
        for p in extra:
            print(f"not generated: {p.relative_to(root)} (run `make examples` to remove it)", file=sys.stderr)
        return 1 if stale or extra else 0
    for p in stale:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(targets[p])
        print(f"wrote {p.relative_to(root)}")
    for p in extra:
        p.unlink()
        print(f"removed {p.relative_to(root)}")
    for p in extra:  # a student folder left empty
        if p.parent != folder and not any(p.parent.iterdir()):
            p.parent.rmdir()
    print(f"{CLASS_DIR}: {len(targets)} files, {len(stale)} written, {len(extra)} removed")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.author", description=__doc__)
    sub = parser.add_subparsers(dest="verb", required=True)
    b = sub.add_parser("build", help="write assignments/*.ipynb and grader/data/public_cases.json")
    b.add_argument("--solved", metavar="DIR", type=Path, help="write solved notebooks to DIR instead")
    b.add_argument("--out", metavar="DIR", type=Path, help="write the blank notebooks to DIR instead")
    b.add_argument("--check", action="store_true", help="write nothing; exit 1 if a generated file is out of date")
    b.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    e = sub.add_parser("examples", help=f"write the demo class {CLASS_DIR}/ from the notebooks")
    e.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file of the demo class is out of date")
    e.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    v = sub.add_parser("validate", help="check that the blank notebooks fail every test and the solved ones pass "
                                        "them all, on the hidden and the public cases")
    v.add_argument("--notebook", action="append", metavar="STEM",
                   help="only this notebook (a stem or a path to its .ipynb); repeatable")
    v.add_argument("--workers", type=int, default=None, help="notebooks run at once (default: the number of CPUs)")
    v.add_argument("--config", type=Path, default=None, help="course.toml (default: ./course.toml if present)")
    v.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    r = sub.add_parser("registry", help="list every exercise's missing registrations (no kernel runs)")
    r.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    n = sub.add_parser("new-exercise", help="the checklist of an exercise to add: what is in place, and what to "
                                            "write where")
    n.add_argument("name", help="the graded function's name, e.g. leaky_relu_backward")
    n.add_argument("--notebook", metavar="STEM", help="its notebook, e.g. 01_deep_nn_backward")
    n.add_argument("--outputs", default="dx", help="the names of what it returns, comma-separated (default: dx)")
    n.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        if args.verb == "examples":
            return examples(args.root, check=args.check)
        if args.verb == "validate":
            from grader.author.validate import main as validate_main

            return validate_main(args.root, args.notebook, args.workers, args.config)
        if args.verb == "registry":
            return registry(args.root)
        if args.verb == "new-exercise":
            outputs = tuple(o.strip() for o in args.outputs.split(",") if o.strip()) or ("dx",)
            return new_exercise(args.root, args.name, args.notebook, outputs)
        return build(args.root, args.solved or args.out, solved=args.solved is not None, check=args.check)
    except AuthoringError as exc:
        for line in str(exc).splitlines():
            print(f"grader.author: {line}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
