"""docs/adding-an-exercise.md, performed: is the walkthrough true?

The page adds ``leaky_relu_backward`` to notebook 01. Here, on a copy of the repository,
its edits are applied as the page writes them (each code block under a line
"**`path`**, after the line `...`:" is inserted there), its commands run, and what they
print is compared with the output the page shows. Does the new exercise reach the built
notebook and the public cases? Does ``validate`` grade it, its blank version failing and
its solved version passing? Does ``grader mutants`` catch and name its mistakes? Does
``validate`` fail, naming it, when the reference leaves its block empty? The real course
is left as it is.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "adding-an-exercise.md"
NAME, STEM = "leaky_relu_backward", "01_deep_nn_backward"

EDIT_RE = re.compile(
    r"^\*\*`(?P<path>[^`]+)`\*\*, (?:(?P<end>at the end)|(?P<op>after|before|replacing) the line "
    r"(?:``\s?(?P<a2>.+?)\s?``|`(?P<a1>[^`]+)`)):$")
FENCE_RE = re.compile(r"^(?P<ticks>`{3,})\S*\s*$")
OUTPUT_RE = re.compile(r"^<!-- output of: (?P<what>.+?) -->$")

#: The commands of the page, and what the test runs for each (the make targets' recipes:
#: the copy has no virtualenv of its own).
COMMANDS = {
    "new-exercise": f"python -m grader.author new-exercise {NAME} --notebook {STEM} --outputs dZ",
    "make notebooks": "python -m grader.author build",
    "make validate": f"python -m grader.author validate --notebook {STEM}",
    "grader mutants": f"python -m grader mutants --exercise {NAME}",
    "make examples": "python -m grader.author examples",
}
DOCUMENTED = [COMMANDS["new-exercise"], "make notebooks", COMMANDS["make notebooks"], f"make validate NB={STEM}",
              COMMANDS["make validate"], f"grader mutants --exercise {NAME}", "make examples"]


@dataclass(frozen=True)
class Edit:
    path: str
    op: str            # "end", "after", "before" or "replacing"
    anchor: str | None
    block: tuple[str, ...]


def walkthrough_edits(text: str) -> list[Edit]:
    """Every edit of the page, in order: the line naming the file and the place, and the
    code block right under it."""
    lines = text.splitlines()
    edits, i = [], 0
    while i < len(lines):
        m = EDIT_RE.match(lines[i])
        if m:
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            fence = FENCE_RE.match(lines[j]) if j < len(lines) else None
            assert fence, f"docs line {i + 1}: an edit line must be followed by a code block"
            end = next(k for k in range(j + 1, len(lines)) if lines[k] == fence.group("ticks"))
            edits.append(Edit(m["path"], "end" if m["end"] else m["op"], m["a1"] or m["a2"], tuple(lines[j + 1:end])))
            i = end
        i += 1
    return edits


def apply_edit(root: Path, edit: Edit) -> None:
    """Apply one edit; its anchor must be exactly one line of the file (stripped). A
    top-level Python block gets two blank lines around it, a Markdown block one."""
    path = root / edit.path
    lines = path.read_text(encoding="utf-8").splitlines()
    block = list(edit.block)
    top_level = path.suffix == ".py" and bool(block) and not block[0].startswith((" ", "\t"))
    sep = ["", ""] if top_level else ([""] if path.suffix == ".md" else [])
    if edit.op == "end":
        while lines and not lines[-1].strip():
            lines.pop()
        lines += sep + block
    else:
        hits = [k for k, line in enumerate(lines) if line.strip() == edit.anchor]
        assert len(hits) == 1, (f"{edit.path}: the line {edit.anchor!r} occurs {len(hits)} times; "
                                "the walkthrough needs exactly one")
        k = hits[0]
        if edit.op == "after":
            lines[k + 1:k + 1] = sep + block
        elif edit.op == "before":
            lines[k:k] = block + sep
        else:
            lines[k:k + 1] = block
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def documented_outputs(text: str) -> dict[str, list[str]]:
    """The output blocks of the page, by what printed them (``<!-- output of: ... -->``)."""
    lines = text.splitlines()
    out = {}
    for i, line in enumerate(lines):
        m = OUTPUT_RE.match(line)
        if m:
            fence = FENCE_RE.match(lines[i + 1])
            end = next(k for k in range(i + 2, len(lines)) if lines[k] == fence.group("ticks"))
            out[m["what"]] = lines[i + 2:end]
    return out


def _normal(line: str, root: Path) -> str:
    line = line.replace(str(root), "...").rstrip()
    line = re.sub(r"\d+(\.\d+)? s\b", "# s", line)
    return re.sub(r"\d+ at a time", "# at a time", line)


def assert_shows(expected: list[str], printed: str, root: Path) -> None:
    """Every line the page shows (but ``...``) is a line of what the command printed."""
    got = {_normal(line, root) for line in printed.splitlines()}
    missing = [line for line in expected if line.strip() not in ("", "...") and _normal(line, root) not in got]
    assert not missing, "the page shows lines the command did not print:\n" + "\n".join(missing) + \
        "\n--- it printed:\n" + printed


def copy_repository(dest: Path) -> Path:
    """The project's files (tracked, and new ones not ignored) copied to ``dest``."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout.split("\0")
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def run(root: Path, key: str) -> subprocess.CompletedProcess:
    """One command of the page, in the copy: its grader and solutions, in every process
    (the workers and the kernels too, through PYTHONPATH)."""
    argv = [sys.executable] + COMMANDS[key].split()[1:]
    env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "200"}
    proc = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=300)
    proc.stdout += proc.stderr
    return proc


