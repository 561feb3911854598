"""Build the assignment notebooks from their sources (docs/authoring.md).

Small pure steps, composed in one visible order by :func:`build_notebook`:

1. :func:`parse_source` - the Markdown source into cell specs;
2. :func:`function_cell` - a provided or graded function's reference source, with its
   START/END CODE blocks kept (solved) or replaced by placeholders (blank, :func:`blank_blocks`);
3. :func:`to_notebook` - cell specs into an nbformat notebook with stable cell ids.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from dataclasses import dataclass, field
from typing import Callable

import nbformat
from nbformat import v4

__all__ = [
    "AuthoringError",
    "CellSpec",
    "parse_source",
    "blank_blocks",
    "annotate_blocks",
    "function_cell",
    "to_notebook",
    "build_notebook",
]

START_RE = re.compile(r"^(?P<indent>[ \t]*)### START CODE HERE ###.*$")
END_RE = re.compile(r"^[ \t]*### END CODE HERE ###[ \t]*$")
FENCE_OPEN_RE = re.compile(r"^```(?:python|\{(?P<directive>[a-z]+)\}(?P<args>.*))?\s*$")
DEMO_MARK = "<!-- demo -->"
CELL_BREAK = "+++"
DIRECTIVES = ("provided", "graded", "selfcheck")


class AuthoringError(ValueError):
    """A mistake in a notebook source or in a reference function's blocks."""


@dataclass(frozen=True)
class CellSpec:
    """One cell to build: ``kind`` is markdown, code, provided, graded or selfcheck."""

    kind: str
    text: str = ""
    names: tuple[str, ...] = ()
    tags: tuple[str, ...] = field(default=())


def parse_source(text: str, where: str = "source") -> list[CellSpec]:
    """Split a notebook source into cell specs (see docs/authoring.md)."""
    cells: list[CellSpec] = []
    demo = False
    md: list[str] = []

    def flush_md() -> None:
        body = "\n".join(md).strip("\n")
        if body.strip():
            cells.append(CellSpec("markdown", body, tags=("demo",) if demo else ()))
        md.clear()

    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == DEMO_MARK:
            flush_md()
            demo = True
        elif line.strip() == CELL_BREAK:
            flush_md()
        elif (m := FENCE_OPEN_RE.match(line)) and line.startswith("```"):
            flush_md()
            end = next((j for j in range(i + 1, len(lines)) if lines[j].rstrip() == "```"), None)
            if end is None:
                raise AuthoringError(f"{where}:{i + 1}: code fence is never closed")
            body = "\n".join(lines[i + 1 : end])
            directive = m.group("directive")
            names = tuple((m.group("args") or "").split())
            tags = ("demo",) if demo else ()
            if directive is None:
                cells.append(CellSpec("code", body, tags=tags))
            elif directive not in DIRECTIVES:
                raise AuthoringError(f"{where}:{i + 1}: unknown directive {{{directive}}}")
            elif not names:
                raise AuthoringError(f"{where}:{i + 1}: {{{directive}}} needs a function name")
            elif directive != "provided" and len(names) != 1:
                raise AuthoringError(f"{where}:{i + 1}: {{{directive}}} takes exactly one name")
            else:
                cells.append(CellSpec(directive, body, names, tags))
            i = end
        else:
            md.append(line)
        i += 1
    flush_md()
    return cells


def _blocks(lines: list[str], where: str) -> list[tuple[int, int]]:
    """(start, end) line indices of each START/END pair; raises on unbalanced markers."""
    pairs, start = [], None
    for i, line in enumerate(lines):
        if START_RE.match(line):
            if start is not None:
                raise AuthoringError(f"{where}: line {i + 1}: START CODE HERE inside another block")
            start = i
        elif END_RE.match(line):
            if start is None:
                raise AuthoringError(f"{where}: line {i + 1}: END CODE HERE without a START")
            pairs.append((start, i))
            start = None
    if start is not None:
        raise AuthoringError(f"{where}: line {start + 1}: START CODE HERE is never closed")
    return pairs


_COUNT_RE = re.compile(r"\(≈ (?P<n>\d+) lines? of code\)")


