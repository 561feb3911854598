"""The HTML renderings: a student's feedback page and the instructor's class report.

Results are built here from a few factories (tests as data); no notebook is run.
"""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import pytest

from grader.render import render_feedback, render_report
from grader.render.common import STATUS_LABELS, cap_text, fmt_points
from grader.render.report import histogram_png
from grader.results import STATUSES, Check, ExerciseResult, SubmissionResult

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
