"""``python -m grader.author validate``: are the course's tests real?

Does the real course pass (every blank check fails, every solved check passes, hidden
and public)? When a solution's block is wrong, or a check passes on the placeholders, is
the exercise named, with the version, the cases and the checks, and the others left ok?
"""

from __future__ import annotations

import re

import pytest

from grader.author.validate import exercise_problems, main, render, validate
from grader.config import load_config
from grader.results import Check, ExerciseResult
from notebook_helpers import ROOT, built, edit_graded, write_nb

STEM = "03_batchnorm_dropout_backward"


@pytest.mark.notebook
def test_the_real_course_validates(capsys):
    assert main(ROOT, None, 2, None) == 0
    out = capsys.readouterr().out
    from grader.exercises import EXERCISES

    for name in EXERCISES:
        row = re.search(rf"^  {name} +0/(\d+) +(\d+)/(\d+) +0/(\d+) +(\d+)/(\d+)  ok$", out, re.M)
        assert row, f"{name}:\n{out}"
        hidden, h_pass, h_total, public, p_pass, p_total = map(int, row.groups())
        assert hidden == h_pass == h_total > 0 and public == p_pass == p_total > 0, row.group(0)
    assert "every check fails on the blank notebooks and passes on the solved ones" in out
    assert "✗" not in out


@pytest.mark.notebook
def test_a_wrong_solution_and_a_vacuous_check_are_named(tmp_path):
    blank = built(STEM, solved=False)
    # the placeholders of batchnorm_backward_alt already hold dbeta: its dbeta checks are vacuous
    edit_graded(blank, "batchnorm_backward_alt", "    dbeta = None\n", "    dbeta = np.sum(dout, axis=0)\n")
    solved = built(STEM, solved=True)
    edit_graded(solved, "dropout_backward", "dx = dout * mask\n", "dx = dout * mask * 2\n")  # a wrong block
    paths = {kind: write_nb(nb, tmp_path / kind / f"{STEM}.ipynb")
             for kind, nb in (("blank", blank), ("solved", solved))}

    v = validate([STEM], {STEM: paths["blank"]}, {STEM: paths["solved"]}, load_config(None), workers=2)

    assert not v.ok
    by = {e.exercise: e for nb in v.notebooks for e in nb.exercises}
    assert by["batchnorm_backward"].ok, by["batchnorm_backward"].problems
    alt = by["batchnorm_backward_alt"].problems
    assert any(p.startswith("the blank notebook, hidden cases: the placeholders pass 4 of 12 checks "
                            "(case1:dbeta, case1:grad:dbeta, case2:dbeta, case2:grad:dbeta)") for p in alt), alt
    assert any(p.startswith("the blank notebook, public cases: the placeholders pass 2 of 6 checks") for p in alt), alt
    assert not any("solved" in p for p in alt), alt
    drop = by["dropout_backward"].problems
    assert any(p.startswith("the solved notebook, hidden cases: fails 4 of 6 checks (case1:dx, case1:grad:dx, "
                            "case2:dx, case2:grad:dx)") for p in drop), drop
    assert any(p.startswith("the solved notebook, public cases: fails 1 of 2 checks (case1:dx)") for p in drop), drop
    assert not any("blank" in p for p in drop), drop

    text = render(v)
    assert re.search(r"^  batchnorm_backward_alt +4/12 +12/12 +2/6 +6/6  FAIL$", text, re.M), text
    assert re.search(r"^  dropout_backward +0/6 +2/6 +0/2 +1/2  FAIL$", text, re.M), text
    assert "NOT AS EXPECTED: batchnorm_backward_alt, dropout_backward (" in text
    assert all(line.startswith(("batchnorm_backward_alt: ", "dropout_backward: ")) for line in v.offending())


def _result(status: str, passed: list[bool], score: float, kinds: list[str] | None = None) -> ExerciseResult:
    kinds = kinds or ["value"] * len(passed)
    checks = tuple(Check(f"case{i}:x", k, i, p) for i, (p, k) in enumerate(zip(passed, kinds), 1))
    return ExerciseResult("relu_backward", status, score, 1.0, "feedback", checks)


def test_what_counts_as_a_problem():
    assert exercise_problems("blank", "hidden", _result("not_implemented", [False, False], 0), True) == []
    assert exercise_problems("solved", "hidden", _result("passed", [True, True], 1, ["value", "gradient"]), True) == []
    # a blank that raises instead of reading "not implemented yet"
    assert "do not read as 'not implemented yet' (status error" in \
        exercise_problems("blank", "hidden", _result("error", [False], 0), True)[0]
    # no check at all is vacuous too
    assert "no check ran" in exercise_problems("blank", "public", _result("not_implemented", [], 0), False)[0]
    # a solved exercise with a gradient spec but no gradient check
    assert "no gradient check ran" in exercise_problems("solved", "hidden", _result("passed", [True], 1), True)[0]
    assert exercise_problems("solved", "public", _result("passed", [True], 1), True) == []
