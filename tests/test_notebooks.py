"""The assignment notebooks, run in a real kernel: solved ones pass, blank ones fail cleanly.

Is the committed notebook what its source builds? Does the reference pass every public
check? Does a notebook whose blocks hold the reference run top to bottom, every
self-check passing and the demo training? Does a blank notebook run top to bottom too,
every self-check saying "not implemented yet"?
"""

import json
import subprocess
import sys

import numpy as np
import pytest

import solutions
from grader.author.public import build_public_cases
from grader.codec import decode
from grader.exercises import EXERCISES, NOTEBOOKS, PROVIDED
from grader.selfcheck import render_report, run_public_cases
from notebook_helpers import ROOT, STEMS, built, errors, execute, has_image, selfchecks


def test_every_notebook_has_a_source():
    assert STEMS == sorted(NOTEBOOKS)


def test_committed_notebooks_and_public_cases_are_up_to_date():
    proc = subprocess.run(
        [sys.executable, "-m", "grader.author", "build", "--check"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr


def _close(a, b):
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and np.allclose(a, b, rtol=1e-12, atol=1e-14)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    return a == b


def test_public_cases_regenerate_to_the_same_values():
    stored = json.loads((ROOT / "grader" / "data" / "public_cases.json").read_text())
    fresh = build_public_cases(stored["seed"])
    assert stored.keys() == fresh.keys()
    for name in EXERCISES:
        assert len(stored["exercises"][name]) == len(fresh["exercises"][name]), name
        for s, f in zip(stored["exercises"][name], fresh["exercises"][name]):
            assert s["label"] == f["label"]
            assert _close(decode(s["args"]), decode(f["args"])), name
            assert _close(decode(s["expected"]), decode(f["expected"])), name


@pytest.mark.parametrize("name", list(EXERCISES))
def test_the_reference_passes_its_public_cases(name):
    results = run_public_cases(name, getattr(solutions, name))
    assert len(results) >= 1
    assert all(r.passed for r in results), render_report(name, results)
    assert not any(r.changed for r in results), render_report(name, results)


@pytest.mark.parametrize("name", list(EXERCISES))
def test_a_function_returning_none_is_reported_as_not_implemented(name):
    report = render_report(name, run_public_cases(name, lambda *a, **k: None))
    assert report.startswith(f"❌ {name} is not implemented yet")


@pytest.mark.parametrize("stem", STEMS)
def test_notebook_cells_follow_the_spec(stem):
    nb = built(stem, solved=False)
    graded = [c for c in nb.cells if "graded" in c.metadata.get("tags", [])]
    assert [c.source.splitlines()[0] for c in graded] == [f"# GRADED FUNCTION: {n}" for n in NOTEBOOKS[stem]]
    for c in graded:
        assert "### START CODE HERE ### (≈" in c.source and "### END CODE HERE ###" in c.source
    # a self-check right under each graded cell
    for i, c in enumerate(nb.cells):
        if "graded" in c.metadata.get("tags", []):
            name = c.source.splitlines()[0].split(": ")[1]
            assert nb.cells[i + 1].source == f'check("{name}", {name})'
    sources = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for name in PROVIDED[stem]:
        assert f"def {name}(" in sources, name
    assert any("demo" in c.metadata.get("tags", []) for c in nb.cells)


@pytest.mark.notebook
@pytest.mark.parametrize("stem", STEMS)
def test_solved_notebook_passes_every_selfcheck_and_trains(stem, tmp_path):
    nb = execute(built(stem, solved=True), tmp_path)
    assert errors(nb) == []
    verdicts = selfchecks(nb)
    assert sorted(verdicts) == sorted(NOTEBOOKS[stem])
    for name, text in verdicts.items():
        assert text.startswith(f"✅ {name} passes"), text
        assert "❌" not in text and "⚠️" not in text, text
    demo = [c for c in nb.cells if c.cell_type == "code" and "demo" in c.metadata.get("tags", [])]
    assert any(has_image(c) for c in demo), "the demo shows no figure"


@pytest.mark.notebook
@pytest.mark.parametrize("stem", STEMS)
def test_blank_notebook_runs_top_to_bottom_and_every_selfcheck_fails_cleanly(stem, tmp_path):
    nb = execute(built(stem, solved=False), tmp_path)
    assert errors(nb) == []
    verdicts = selfchecks(nb)
    assert sorted(verdicts) == sorted(NOTEBOOKS[stem])
    for name, text in verdicts.items():
        assert text.startswith(f"❌ {name}"), text
        assert "Traceback" not in text


def test_committed_notebooks_are_blank():
    import nbformat

    for stem in STEMS:
        nb = nbformat.read(ROOT / "assignments" / f"{stem}.ipynb", as_version=4)
        nbformat.validate(nb)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
        ref = built(stem, solved=False)
        assert [c.source for c in nb.cells] == [c.source for c in ref.cells]
