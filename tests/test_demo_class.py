"""`grader grade` on the demo class, end to end, as `make grade` runs it.

Does every correct student, in whatever style, get full marks? Does every mistake lose
marks, and only where it is? Are the CSV, the gradebook, a feedback page per student
and notebook, and the report all written?
"""

import csv
import sqlite3

import pytest

from grader.cli import main
from notebook_helpers import ROOT

pytestmark = [pytest.mark.notebook, pytest.mark.sandbox, pytest.mark.xdist_group("demo_class")]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = tmp_path_factory.mktemp("grades")
    assert main(["grade", str(ROOT / "examples" / "class"), "--out", str(out), "--quiet"]) == 0
    with open(out / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return out, {(r["student"], r["assignment"], r["exercise"]): r for r in rows}


def totals(rows, student):
    by_nb = {}
    for (s, a, _), r in rows.items():
        if s == student:
            got, best = by_nb.get(a, (0.0, 0.0))
            by_nb[a] = (got + float(r["score"]), best + float(r["max_score"]))
    return by_nb


@pytest.mark.parametrize("student", ["ada_correct", "dev_loops"])
def test_correct_students_get_full_marks_in_any_style(graded, student):
    _, rows = graded
    scores = totals(rows, student)
    assert len(scores) == 3
    assert all(got == best for got, best in scores.values()), scores


def test_the_blank_student_gets_zero_and_not_implemented(graded):
    _, rows = graded
    mine = [r for k, r in rows.items() if k[0] == "ben_blank"]
    assert len(mine) == 13
    assert {r["status"] for r in mine} == {"not_implemented"} and all(float(r["score"]) == 0 for r in mine)


def test_mistakes_lose_marks_only_where_they_are(graded):
    _, rows = graded
    status = {k[2]: r["status"] for k, r in rows.items() if k[0] == "cho_mistakes"}
    for wrong in ("linear_backward", "sigmoid_backward", "L_model_backward", "conv_backward", "pool_backward",
                  "batchnorm_backward_alt", "dropout_backward"):
        assert status[wrong] != "passed", wrong
    for right in ("relu_backward", "update_parameters", "create_mask_from_window", "distribute_value",
                  "batchnorm_backward"):
        assert status[right] == "passed", right
    fb = {k[2]: r["feedback"] for k, r in rows.items() if k[0] == "cho_mistakes"}
    assert "off by a factor of m = " in fb["linear_backward"]
    assert "dA_prev has shape (3, 0, 0, 2), expected (3, 11, 7, 2)" in fb["conv_backward"]
    assert "off by a factor of f = 3" in fb["pool_backward"]
    assert "off by a factor of 1/p" in fb["dropout_backward"]
    assert "numbered one too high" in fb["L_model_backward"]


#: What the feedback names for each of cho_mistakes' mistakes (grader/author/examples.py MISTAKES).
NAMED = {
    "linear_backward": "Likely mistake: you forgot the 1/m in db.",
    "sigmoid_backward": "Likely mistake: you used Z as if it were the activation s = σ(Z).",
    "L_model_backward": "Likely mistake: you numbered the grads keys one layer too high.",
    "conv_backward": "Likely mistake: you cropped the padding with [pad:-pad], which is empty when pad = 0.",
    "pool_backward": "Likely mistake: you divided by f instead of f² in average pooling.",
    "batchnorm_backward_alt": "Likely mistake: you treated the batch mean and variance as constants.",
    "dropout_backward": "Likely mistake: you divided by p twice.",
    # no mistake of its own: its helpers' (cho's linear_backward and sigmoid_backward)
    "linear_activation_backward": "linear_activation_backward is consistent with your linear_backward and "
                                  "sigmoid_backward; fix that first.",
}


def test_every_mistake_is_named_and_no_correct_student_is_charged(graded):
    _, rows = graded
    fb = {k[2]: r["feedback"] for k, r in rows.items() if k[0] == "cho_mistakes"}
    for exercise, sentence in NAMED.items():
        assert sentence in fb[exercise], (exercise, fb[exercise])
    for (student, _, exercise), r in rows.items():
        if student in ("ada_correct", "dev_loops"):
            assert "Likely mistake" not in r["feedback"] and "Pattern:" not in r["feedback"], (student, exercise)


def test_broken_notebooks_cost_only_what_they_break(graded):
    _, rows = graded
    eve = {k[2]: r for k, r in rows.items() if k[0] == "eve_syntax"}
    assert eve["linear_backward"]["status"] == "missing" and "SyntaxError" in eve["linear_backward"]["feedback"]
    assert eve["relu_backward"]["status"] == "passed"
    fay = [r for k, r in rows.items() if k[0] == "fay_invalid"]
    assert len(fay) == 4 and all(r["status"] == "not_run" and "not valid JSON" in r["feedback"] for r in fay)
    gus = {k[2]: r for k, r in rows.items() if k[0] == "gus_deleted"}
    assert gus["batchnorm_backward"]["status"] == "missing" and "deleted or renamed" in gus["batchnorm_backward"]["feedback"]
    assert gus["batchnorm_backward_alt"]["status"] == gus["dropout_backward"]["status"] == "passed"


def test_every_output_is_written(graded):
    out, rows = graded
    pairs = {(s, a) for s, a, _ in rows}
    assert len(pairs) == 15
    for s, a in pairs:
        page = (out / "feedback" / s / f"{a}.html").read_text()
        assert s in page and a in page
    report = (out / "report.html").read_text()
    assert "data:image/png;base64," in report and "feedback/ada_correct/01_deep_nn_backward.html" in report
    conn = sqlite3.connect(out / "gradebook.db")
    assert conn.execute("SELECT COUNT(*) FROM latest").fetchone() == (15,)
    assert conn.execute("SELECT COUNT(*) FROM exercises").fetchone() == (len(rows),)
    conn.close()


def test_hidden_feedback_never_shows_values(graded):
    """The grader's words about hidden cases name counts, shapes and places, never values.
    (The page also shows the student's own printed output: the self-checks print the
    public cases, which are the student's to see.)"""
    import re

    out, rows = graded
    conn = sqlite3.connect(out / "gradebook.db")
    messages = [m for (m,) in conn.execute("SELECT message FROM checks WHERE passed = 0")]
    messages += [r["feedback"] for r in rows.values()]
    conn.close()
    assert messages
    leaks = [m for m in messages if re.search(r"(got|expected) -?\d", m)]
    assert leaks == []