def _code_lines(body: list[str], start_line: str = "") -> int:
    """The ``(≈ N lines of code)`` of a block: the author's own count when the START line
    of ``solutions/`` gives one (a reference written for speed can be longer than the
    route the notebook teaches), else the block's code lines."""
    written = _COUNT_RE.search(start_line)
    if written:
        return int(written.group("n"))
    return sum(1 for l in body if l.strip() and not l.strip().startswith("#"))


def _start_line(indent: str, n: int) -> str:
    return f"{indent}### START CODE HERE ### (≈ {n} line{'s' if n != 1 else ''} of code)"


def _placeholders(body: list[str], indent: str, where: str) -> list[str]:
    code = textwrap.dedent("\n".join(body))
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise AuthoringError(f"{where}: a START/END block does not parse on its own: {exc}") from exc
    out = []
    for stmt in tree.body:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else (
            [stmt.target] if isinstance(stmt, ast.AnnAssign) else [])
        for t in targets:
            text = ast.get_source_segment(code, t) or ast.unparse(t)
            if isinstance(t, (ast.Tuple, ast.List)):
                out.append(f"{text} = {', '.join(['None'] * len(t.elts))}")
            else:
                out.append(f"{text} = None")
    return [indent + line for line in (out or ["pass"])]


def _rewrite_blocks(source: str, where: str, body_of: Callable[[list[str], str], list[str]]) -> str:
    lines = source.splitlines()
    out, pos = [], 0
    for start, end in _blocks(lines, where):
        indent = START_RE.match(lines[start]).group("indent")
        body = lines[start + 1 : end]
        out.extend(lines[pos:start])
        out.append(_start_line(indent, _code_lines(body, lines[start])))
        out.extend(body_of(body, indent))
        out.append(lines[end])
        pos = end + 1
    out.extend(lines[pos:])
    return "\n".join(out)


def blank_blocks(source: str, where: str = "function") -> str:
    """Replace each START/END block by runnable placeholders (``target = None``)."""
    return _rewrite_blocks(source, where, lambda body, indent: _placeholders(body, indent, where))


def annotate_blocks(source: str, where: str = "function") -> str:
    """Keep each block's code; only write the ``(≈ N lines of code)`` count on its START line."""
    return _rewrite_blocks(source, where, lambda body, indent: body)


def _reference_source(name: str) -> str:
    import solutions

    fn = getattr(solutions, name, None)
    if fn is None:
        raise AuthoringError(f"solutions has no function {name!r}")
    return textwrap.dedent(inspect.getsource(fn)).rstrip("\n")


def function_cell(spec: CellSpec, solved: bool) -> str:
    """The code of a provided, graded or self-check cell."""
    if spec.kind == "provided":
        parts = []
        for name in spec.names:
            src = _reference_source(name)
            if _blocks(src.splitlines(), name):
                raise AuthoringError(f"provided function {name} has START/END CODE blocks")
            parts.append(src)
        return "\n\n\n".join(parts)
    (name,) = spec.names
    if spec.kind == "graded":
        src = _reference_source(name)
        if not _blocks(src.splitlines(), name):
            raise AuthoringError(f"graded function {name} has no START/END CODE block")
        body = annotate_blocks(src, name) if solved else blank_blocks(src, name)
        return f"# GRADED FUNCTION: {name}\n\n{body}"
    return f'check("{name}", {name})'


def _cell_id(spec: CellSpec, index: int) -> str:
    base = {"markdown": "md", "code": "code"}.get(spec.kind)
    if base is None:
        base = f"{spec.kind}-{spec.names[0]}"
    return f"{base}-{index}"[:64]


def to_notebook(cells: list[CellSpec], solved: bool) -> nbformat.NotebookNode:
    """An nbformat 4.5 notebook with stable cell ids and tags."""
    nb = v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python", "pygments_lexer": "ipython3"},
    }
    for i, spec in enumerate(cells):
        tags = list(spec.tags)
        if spec.kind in ("graded", "selfcheck"):
            tags.append(spec.kind)
        if spec.kind == "markdown":
            cell = v4.new_markdown_cell(spec.text, id=_cell_id(spec, i))
        else:
            source = spec.text if spec.kind == "code" else function_cell(spec, solved)
            cell = v4.new_code_cell(source, id=_cell_id(spec, i))
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def build_notebook(source_text: str, solved: bool = False, where: str = "source") -> nbformat.NotebookNode:
    """Parse a notebook source and build the student (or solved) notebook."""
    return to_notebook(parse_source(source_text, where), solved)
