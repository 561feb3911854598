"""The HTML renderings: a student's feedback page and the instructor's class report.

Results are built here from a few factories (tests as data); no notebook is run.
"""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from grader.compare import where_grid
from grader.render import render_feedback, render_report
from grader.render.charts import display_size, heatmap_png
from grader.render.common import STATUS_LABELS, cap_text, finding_sentence, fmt_points
from grader.render.feedback import MAX_HEATMAPS
from grader.render.report import common_findings, histogram_png
from grader.results import STATUSES, Check, ExerciseResult, Finding, SubmissionResult

HOSTILE = '<script>alert(1)</script></pre><img src=x onerror="alert(2)">&amp;'

# --------------------------------------------------------------------------- factories


def check(case: int = 1, output: str = "dW", *, passed: bool = True, kind: str = "value",
          message: str = "", detail: dict | None = None) -> Check:
    cid = f"case{case}:grad:{output}" if kind == "gradient" else f"case{case}:{output}"
    return Check(cid, kind, case, passed, message, detail=detail or {})


def exercise(name: str = "linear_backward", status: str = "passed", score: float = 2.0,
             max_score: float = 2.0, feedback: str = "All 2 checks pass.",
             checks: tuple[Check, ...] = (), labels: tuple[str, ...] = ("W 5x7, m=11",)) -> ExerciseResult:
    return ExerciseResult(name, status, score, max_score, feedback, checks, labels, duration=0.01)


def submission(student: str = "alice", assignment: str = "01_deep_nn_backward",
               exercises: tuple[ExerciseResult, ...] | None = None, **kw) -> SubmissionResult:
    if exercises is None:
        exercises = (exercise(checks=(check(1, "dW"), check(1, "db"))),)
    kw.setdefault("duration", 3.5)
    kw.setdefault("execution_time", 3.0)
    return SubmissionResult(student, assignment, f"/subs/{student}/{assignment}.ipynb", "ab" * 32,
                            exercises, **kw)


def wrong_db(expected: float = 123.456789, got: float = 11.5) -> Check:
    """A failed value check on a hidden case, whose detail (wrongly) carries the worst
    elements with their expected values."""
    return check(1, "db", passed=False,
                 message="case 1 (W 5x7, m=11): db: 5 of 5 elements differ; every element is 11 times "
                         "the expected value\n  largest relative difference 10, at [3, 0], [1, 0]",
                 detail={"name": "db", "status": "values", "passed": False, "got_shape": [5, 1],
                         "expected_shape": [5, 1], "n_mismatched": 5, "n_total": 5, "max_rel": 10.0,
                         "hint": None, "detail": None, "worst_indices": [[3, 0], [1, 0]],
                         "max_abs": 1234.5678,
                         "worst": [{"index": [3, 0], "got": got, "expected": expected}]})


def mixed_submission(**kw) -> SubmissionResult:
    """One exercise of each interesting status."""
    grad = check(1, "db", passed=False, kind="gradient",
                 message="case 1 (W 5x7, m=11): db is not the gradient of the forward pass: a numerical "
                         "gradient along random directions differs by a relative error of 0.83",
                 detail={"numerical": [987.654321], "analytic": [5.5], "error": 0.83, "tolerance": 1e-6,
                         "calls": 6, "passed": False})
    return submission(exercises=(
        exercise("relu_backward", "passed", 1, 1, "All 4 checks pass.", (check(1, "dZ"), check(2, "dZ")),
                 ("shape (5, 7)", "shape (2, 13)")),
        exercise("sigmoid_backward", "error", 0, 1,
                 "sigmoid_backward raised an error on every case: raised ValueError: bad shapes",
                 (check(1, "dZ", passed=False, message="case 1 (shape (5, 7)): raised ValueError: bad shapes"),),
                 ("shape (5, 7)",)),
        exercise("linear_backward", "partial", 4 / 3, 2, "1 of 3 checks pass.\ncase 1 (W 5x7, m=11): db: 5 of 5 "
                 "elements differ", (check(1, "dW"), wrong_db(), grad)),
        exercise("linear_activation_backward", "not_implemented", 0, 2,
                 "linear_activation_backward is not implemented yet (it returns None)"),
        exercise("L_model_backward", "missing", 0, 3, "L_model_backward is not defined after running your notebook"),
        exercise("update_parameters", "timeout", 0, 1, "update_parameters did not finish"),
    ), **kw)


