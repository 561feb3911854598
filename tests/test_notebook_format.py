"""Every notebook the project ships or generates is a valid nbformat 4.5+ notebook with cell ids.

Does each committed assignment, each notebook of the demo class meant to be valid, and each
notebook the builders write (``grader.author build``, ``build --solved``, ``build --out``,
``grader.author examples``) validate against the current nbformat schema, where cell ids
are required? Are its ids unique, and the same on every rebuild, whatever the process
(so that a rebuild never churns a student's notebook or the committed files)? Are the
demo students that are broken on purpose broken exactly the way they claim, and no more?
"""

from __future__ import annotations

import ast
import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader.author.examples import CLASS_DIR, build_examples
from notebook_helpers import ROOT, STEMS, built

ID_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")

#: The demo students broken on purpose (examples/README.md): path under examples/class -> claim.
BROKEN = {
    "fay_invalid/02_conv_pool_backward.ipynb": "not valid JSON",
    "gus_deleted/03_batchnorm_dropout_backward.ipynb": "the graded cell of batchnorm_backward deleted",
    "eve_syntax/01_deep_nn_backward.ipynb": "a syntax error in the graded cell of linear_backward",
}
#: Of those, the ones that are still valid notebooks (broken code, not a broken file).
NOT_JSON = {"fay_invalid/02_conv_pool_backward.ipynb"}


def assert_valid(text: str, where: str) -> dict:
    """The notebook's JSON, once it is shown to be a valid nbformat >= 4.5 notebook whose
    every cell has a unique, well-formed id, in the canonical form nbformat writes."""
    raw = json.loads(text)
    assert (raw.get("nbformat"), raw.get("nbformat_minor", 0) >= nbformat.current_nbformat_minor) == (4, True), (
        f"{where}: nbformat {raw.get('nbformat')}.{raw.get('nbformat_minor')}, "
        f"expected 4.{nbformat.current_nbformat_minor} or later (cell ids required)")
    ids = [c.get("id") for c in raw["cells"]]
    assert ids and all(isinstance(i, str) and ID_RE.match(i) for i in ids), f"{where}: a cell without a valid id: {ids}"
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    assert not dupes, f"{where}: duplicate cell ids {dupes}"
    checked = copy.deepcopy(raw)
    # nbformat.validate quietly repairs missing and duplicate ids (it normalizes first):
    # validate a copy, then require that nothing had to be repaired.
    nbformat.validate(checked, version=4, version_minor=raw["nbformat_minor"])
    assert checked == raw, f"{where}: nbformat.validate had to repair the notebook"
    # what Jupyter reads and writes back is the file itself: no id or field would change
    assert nbformat.writes(nbformat.reads(text, as_version=nbformat.NO_CONVERT)) == text.rstrip("\n"), where
    return raw


def ids_of(nb) -> list[str]:
    return [c["id"] for c in nb["cells"]]


# --------------------------------------------------------------------------- the assignments


def test_the_committed_assignments_are_the_notebooks_of_the_sources():
    assert sorted(p.stem for p in (ROOT / "assignments").glob("*.ipynb")) == STEMS


