"""Grading a class with several workers at once: the same results as one at a time."""

from __future__ import annotations

import shutil

import pytest

from grader.cli import main
from grader.config import SandboxLimits, load_config
from grader.run import default_workers, grade_class, slot_limits
from notebook_helpers import ROOT, timing_free

pytestmark = [pytest.mark.notebook]

STUDENTS = ("ada_correct", "cho_mistakes", "eve_syntax")


@pytest.fixture(scope="module")
def small_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    for student in STUDENTS:
        shutil.copytree(ROOT / "examples" / "class" / student, root / student)
    return root


@pytest.fixture(scope="module")
def one_at_a_time(small_class):
    return grade_class(small_class, load_config(None), sandboxed=False, workers=1)


def test_slots_get_their_own_user():
    base = SandboxLimits(uid=64900, gid=64900)
    assert [(slot_limits(base, i).uid, slot_limits(base, i).gid) for i in range(3)] == [
        (64900, 64900), (64899, 64899), (64898, 64898)]
    assert slot_limits(base, 2).memory_mb == base.memory_mb
    assert default_workers() >= 1


def test_three_workers_give_the_same_results_in_the_same_order(small_class, one_at_a_time):
    seen = []
    run = grade_class(small_class, load_config(None), sandboxed=False, workers=3, on_result=seen.append)
    assert [timing_free(r) for r in run.results] == [timing_free(r) for r in one_at_a_time.results]
    assert len(seen) == len(run.results) == 7
    assert [g.result.path for g in run.gradings] == [r.path for r in one_at_a_time.results]


@pytest.mark.sandbox
def test_sandboxed_workers_give_the_same_results(small_class, one_at_a_time):
    run = grade_class(small_class, load_config(None), sandboxed=True, workers=2)
    assert [timing_free(r) for r in run.results] == [timing_free(r) for r in one_at_a_time.results]


def test_workers_must_be_positive(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["grade", "examples/class", "--workers", "0"])
    assert exc.value.code == 2
    assert "expected at least 1" in capsys.readouterr().err
