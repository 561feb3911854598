"""Judging an exercise from the data a kernel sent back: statuses, partial credit, feedback.

Tests as data: each case is a record as the harness writes it, built by small factories.
"""

import pytest

from grader.cases import HIDDEN_PLAN, make_cases
from grader.judge import judge_exercise, missing_reason
from grader.reference import ReferenceGradients, expected_output


def cases_of(name):
    cases = make_cases(name, HIDDEN_PLAN[name], seed=3)
    return cases, [expected_output(c) for c in cases]


def record(outputs=None, errors=None, defined=True):
    entries = []
    for i, out in enumerate(outputs or []):
        if errors and errors[i]:
            entries.append({"error": errors[i], "changed": [], "time": 0.01})
        else:
            entries.append({"output": out, "changed": [], "time": 0.01})
    return {"exercise": "x", "defined": defined, "cases": entries}


def judge(name, outputs=None, rec=None, status="ok", gradients=True, reveal=False, cells=()):
    cases, expected = cases_of(name)
    rec = rec if rec is not None else record(outputs if outputs is not None else expected)
    return judge_exercise(name, cases, expected, rec, status, 4.0, list(cells), reveal,
                          ReferenceGradients(0) if gradients else None)


def test_the_reference_gets_full_marks_with_value_and_gradient_checks():
    r = judge("conv_backward")
    assert (r.status, r.score, r.max_score) == ("passed", 4.0, 4.0)
    kinds = {c.kind for c in r.checks}
    assert kinds == {"value", "gradient"}
    assert len(r.checks) == 3 * 3 * 2  # 3 cases x (dA_prev, dW, db) x (value, gradient)
    assert r.feedback == "All 18 checks pass."


def test_a_loop_implementation_gets_full_marks():
    import importlib.util, pathlib

    spec = importlib.util.spec_from_file_location("naive", pathlib.Path(__file__).parents[1] / "bench" / "naive.py")
    naive = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(naive)
    cases, _ = cases_of("pool_backward")
    outputs = [naive.pool_backward(*c.args, **c.kwargs) for c in cases]
    assert judge("pool_backward", outputs).status == "passed"


def test_db_without_1_over_m_loses_only_db_and_is_named():
    cases, expected = cases_of("linear_backward")
    outputs = [(dA, dW, db * c.args[1][0].shape[1]) for c, (dA, dW, db) in zip(cases, expected)]
    r = judge("linear_backward", outputs)
    assert r.status == "partial"
    assert r.score == pytest.approx(4.0 * 2 / 3, abs=1e-4)
    failing = {c.id.split(":", 1)[1] for c in r.checks if not c.passed}
    assert failing == {"db", "grad:db"}
    assert "off by a factor of m = 11" in r.feedback


def test_hidden_feedback_never_shows_expected_values():
    cases, expected = cases_of("batchnorm_backward")
    outputs = [(dx + 0.5, dg, db) for dx, dg, db in expected]
    r = judge("batchnorm_backward", outputs)
    text = r.feedback + "".join(c.message for c in r.checks) + repr([c.detail for c in r.checks])
    for dx, _, _ in expected:
        assert f"{dx.ravel()[0]:.8g}" not in text and f"{dx.ravel()[0] + 0.5:.8g}" not in text
    assert "expected " not in r.feedback


def test_wrong_shape_is_named_and_cannot_pass_the_gradient_check():
    cases, expected = cases_of("linear_backward")
    outputs = [(dA, dW.T, db) for dA, dW, db in expected]
    r = judge("linear_backward", outputs)
    assert "dW has shape (7, 5), expected (5, 7)" in r.feedback
    assert not any(c.passed for c in r.checks if c.id.endswith("dW"))


def test_none_everywhere_is_not_implemented():
    cases, _ = cases_of("relu_backward")
    r = judge("relu_backward", [None] * len(cases))
    assert (r.status, r.score) == ("not_implemented", 0.0)
    assert r.feedback == "relu_backward is not implemented yet (it returns None)"


