"""Calling student functions safely and judging the returned structure."""

import linecache

import numpy as np
import pytest

from grader.checking import call_safely, changed_arguments, compare_outputs, render_case, CaseResult
from grader.exercises import exercise


def cell(source: str, filename: str = "/tmp/ipykernel_1/123.py") -> dict:
    """Define functions as a notebook cell would: compiled from a file name linecache knows."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    ns = {"np": np}
    exec(compile(source, filename, "exec"), ns)
    return ns


def test_an_exception_is_located_at_the_students_line():
    ns = cell("def linear_backward(dZ, cache):\n    m = 0\n    db = dZ.sum() / m\n    x = 1 // m\n    return x\n")
    result, err, _ = call_safely(ns["linear_backward"], (np.ones(2), None), {})
    assert result is None
    assert (err.type, err.function, err.line, err.source) == ("ZeroDivisionError", "linear_backward", 4, "x = 1 // m")
    assert err.render() == (
        "raised ZeroDivisionError: integer division or modulo by zero "
        "(at line 4 of your linear_backward cell: `x = 1 // m`)"
    )


def test_an_error_inside_numpy_points_at_the_calling_student_line():
    ns = cell("def f(a, b):\n    return np.dot(a, b)\n", "/tmp/ipykernel_1/9.py")
    _, err, _ = call_safely(ns["f"], (np.ones((2, 3)), np.ones((2, 3))), {})
    assert err.type == "ValueError" and err.line == 2 and err.source == "return np.dot(a, b)"


def test_arguments_are_copies_and_changes_are_reported_by_name():
    ns = cell("def relu_backward(dA, cache):\n    dA[cache < 0] = 0\n    return dA\n", "/tmp/ipykernel_1/7.py")
    dA, Z = np.ones(3), np.array([-1.0, 1.0, 2.0])
    _, err, after = call_safely(ns["relu_backward"], (dA, Z), {})
    assert err is None and np.array_equal(dA, np.ones(3))
    assert changed_arguments(ns["relu_backward"], (dA, Z), after) == ["dA"]
    assert changed_arguments(ns["relu_backward"], (dA, Z), after, allowed=(0,)) == []


@pytest.mark.parametrize(
    "name, got, problem",
    [
        ("linear_backward", None, "returned None: not implemented yet"),
        ("linear_backward", (None, None, None), "returned None for every output: not implemented yet"),
        ("linear_backward", (1, 2), "returned 2 values, expected a tuple (dA_prev, dW, db)"),
        ("linear_backward", np.ones(3), "returned a ndarray, expected a tuple (dA_prev, dW, db)"),
        ("L_model_backward", [1], "returned a list, expected a dict grads"),
        ("L_model_backward", {"dW1": np.ones(2)}, "grads has no key 'dA0'"),
        ("L_model_backward", {"dA0": None, "dW1": None}, "every entry is None: not implemented yet"),
    ],
)
def test_wrong_structures_are_named(name, got, problem):
    expected = (np.ones(2), np.ones(2), np.ones(2)) if name == "linear_backward" else {"dA0": np.ones(2), "dW1": np.ones(2)}
    _, found = compare_outputs(exercise(name), got, expected)
    assert found == problem


def test_a_single_output_function_returns_the_array_itself():
    comps, problem = compare_outputs(exercise("relu_backward"), np.ones(3), np.ones(3))
    assert problem is None and [c.name for c in comps] == ["dZ"] and comps[0].passed


def test_render_case_lists_each_failing_output():
    comps, problem = compare_outputs(exercise("linear_backward"), (np.ones(2), np.ones(3), 2 * np.ones(2)), (np.ones(2),) * 3)
    lines = render_case(CaseResult("W 3x5", comps, problem))
    assert lines[0] == "dW has shape (3,), expected (2,): axis 0 has length 3 instead of 2"
    assert lines[1] == "db: 2 of 2 elements differ; the values are 2 times the expected ones"


def test_check_never_raises_even_when_the_self_check_itself_breaks(capsys, monkeypatch):
    import grader.selfcheck as sc

    def broken(name, fn):
        raise FileNotFoundError("public_cases.json")

    monkeypatch.setattr(sc, "run_public_cases", broken)
    sc.check("relu_backward", lambda dA, cache: dA)
    out = capsys.readouterr().out
    assert out.startswith("❌ the self-check for relu_backward could not run: FileNotFoundError")
    sc.check("relu_backward", None)
    assert "expected a function" in capsys.readouterr().out


@pytest.mark.parametrize("got_keys, phrase", [
    (["dA3", "dW3", "db3", "dA2", "dW2", "db2", "dA1", "dW1", "db1"],
     "grads has no key 'dA0'; it has 'dA3' instead; your dA keys are numbered one too high"),
    (["dA1", "dA0", "dW2", "db2", "dW1", "db1", "dW0", "db0"],
     "grads has no key 'dA2', 'dW3', 'db3'; it has 'dW0', 'db0' instead; your dW keys are numbered one too low; "
     "your db keys are numbered one too low"),
])
def test_shifted_grads_keys_are_named(got_keys, phrase):
    from grader.checking import _key_problem

    expected = ["dA2", "dW3", "db3", "dA1", "dW2", "db2", "dA0", "dW1", "db1"]
    assert _key_problem("grads", expected, got_keys) == phrase
