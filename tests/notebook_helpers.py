"""Build and execute course notebooks in a real kernel, and read their self-check verdicts."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

from grader.author.notebooks import build_notebook

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "assignments" / "src").glob("*.md"))
STEMS = [p.stem for p in SOURCES]


def built(stem: str, solved: bool) -> nbformat.NotebookNode:
    src = ROOT / "assignments" / "src" / f"{stem}.md"
    return build_notebook(src.read_text(encoding="utf-8"), solved=solved, where=src.name)


def execute(nb: nbformat.NotebookNode, cwd: Path, timeout: int = 120) -> nbformat.NotebookNode:
    """Run every cell in order, errors allowed, so a failure shows in its cell's outputs."""
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", allow_errors=True,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute()
    return nb


def text_of(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}")
        elif "text/plain" in out.get("data", {}):
            parts.append(out.data["text/plain"])
    return "".join(parts)


def errors(nb) -> list[str]:
    return [
        f"cell {i} ({c.id}): {o.ename}: {o.evalue}"
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]


def selfchecks(nb) -> dict[str, str]:
    """Self-check cell output text by exercise name."""
    return {
        c.source.split('"')[1]: text_of(c)
        for c in nb.cells
        if "selfcheck" in c.metadata.get("tags", [])
    }


def has_image(cell) -> bool:
    return any("image/png" in o.get("data", {}) for o in cell.get("outputs", []))


# --- fixture notebooks: small nb -> nb edits of the real assignments ----------------------

def graded_index(nb, name: str) -> int:
    for i, c in enumerate(nb.cells):
        if c.cell_type == "code" and c.source.startswith(f"# GRADED FUNCTION: {name}\n"):
            return i
    raise KeyError(name)


def edit_graded(nb, name: str, old: str, new: str):
    """Replace text in a graded cell; fails loudly if the text is not there."""
    cell = nb.cells[graded_index(nb, name)]
    assert old in cell.source, f"{old!r} not in {name}"
    cell.source = cell.source.replace(old, new, 1)
    return nb


def insert_code(nb, index: int, source: str, tags: tuple = ()):
    import nbformat

    cell = nbformat.v4.new_code_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    nb.cells.insert(index, cell)
    return nb


def delete_graded(nb, name: str):
    del nb.cells[graded_index(nb, name)]
    return nb


def write_nb(nb, path: Path) -> Path:
    import nbformat

    path.parent.mkdir(parents=True, exist_ok=True)
    for i, c in enumerate(nb.cells):  # inserted cells need unique ids too
        c.id = f"cell-{i}"
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return path


def timing_free(result) -> dict:
    """A SubmissionResult as a dict without its timings and speed notes: the only things
    allowed to differ between two gradings of the same notebook."""
    d = result.to_dict()
    d.pop("duration"), d.pop("execution_time")
    for e in d["exercises"]:
        e.pop("duration"), e.pop("speed")
        e["feedback"] = "\n".join(line for line in e["feedback"].splitlines() if not line.startswith("Speed:"))
    return d