def test_an_error_on_every_case_is_reported_with_the_students_line():
    cases, _ = cases_of("dropout_backward")
    err = {"type": "NameError", "message": "name 'p' is not defined", "function": "dropout_backward",
           "line": 20, "source": "dx = dout * mask / p"}
    r = judge("dropout_backward", rec=record([None] * len(cases), [err] * len(cases)))
    assert r.status == "error" and r.score == 0
    assert "raised NameError: name 'p' is not defined (at line 20 of your dropout_backward cell" in r.feedback


def test_an_error_on_one_case_costs_that_case_only():
    cases, expected = cases_of("dropout_backward")
    err = {"type": "ValueError", "message": "boom", "function": None, "line": None, "source": None}
    r = judge("dropout_backward", rec=record(expected, [None, err, None]))
    assert r.status == "partial"
    assert r.score == pytest.approx(4.0 * 2 / 3, abs=1e-4)


@pytest.mark.parametrize(
    "status, expected_status, phrase",
    [("timeout", "timeout", "interrupted after the time limit"),
     ("crashed", "error", "the kernel died"),
     ("not_run", "not_run", "was not run")],
)
def test_no_record_gives_a_status_and_zero(status, expected_status, phrase):
    cases, expected = cases_of("sigmoid_backward")
    r = judge_exercise("sigmoid_backward", cases, expected, None, status, 1.0, [], False, ReferenceGradients())
    assert (r.status, r.score) == (expected_status, 0.0)
    assert phrase in r.feedback


def test_a_timeout_midway_keeps_the_finished_cases():
    cases, expected = cases_of("pool_backward")
    rec = record(expected[:2])
    rec["cases"].append({"timeout": True, "time": 5})
    r = judge("pool_backward", rec=rec)
    assert r.status == "partial" and 0 < r.score < 4


def test_missing_function_says_why():
    cells = [{"first_line": "# GRADED FUNCTION: linear_backward", "status": "error",
              "error": {"ename": "SyntaxError", "evalue": "'(' was never closed",
                        "traceback": 'Cell In[7], line 23\n    dW = np.dot(dZ, A_prev.T / m\n'}}]
    r = judge("linear_backward", rec=record(defined=False), cells=cells)
    assert r.status == "missing"
    assert r.feedback == "linear_backward is not defined: its cell raised SyntaxError at line 23: '(' was never closed"
    assert "deleted or renamed" in missing_reason("conv_backward", [])


def test_border_only_errors_are_located():
    cases, expected = cases_of("conv_backward")
    outputs = []
    for dA, dW, db in expected:
        bad = dA.copy()
        bad[:, 0, :, :] += 1.0  # wrong first row only
        outputs.append((bad, dW, db))
    r = judge("conv_backward", outputs)
    assert "within 1 pixel of the border" in r.feedback or "within 2 pixels of the border" in r.feedback


def test_update_parameters_has_value_checks_only_and_may_mutate():
    r = judge("update_parameters")
    assert r.status == "passed" and {c.kind for c in r.checks} == {"value"}


def test_public_cases_reveal_values():
    cases, expected = cases_of("relu_backward")
    outputs = [dZ * 2 for dZ in expected]
    r = judge("relu_backward", outputs, reveal=True, gradients=False)
    assert "got " in r.feedback and "expected " in r.feedback


def test_changing_an_input_in_place_is_flagged_and_costs_nothing():
    cases, expected = cases_of("relu_backward")
    rec = record(expected)
    for entry in rec["cases"]:
        entry["changed"] = ["dA"]
    r = judge("relu_backward", rec=rec)
    assert r.status == "passed" and r.score == r.max_score
    assert "Note: relu_backward changes its input dA in place" in r.feedback
    assert "This costs no points." in r.feedback


def test_update_parameters_may_update_its_dict_in_place():
    # the harness never reports positions the exercise may change (Exercise.may_mutate)
    from grader.exercises import exercise

    assert exercise("update_parameters").may_mutate == (0,)
    assert "Note:" not in judge("update_parameters").feedback