@pytest.mark.parametrize("stem", STEMS)
def test_a_committed_assignment_validates_with_the_ids_of_its_source(stem):
    path = ROOT / "assignments" / f"{stem}.ipynb"
    raw = assert_valid(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert ids_of(raw) == ids_of(built(stem, solved=False))


@pytest.mark.parametrize("stem", STEMS)
def test_solved_and_blank_builds_are_valid_and_share_their_ids(stem):
    blank, solved = built(stem, solved=False), built(stem, solved=True)
    for nb, what in ((blank, "blank"), (solved, "solved")):
        assert_valid(nbformat.writes(nb) + "\n", f"{stem} ({what})")
    assert ids_of(solved) == ids_of(blank)
    # rebuilding in the same process gives the same notebook, ids included
    assert nbformat.writes(built(stem, solved=True)) == nbformat.writes(solved)


def _cli_build(out: Path, flag: str, hash_seed: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    proc = subprocess.run([sys.executable, "-m", "grader.author", "build", flag, str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(out.glob("*.ipynb"))}


@pytest.mark.parametrize("flag", ["--solved", "--out"])
def test_the_build_command_writes_valid_notebooks_identical_on_every_rebuild(flag, tmp_path):
    """Two processes with different hash seeds write the same bytes: no id is random or
    depends on set or dict ordering."""
    first = _cli_build(tmp_path / "first", flag, "1")
    again = _cli_build(tmp_path / "again", flag, "2")
    assert sorted(first) == [f"{s}.ipynb" for s in STEMS]
    for name, text in first.items():
        assert_valid(text, f"build {flag}: {name}")
        assert again[name] == text, f"build {flag}: {name} differs between two builds"
    if flag == "--out":  # the blank build is what is committed
        for name, text in first.items():
            assert (ROOT / "assignments" / name).read_text(encoding="utf-8") == text, name


# --------------------------------------------------------------------------- the demo class


def _class_files() -> list[str]:
    folder = ROOT / CLASS_DIR
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.ipynb")
                  if not any(part.startswith(".") for part in p.relative_to(folder).parts))


CLASS_FILES = _class_files()


def test_every_broken_demo_student_is_in_the_class():
    assert set(BROKEN) <= set(CLASS_FILES)
    assert len(CLASS_FILES) > len(BROKEN)


@pytest.mark.parametrize("name", [n for n in CLASS_FILES if n not in NOT_JSON])
def test_a_demo_notebook_validates_with_cell_ids(name):
    path = ROOT / CLASS_DIR / name
    raw = assert_valid(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    if name not in BROKEN:  # a whole notebook: the cells (and ids) of its source
        assert ids_of(raw) == ids_of(built(Path(name).stem, solved=False))


def _read(name: str) -> str:
    return (ROOT / CLASS_DIR / name).read_text(encoding="utf-8")


def _graded(raw: dict, name: str) -> list[dict]:
    return [c for c in raw["cells"] if c["cell_type"] == "code"
            and "".join(c["source"]).split("\n", 1)[0] == f"# GRADED FUNCTION: {name}"]


def test_fay_invalid_is_a_solved_notebook_cut_in_the_middle():
    text = _read("fay_invalid/02_conv_pool_backward.ipynb")
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    with pytest.raises(nbformat.reader.NotJSONError):
        nbformat.reads(text, as_version=4)
    whole = _read("ada_correct/02_conv_pool_backward.ipynb")
    assert whole.startswith(text) and len(whole) // 3 < len(text) < len(whole)


def test_gus_deleted_is_a_solved_notebook_without_one_graded_cell():
    gus = json.loads(_read("gus_deleted/03_batchnorm_dropout_backward.ipynb"))
    ada = json.loads(_read("ada_correct/03_batchnorm_dropout_backward.ipynb"))
    assert _graded(gus, "batchnorm_backward") == []
    (deleted,) = _graded(ada, "batchnorm_backward")
    assert gus["cells"] == [c for c in ada["cells"] if c is not deleted]
    assert gus["metadata"] == ada["metadata"]


def _parses(cell: dict) -> bool:
    try:
        ast.parse("".join(cell["source"]))
    except SyntaxError:
        return False
    return True


def test_eve_syntax_is_a_solved_notebook_with_one_syntax_error():
    eve = json.loads(_read("eve_syntax/01_deep_nn_backward.ipynb"))
    ada = json.loads(_read("ada_correct/01_deep_nn_backward.ipynb"))
    (broken,) = _graded(eve, "linear_backward")
    assert not _parses(broken)
    assert [c["id"] for c in eve["cells"]] == [c["id"] for c in ada["cells"]]
    differing = [e["id"] for e, a in zip(eve["cells"], ada["cells"]) if e != a]
    assert differing == [broken["id"]]
    assert all(_parses(c) for c in eve["cells"] if c["cell_type"] == "code" and c is not broken)


def test_the_examples_builder_writes_what_is_committed_and_valid():
    """``grader.author examples`` writes exactly the committed class: the valid notebooks
    validate, the broken ones are the committed broken ones."""
    targets = build_examples(ROOT)
    folder = ROOT / CLASS_DIR
    written = {str(p.relative_to(folder)): data.decode("utf-8") for p, data in targets.items()}
    assert sorted(written) == CLASS_FILES
    for name, text in written.items():
        if name not in NOT_JSON:
            assert_valid(text, f"examples builder: {name}")
        assert text == _read(name), f"{name}: run `make examples`"