def test_the_page_has_edits_for_every_piece_and_names_its_commands():
    text = DOC.read_text(encoding="utf-8")
    files = {e.path for e in walkthrough_edits(text)}
    assert {"solutions/dense.py", "solutions/__init__.py", "grader/exercises.py", f"assignments/src/{STEM}.md",
            "grader/cases.py", "grader/reference.py", "grader/config.py", "grader/mistakes/dense.py",
            "docs/mistakes.md"} <= files
    for command in DOCUMENTED:
        assert command in text, command
    assert {"new-exercise (before)", "new-exercise (after)", "make notebooks", "make validate",
            "make validate (vacuous)", "grader mutants"} <= set(documented_outputs(text))


def test_the_real_course_does_not_have_the_walkthrough_exercise():
    from grader.exercises import EXERCISES

    assert NAME not in EXERCISES, "the course has it for real now: walk through another exercise"


def test_an_edit_whose_line_is_gone_or_a_line_never_printed_fails(tmp_path):
    """The machinery itself: a page out of date with the code must fail the walkthrough."""
    (tmp_path / "m.py").write_text("A = {\n    'x': 1,\n}\n", encoding="utf-8")
    apply_edit(tmp_path, Edit("m.py", "after", "'x': 1,", ("    'y': 2,",)))
    assert (tmp_path / "m.py").read_text(encoding="utf-8") == "A = {\n    'x': 1,\n    'y': 2,\n}\n"
    with pytest.raises(AssertionError, match="occurs 0 times"):
        apply_edit(tmp_path, Edit("m.py", "after", "'z': 1,", ("    'y': 2,",)))
    assert_shows(["done in 1.5 s", "..."], "x\ndone in 0.2 s\n", tmp_path)
    with pytest.raises(AssertionError, match="did not print"):
        assert_shows(["done in 1.5 s", "all caught"], "done in 0.2 s\nnot caught\n", tmp_path)


def test_the_walkthrough_adds_a_graded_validated_exercise_whose_mistakes_are_named(tmp_path):
    text = DOC.read_text(encoding="utf-8")
    shown = documented_outputs(text)
    root = copy_repository(tmp_path / "repo")

    before = run(root, "new-exercise")
    assert before.returncode == 1, before.stdout
    assert_shows(shown["new-exercise (before)"], before.stdout, root)

    for edit in walkthrough_edits(text):
        apply_edit(root, edit)

    after = run(root, "new-exercise")
    assert after.returncode == 0, after.stdout
    assert_shows(shown["new-exercise (after)"], after.stdout, root)

    build = run(root, "make notebooks")
    assert build.returncode == 0, build.stdout
    assert_shows(shown["make notebooks"], build.stdout, root)
    assert "note:" not in build.stdout, build.stdout
    nb = json.loads((root / "assignments" / f"{STEM}.ipynb").read_text(encoding="utf-8"))
    sources = ["".join(c["source"]) for c in nb["cells"]]
    graded = [s for s in sources if s.startswith(f"# GRADED FUNCTION: {NAME}\n")]
    assert len(graded) == 1 and "    dZ = None\n" in graded[0] and "np.where" not in graded[0]
    assert sources[sources.index(graded[0]) + 1] == f'check("{NAME}", {NAME})'
    assert any(s.startswith("def leaky_relu(Z, alpha=0.01):") for s in sources)
    public = json.loads((root / "grader" / "data" / "public_cases.json").read_text(encoding="utf-8"))
    assert len(public["exercises"][NAME]) == 2
    for other in ("02_conv_pool_backward", "03_batchnorm_dropout_backward"):  # untouched
        assert (root / "assignments" / f"{other}.ipynb").read_bytes() == \
            (ROOT / "assignments" / f"{other}.ipynb").read_bytes()

    validate = run(root, "make validate")
    assert validate.returncode == 0, validate.stdout
    assert_shows(shown["make validate"], validate.stdout, root)
    assert re.search(rf"^  {NAME} +0/6 +6/6 +0/2 +2/2  ok$", validate.stdout, re.M), validate.stdout

    mutants = run(root, "grader mutants")
    assert mutants.returncode == 0, mutants.stdout
    assert_shows(shown["grader mutants"], mutants.stdout, root)
    for key in (f"{NAME}/relu_derivative", f"{NAME}/hardcoded_alpha"):
        row = next(line for line in mutants.stdout.splitlines() if key in line)
        assert "yes" in row and "NO" not in row, row

    assert run(root, "make examples").returncode == 0

    # The page's counter-example: the answer written above the block, the block left empty.
    dense = root / "solutions" / "dense.py"
    src = dense.read_text(encoding="utf-8")
    line = "    dZ = dA * np.where(Z > 0, 1.0, alpha)\n"
    assert src.count("    ### START CODE HERE ###\n" + line) == 1
    dense.write_text(src.replace("    ### START CODE HERE ###\n" + line, line + "    ### START CODE HERE ###\n"),
                     encoding="utf-8")
    assert run(root, "make notebooks").returncode == 0
    vacuous = run(root, "make validate")
    assert vacuous.returncode == 1, vacuous.stdout
    assert_shows(shown["make validate (vacuous)"], vacuous.stdout, root)
    assert f"NOT AS EXPECTED: {NAME} (" in vacuous.stdout