class Balance(HTMLParser):
    """Feeds a page and records tags closed out of order or left open."""

    VOID = {"meta", "br", "img", "hr", "input", "link", "wbr", "col", "source"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()


def assert_well_formed(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    parser = Balance()
    parser.feed(page)
    parser.close()
    assert parser.problems == [] and parser.stack == []
    assert "<script" not in page.lower(), "pages need no JavaScript"
    assert not re.search(r'(src|href)="(https?:)?//', page), "pages are self-contained"


def text_of(page: str) -> str:
    """The page's visible text, entities decoded (what a reader sees)."""
    out: list[str] = []

    class Text(HTMLParser):
        skip = 0

        def handle_starttag(self, tag, attrs):
            self.skip += tag == "style"

        def handle_endtag(self, tag):
            self.skip -= tag == "style"

        def handle_data(self, data):
            if not self.skip:
                out.append(data)

    Text(convert_charrefs=True).feed(page)
    return " ".join(" ".join(out).split())


# --------------------------------------------------------------------------- feedback page


def test_feedback_shows_student_scores_statuses_and_metadata():
    page = render_feedback(mixed_submission())
    assert_well_formed(page)
    text = text_of(page)
    for words in ("alice", "01_deep_nn_backward", "2.33 / 10", "Partial credit", "abababababab", "3.5 s",
                  "passed", "raised an error", "partial", "not implemented yet", "missing", "timed out",
                  "1.33 / 2", "All 4 checks pass."):
        assert words in text, words
    assert 'href="#ex-linear_backward"' in page and 'id="ex-linear_backward"' in page


@pytest.mark.parametrize("status", STATUSES)
def test_every_status_reads_as_words_with_its_colour_class(status):
    page = render_feedback(submission(exercises=(exercise(status=status, score=0, feedback="why"),)))
    assert f'class="badge st-{status}"' in page
    assert STATUS_LABELS[status] in text_of(page)


@pytest.mark.parametrize("score, passed, verdict", [(2, "passed", "Pass"), (1, "partial", "Partial credit"),
                                                    (0, "failed", "Fail")])
def test_verdict_badge(score, passed, verdict):
    page = render_feedback(submission(exercises=(exercise(status=passed, score=score),)))
    assert f"{verdict}</span>" in page


def test_feedback_keeps_line_breaks_and_groups_checks_by_case():
    page = render_feedback(mixed_submission())
    text = text_of(page)
    assert "1 of 3 checks pass.\ncase 1 (W 5x7, m=11): db: 5 of 5 elements differ" in page  # pre-wrap
    assert "Case 1 · W 5x7, m=11" in text
    # the case prefix is not repeated in the table, the message is
    assert "db: 5 of 5 elements differ; every element is 11 times the expected value" in text
    assert "gradient check" in text and "relative error of 0.83" in text and "tolerance 1e-06" in text


def test_a_case_that_failed_the_same_way_everywhere_is_shown_once():
    boom = "case 1 (shape (5, 7)): raised ValueError: bad shapes"
    ex = exercise("sigmoid_backward", "error", 0, 1, "raised", tuple(
        check(1, out, passed=False, kind=kind, message=boom) for out in ("dZ",) for kind in ("value", "gradient")),
        ("shape (5, 7)",))
    page = render_feedback(submission(exercises=(ex,)))
    assert page.count("raised ValueError: bad shapes") == 1
    assert "all 2" in text_of(page)


@pytest.mark.parametrize("where", ["output", "traceback", "evalue", "note", "student", "message", "label"])
def test_untrusted_text_is_escaped(where):
    kw: dict = {}
    ex = exercise(checks=(check(1, "dW", passed=False, message=HOSTILE if where == "message" else "bad"),),
                  labels=(HOSTILE if where == "label" else "W 5x7",), status="failed", score=0)
    if where == "output":
        kw["output"] = "hello\n" + HOSTILE
    if where in ("traceback", "evalue"):
        kw["cell_errors"] = ({"index": 3, "status": "error", "error": {
            "ename": "NameError", "evalue": HOSTILE if where == "evalue" else "x",
            "traceback": "\x1b[31mTraceback\x1b[0m\n" + HOSTILE if where == "traceback" else ""}},)
    if where == "note":
        kw["notes"] = (HOSTILE,)
    student = HOSTILE if where == "student" else "alice"
    page = render_feedback(submission(student, exercises=(ex,), **kw))
    assert_well_formed(page)
    assert "<img" not in page and "</pre><" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;/pre&gt;" in page
    assert HOSTILE in text_of(page)  # shown to the reader as typed
    assert "\x1b" not in page


def test_output_and_tracebacks_are_capped():
    long = "x" * 50_000
    page = render_feedback(submission(output=long, cell_errors=(
        {"index": 0, "status": "error", "error": {"ename": "E", "evalue": "v", "traceback": long}},)))
    assert page.count("[truncated]") == 2
    assert len(page) < 60_000
    assert cap_text("short") == "short"


def test_malformed_cell_errors_do_not_break_the_page():
    page = render_feedback(submission(cell_errors=({"index": None, "status": None, "error": None}, "junk", {})))
    assert_well_formed(page)
    assert "A cell" in text_of(page)


def test_hidden_cases_never_show_expected_values():
    page = render_feedback(mixed_submission(), hidden=True)
    for secret in ("123.45", "1234.5", "987.65"):
        assert secret not in page
    text = text_of(page)
    assert "5 of 5 elements differ" in text and "largest relative difference 10" in text
    assert "shape (5, 1)" in text  # a safe fact the message does not state
    assert "Graded on hidden test cases" in text


def test_public_cases_may_show_the_worst_elements():
    page = render_feedback(mixed_submission(), hidden=False)
    assert "123.45679" in page and "11.5" in page
    assert "987.65" not in page  # directional derivatives are never shown


def test_a_notebook_that_did_not_run():
    reason = "the notebook is not valid JSON (Expecting value at line 1, column 13)"
    sub = submission(exercises=tuple(exercise(n, "not_run", 0, 1, reason, labels=())
                                     for n in ("conv_backward", "pool_backward")), notes=(reason,), duration=0.0)
    page = render_feedback(sub)
    assert_well_formed(page)
    text = text_of(page)
    assert "Problems running your notebook" in text and "not run" in text and "0 / 2" in text
    assert "Fail" in text and "printed nothing" in text


# --------------------------------------------------------------------------- class report


def cohort() -> list[SubmissionResult]:
    a1, a2 = "01_deep_nn_backward", "02_conv_pool_backward"
    blank = tuple(exercise(n, "not_implemented", 0, 2, "not implemented yet") for n in ("relu_backward", "linear_backward"))
    full = tuple(exercise(n, "passed", 2, 2) for n in ("relu_backward", "linear_backward"))
    return [
        submission("alice", a1, full, duration=9.0),
        submission("bob", a1, blank, duration=2.0),
        submission("carol", a1, (full[0], exercise("linear_backward", "partial", 1, 2, "1 of 2")), duration=3.0),
        submission("dave", a1, blank, notes=("cell 4 raised NameError: name 'x' is not defined",), duration=1.0),
        submission("alice", a2, (exercise("conv_backward", "passed", 4, 4),), duration=7.0),
        submission("bob", a2, (exercise("conv_backward", "timeout", 0, 4, "did not finish"),), duration=60.0),
        submission("erin", a2, (exercise("conv_backward", "passed", 4, 4),), duration=0.6),
    ]


def png_of(page: str) -> bytes:
    m = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert m, "an embedded PNG"
    return base64.b64decode(m.group(1))


def test_report_overview_histograms_and_exercise_tables():
    page = render_report(cohort(), generated_at="2026-01-15 14:02")
    assert_well_formed(page)
    assert page.count("data:image/png;base64,") == 2
    assert png_of(page).startswith(b"\x89PNG\r\n\x1a\n")
    text = text_of(page)
    assert "5 students" in text and "7 notebooks graded" in text and "generated 2026-01-15 14:02" in text
    assert "1 min 23 s" in text  # the total grading time
    assert "mean 1.75" in text  # 01: (4 + 0 + 3 + 0) / 4
    assert "median 1.5" in text
    assert "50% (2/4)" in text  # relu_backward passed by alice and carol
    assert "not implemented yet 2 students" in text
    assert "timed out 1 student" in text


def test_report_links_every_notebook_to_its_feedback_page():
    page = render_report(cohort())
    for r in cohort():
        assert f'href="feedback/{r.student}/{r.assignment}.html"' in page
    assert "not submitted" in text_of(page)  # carol and dave have no 02, erin no 01
    assert 'href="feedback/' not in render_report(cohort(), feedback_links=False)


def test_report_highlights_broken_notebooks_and_lists_slow_and_failing_ones():
    page = render_report(cohort())
    text = text_of(page)
    assert "⚠ problems" in text and "cell 4 raised NameError" in text
    slowest = text_of(page.split('id="slowest"')[1])
    assert slowest.index("bob") < slowest.index("alice")  # 60 s before 9 s
    assert "0.6 s" not in slowest  # only the top 5
    failing = text_of(page.split('id="failing"')[1].split('id="slowest"')[0])
    assert "4 of 7" in failing
    assert "erin" not in failing and "carol" in failing


def test_report_of_nothing():
    page = render_report([])
    assert_well_formed(page)
    assert "Nothing was graded" in text_of(page)
    assert "data:image/png" not in page


def test_report_of_one_student():
    page = render_report([mixed_submission()])
    assert_well_formed(page)
    text = text_of(page)
    assert "1 student" in text and "1 notebook graded" in text and "2.33 / 10" in text
    assert page.count("data:image/png;base64,") == 1


def test_report_escapes_and_quotes_student_names():
    page = render_report([submission("a b<i>", exercises=(exercise(status="failed", score=0, feedback="x"),))])
    assert_well_formed(page)
    assert "<i>" not in page and "a b&lt;i&gt;" in page
    assert 'href="feedback/a%20b%3Ci%3E/01_deep_nn_backward.html"' in page


def test_histogram_png_is_a_small_png_even_for_zero_points():
    for scores, top in (([0.0, 1.0, 2.0], 2.0), ([0.0], 0.0), ([], 5.0)):
        png = histogram_png(scores, top)
        assert png.startswith(b"\x89PNG") and len(png) < 100_000


@pytest.mark.parametrize("x, text", [(2.0, "2"), (4 / 3, "1.33"), (0.0, "0"), (10.5, "10.5"), (-0.0001, "0")])
def test_points_format(x, text):
    assert fmt_points(x) == text


# --------------------------------------------------------------------------- findings and heatmaps

NO_1_OVER_M = Finding("mistake", "linear_backward/no_1_over_m", "forgot the 1/m in dW and db",
                      "dW and db are averages over the m examples: divide by m = A_prev.shape[1]", ("dW", "db"), (1, 2))
TRANSPOSE = Finding("pattern", "pattern/transpose", "returned dW transposed", "dW has the shape of W", ("dW",), (1,))
BLAME = Finding("blame", "blame/linear_activation_backward",
                "is consistent with your linear_activation_backward, which is wrong",
                "fix linear_activation_backward first; L_model_backward itself looks right")
IN_PLACE = Finding("contract", "contract/changes_input", "changes its input dA in place",
                   "work on a copy of dA", (), (1, 2), costs_points=False)


def reads(page: str) -> str:
    """:func:`text_of` without the space it puts before punctuation in an element of its own
    (the badge's hidden colon: "Likely mistake: you forgot ...")."""
    return re.sub(r" ([:,.])", r"\1", text_of(page))


def border_where(n_h: int = 9, n_w: int = 7) -> dict:
    """A where-grid (grader/compare.py:where_grid) of a conv output wrong only on its border."""
    mask = np.zeros((3, n_h, n_w, 4), dtype=bool)
    mask[:, [0, -1], :, :] = True
    mask[:, :, [0, -1], :] = True
    return where_grid(mask, ("m", "n_H_prev", "n_W_prev", "n_C_prev"))


def wrong_values(case: int, output: str, where: dict | None, **extra) -> Check:
    detail = {"name": output, "status": "values", "passed": False, "n_mismatched": 3, "n_total": 9, "max_rel": 2.0,
              **extra}
    if where is not None:
        detail["where"] = where
    return check(case, output, passed=False, message=f"case {case} (x): {output}: 3 of 9 elements differ",
                 detail=detail)


def with_findings(*findings: Finding, name: str = "linear_backward", status: str = "partial",
                  checks: tuple[Check, ...] = ()) -> ExerciseResult:
    return ExerciseResult(name, status, 1.0, 2.0, "1 of 2 checks pass.", checks or (check(1, "dW"),),
                          ("W 5x7, m=11", "W 3x2, m=13"), findings=findings)


def test_the_most_specific_finding_is_the_headline_with_its_hint():
    page = render_feedback(submission(exercises=(with_findings(NO_1_OVER_M, TRANSPOSE),)))
    assert_well_formed(page)
    text = reads(page)
    assert "Likely mistake: you forgot the 1/m in dW and db" in text
    assert "divide by m = A_prev.shape[1]" in text and "in dW, db · cases 1, 2" in text
    assert "Pattern: you returned dW transposed" in text
    section = reads(page.split('id="ex-linear_backward"')[1])
    assert section.index("forgot the 1/m") < section.index("returned dW transposed")  # most specific first
    assert section.index("forgot the 1/m") < section.index("1 of 2 checks pass.")  # the headline comes first
    assert page.count('class="finding on-fk-mistake lead"') == 1 and 'class="finding on-fk-pattern"' in page
    summary = reads(page.split('id="summary-title"')[1].split("</table>")[0])
    assert "Likely mistake: you forgot the 1/m in dW and db (+1 more)" in summary


@pytest.mark.parametrize("finding, words", [
    (BLAME, "Caused by a helper: L_model_backward is consistent with your linear_activation_backward, which is wrong"),
    (IN_PLACE, "Contract: L_model_backward changes its input dA in place no points off"),
    (TRANSPOSE, "Pattern: you returned dW transposed"),
])
def test_each_kind_of_finding_has_its_badge_and_reads_as_a_sentence(finding, words):
    page = render_feedback(submission(exercises=(with_findings(finding, name="L_model_backward"),)))
    assert words in reads(page)
    assert f'class="badge kind fk-{finding.kind}"' in page
    assert ("no points off" in page) == (not finding.costs_points)


def test_a_flag_that_costs_nothing_is_shown_on_a_passed_exercise_after_its_feedback():
    ex = ExerciseResult("relu_backward", "passed", 1, 1, "All 4 checks pass.", (check(1, "dZ"),), ("x",),
                        findings=(IN_PLACE,))
    page = render_feedback(submission(exercises=(ex,)))
    section = reads(page.split('id="ex-relu_backward"')[1])
    assert section.index("All 4 checks pass.") < section.index("relu_backward changes its input dA in place no points off")
    assert " lead" not in page.split('id="ex-relu_backward"')[1]  # not a headline: it costs nothing
    summary = reads(page.split('id="summary-title"')[1].split("</table>")[0])
    assert "Contract: relu_backward changes its input dA in place no points off" in summary


@pytest.mark.parametrize("title, subject", [
    ("forgot the 1/m in dW and db", "you"), ("returned dW transposed", "you"),
    ("got dA_prev wrong only near the border", "you"),
    ("is consistent with your relu_backward; fix that first", "L_model_backward"),
    ("calls your linear_backward, which returned wrong values here", "L_model_backward"),
    ("changes its input dA in place", "L_model_backward"), ("draws a new random mask", "L_model_backward"),
])
def test_a_finding_reads_with_the_student_or_the_function_as_its_subject(title, subject):
    assert finding_sentence(title, "L_model_backward") == (subject, title)
    their = finding_sentence(title, "L_model_backward", instructor=True)
    assert their[0] == ("" if subject == "you" else subject) and "your" not in their[1]


def test_a_heatmap_shows_where_an_output_is_wrong():
    ex = with_findings(checks=(check(1, "dW"), wrong_values(2, "dA_prev", border_where())), name="conv_backward")
    page = render_feedback(submission(exercises=(ex,)))
    assert_well_formed(page)
    assert page.count("data:image/png;base64,") == 1
    png = png_of(page)
    assert png.startswith(b"\x89PNG") and len(png) < 30_000
    text = reads(page)
    assert "Where the wrong elements are" in text and "dA_prev, case 2 · shape (3, 9, 7, 4)" in text
    assert "share of wrong elements, averaged over m and n_C_prev: only the border is wrong, the inside is right" in text
    assert 'alt="Heatmap of where dA_prev is wrong in case 2 (n_H_prev down, n_W_prev across): only the border' in page
    assert "left out" not in text


def test_one_heatmap_per_output_from_its_first_telling_case():
    everything = where_grid(np.ones((5, 7), dtype=bool), ("n_l", "m"))  # all wrong: the message says it all
    one = where_grid(np.ones((1, 1), dtype=bool), ("n_l", "1"))  # one cell: nothing to see
    strip = where_grid(np.array([[1], [0], [0], [1], [0]], dtype=bool), ("n_l", "1"))
    ex = with_findings(checks=(
        wrong_values(1, "dZ", everything), wrong_values(2, "dZ", border_where()), wrong_values(3, "dZ", border_where()),
        wrong_values(1, "db", strip), wrong_values(2, "db", strip), wrong_values(1, "db1", one),
        check(1, "dW", passed=False, kind="gradient", message="not the gradient"),
    ))
    page = render_feedback(submission(exercises=(ex,)))
    text = reads(page)
    assert page.count("data:image/png;base64,") == 2
    assert "dZ, case 2" in text and "dZ, case 3" not in text and "dZ, case 1" not in text
    assert "db, case 1 · shape (5, 1)" in text and "share of wrong elements: wrong in 2 of 5 cells" in text
    assert "db1, case" not in text


def test_heatmaps_are_capped_per_page_and_the_page_says_so():
    exs = tuple(with_findings(name=f"ex{i}", checks=tuple(wrong_values(1, f"d{j}", border_where()) for j in range(5)))
                for i in range(3))
    page = render_feedback(submission(exercises=exs))
    assert page.count("data:image/png;base64,") == MAX_HEATMAPS == 12
    assert "3 more left out: a page shows at most 12 heatmaps" in reads(page)


@pytest.mark.parametrize("where", [
    None, "grid", [], {"grid": []}, {"grid": [[]]}, {"grid": [[0.5, 1.0], [1.0]]}, {"grid": [["a", 1.0]]},
    {"grid": [[True, False]]}, {"grid": [[0.5] * 100]}, {"grid": [[0.5]] * 100}, {"grid": [0.5, 1.0]},
    {"grid": [[0.0, 1.0]], "rows": 3, "cols": ["x"], "over": "m", "shape": "big"},
    {"grid": [[float("nan"), float("inf"), -1.0, 0.0]], "cols": "$x_{", "rows": "$"},
])
def test_a_malformed_where_grid_never_breaks_the_page(where):
    ex = with_findings(checks=(wrong_values(1, "dW", where),))
    page = render_feedback(submission(exercises=(ex,)))
    assert_well_formed(page)
    assert "3 of 9 elements differ" in reads(page)


def test_hidden_values_never_reach_the_new_sections():
    where = {**border_where(), "expected": [[123.456789]], "values": [987.654321]}
    ex = with_findings(NO_1_OVER_M, checks=(wrong_values(1, "dA_prev", where, worst=[
        {"index": [0, 0, 0, 0], "got": 11.5, "expected": 123.456789}], max_abs=1234.5678),))
    page = render_feedback(submission(exercises=(ex, *mixed_submission().exercises)), hidden=True)
    for secret in ("123.45", "1234.5", "987.65"):
        assert secret not in page
    assert page.count("data:image/png;base64,") == 1


@pytest.mark.parametrize("where", ["title", "hint", "outputs", "axes", "feedback"])
def test_untrusted_text_in_findings_and_heatmaps_is_escaped(where):
    finding = Finding("mistake", "x/y", HOSTILE if where == "title" else "did x", HOSTILE if where == "hint" else "",
                      (HOSTILE,) if where == "outputs" else ("dW",))
    grid = border_where()
    if where == "axes":
        grid = {**grid, "rows": HOSTILE, "cols": "$\\frac{", "over": [HOSTILE]}
    ex = ExerciseResult("linear_backward", "partial", 1, 2, ("\x1b[31m" + HOSTILE) if where == "feedback" else "x",
                        (wrong_values(1, "dW", grid),), ("x",), findings=(finding,))
    page = render_feedback(submission(exercises=(ex,)))
    assert_well_formed(page)
    assert "<img src=x" not in page and "</pre><" not in page and "\x1b" not in page
    assert HOSTILE[:40] in reads(page)


def test_messages_tracebacks_and_cell_errors_are_cleaned_and_capped():
    ansi = "\x1b[0;31mValueError\x1b[0m: \x1b[1;32mbad\x1b[0m shapes\x07"
    ex = exercise("sigmoid_backward", "error", 0, 1, ansi + "x" * 10_000,
                  (check(1, "dZ", passed=False, message="case 1 (x): raised " + ansi + "y" * 10_000),), ("x",))
    errors = tuple({"index": i, "status": "error", "error": {"ename": "E", "evalue": ansi, "traceback": ansi}}
                   for i in range(30))
    page = render_feedback(submission(exercises=(ex,), cell_errors=errors))
    assert_well_formed(page)
    assert "\x1b" not in page and "\x07" not in page and "[0;31m" not in page
    text = reads(page)
    assert "ValueError: bad shapes" in text
    assert "x" * 4_001 not in page and "y" * 4_001 not in page and "[truncated]" in page
    assert "Cell 20: E" in text and "Cell 21: E" not in text and "and 10 more cells that raised errors" in text


def test_heatmap_png_draws_strips_long_axes_and_dollar_signs():
    for grid, n_rows, n_cols in (([[0.0, 1.0, 0.5]], None, 3), ([[0.0, 1.0], [0.25, 0.0]], 2, 2),
                                 ([[0.1] * 48] * 40, 200, 480)):
        png = heatmap_png(grid, "$n_{", "$", n_rows, n_cols)
        assert png.startswith(b"\x89PNG") and len(png) < 30_000
    strip, square = heatmap_png([[0.0, 1.0]], "", "n_l"), heatmap_png([[0.0, 1.0], [1.0, 0.0]], "n_l", "m")
    assert display_size(strip)[1] < display_size(square)[1] < 300


# --------------------------------------------------------------------------- the class's most common mistakes


def finding_class_of_13() -> list[SubmissionResult]:
    """13 notebooks of 01: 4 forgot the 1/m (one of them also transposed dW), 2 with a wrong
    helper, 1 that changes its input; and 3 notebooks of 02, one with a transpose."""
    a1, a2 = "01_deep_nn_backward", "02_conv_pool_backward"
    out = []
    for i in range(13):
        lin = [NO_1_OVER_M] if i < 4 else []
        if i == 0:
            lin.append(TRANSPOSE)
        lmb = [BLAME] if i in (5, 6) else []
        relu = [IN_PLACE, IN_PLACE] if i == 7 else []  # twice in one exercise: counted once
        out.append(submission(f"s{i:02d}", a1, (
            with_findings(*relu, name="relu_backward", status="passed"),
            with_findings(*lin, status="partial" if lin else "passed"),
            with_findings(*lmb, name="L_model_backward", status="failed" if lmb else "passed"),
        )))
    for i in range(3):
        out.append(submission(f"s{i:02d}", a2, (with_findings(*([TRANSPOSE] if i == 1 else []), name="conv_backward"),)))
    return out


def test_common_findings_count_the_notebooks_of_the_assignment_that_have_each():
    common = common_findings(finding_class_of_13())
    assert [(c.exercise, c.finding.id, c.count, c.n) for c in common] == [
        ("linear_backward", "linear_backward/no_1_over_m", 4, 13),
        ("L_model_backward", "blame/linear_activation_backward", 2, 13),
        ("conv_backward", "pattern/transpose", 1, 3),  # among equal counts, the larger share first
        ("linear_backward", "pattern/transpose", 1, 13),  # then the more specific kind
        ("relu_backward", "contract/changes_input", 1, 13),  # seen twice in one exercise: counted once
    ]
    assert common[0].students == ["s00", "s01", "s02", "s03"]
    assert f"{common[0].share:.3f}" == "0.308"


def test_report_puts_the_most_common_mistakes_at_the_top():
    page = render_report(finding_class_of_13())
    assert_well_formed(page)
    assert page.index('id="scores-title"') < page.index('id="mistakes"') < page.index('id="a-01_deep_nn_backward"')
    mistakes = text_of(page.split('id="mistakes"')[1].split("</section>")[0])
    assert "31% (4 of 13) Likely mistake forgot the 1/m in dW and db in linear_backward" in mistakes
    assert ("15% (2 of 13) Caused by a helper L_model_backward is consistent with their "
            "linear_activation_backward, which is wrong") in mistakes
    assert "8% (1 of 13) Contract relu_backward changes its input dA in place no points off" in mistakes
    assert "33% (1 of 3) Pattern returned dW transposed in conv_backward" in mistakes
    assert "hint given: dW and db are averages" in mistakes
    assert mistakes.index("31%") < mistakes.index("15%") < mistakes.index("33%") < mistakes.index("8%")
    # the chart: one more embedded PNG, described in words
    assert page.count("data:image/png;base64,") == 2 + 1
    assert 'alt="Bar chart of the most common mistakes: 31% (4 of 13) forgot the 1/m in dW and db in linear_backward;' in page
    # each student links to the exercise on their feedback page
    assert 'href="feedback/s03/01_deep_nn_backward.html#ex-linear_backward">s03</a>' in page
    assert 'href="feedback/s01/02_conv_pool_backward.html#ex-conv_backward">s01</a>' in page


def test_report_without_findings_says_where_to_look_instead():
    text = text_of(render_report(cohort()))
    assert "The grader recognised no mistake" in text
    assert "Lowest pass rate" in text
    assert "25% linear_backward" in text and "67% conv_backward" in text  # 1 of 4, 2 of 3
    full = text_of(render_report([submission()]))
    assert "Every notebook got full marks: nothing to re-teach." in full and "everyone passed everything" in full


def test_report_escapes_findings():
    hostile = Finding("mistake", "x/" + HOSTILE, HOSTILE, HOSTILE)
    page = render_report([submission("a<i>", exercises=(with_findings(hostile),))])
    assert_well_formed(page)
    assert "<img src=x" not in page and "<i>" not in page
    assert HOSTILE in text_of(page)


def test_feedback_lines_that_state_a_finding_are_shown_once_as_its_card():
    feedback = ("0 of 4 checks pass.\nLikely mistake: you forgot the 1/m in dW and db. dW and db are averages over "
                "the m examples: divide by m = A_prev.shape[1]\ncase 1 (x): db: 5 of 5 elements differ")
    ex = ExerciseResult("linear_backward", "failed", 0, 2, feedback, (check(1, "dW"),), ("x",), findings=(NO_1_OVER_M,))
    page = render_feedback(submission(exercises=(ex,)))
    assert page.count("divide by m = A_prev.shape[1]") == 1
    assert "case 1 (x): db: 5 of 5 elements differ" in text_of(page)
