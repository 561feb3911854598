"""``python -m grader.author build | examples``: regenerate the notebooks and public cases
from their sources, or the demo class ``examples/class/`` from the notebooks."""

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
    return 0


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
    args = parser.parse_args(argv)
    try:
        if args.verb == "examples":
            return examples(args.root, check=args.check)
        return build(args.root, args.solved or args.out, solved=args.solved is not None, check=args.check)
    except AuthoringError as exc:
        print(f"grader.author: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
