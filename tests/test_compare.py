"""The one array comparison and its text rendering."""

import numpy as np
import pytest

from grader.compare import compare_arrays, render_text

rng = np.random.default_rng(0)
E = rng.standard_normal((4, 3))


def test_identical_and_reordered_float_noise_pass():
    assert compare_arrays("dW", E.copy(), E).passed
    noisy = E * (1 + 1e-13)
    assert compare_arrays("dW", noisy, E).passed


def test_none_is_not_implemented():
    c = compare_arrays("dW", None, E)
    assert c.status == "missing"
    assert render_text(c) == "dW returned None: not implemented yet"


def test_shape_mismatch_names_both_shapes_and_the_transpose():
    c = compare_arrays("dW", E.T.copy(), E)
    assert c.status == "shape"
    assert render_text(c) == "dW has shape (3, 4), expected (4, 3): it is the transpose of the expected array"


def test_lost_axis_suggests_keepdims():
    expected = np.ones((3, 1))
    c = compare_arrays("db", np.ones(3), expected)
    assert "keepdims=True" in render_text(c)


@pytest.mark.parametrize(
    "factor, phrase",
    [(7.0, "are 7 times the expected ones"), (1 / 7, "are 1/7 of the expected ones"), (-1.0, "wrong sign")],
)
def test_scalar_factor_is_diagnosed(factor, phrase):
    c = compare_arrays("db", E * factor, E)
    assert c.status == "values" and c.n_mismatched == E.size
    assert phrase in c.hint


def test_a_few_wrong_elements_are_located_worst_first():
    got = E.copy()
    got[2, 1] += 0.5
    got[0, 0] += 0.1
    c = compare_arrays("dA_prev", got, E)
    assert (c.n_mismatched, c.n_total) == (2, 12)
    assert [w.index for w in c.worst] == [(2, 1), (0, 0)]
    text = render_text(c)
    assert text.startswith("dA_prev: 2 of 12 elements differ")
    assert "at [2, 1]: got" in text


def test_hidden_rendering_reveals_no_values():
    got = E + 1.0
    c = compare_arrays("dx", got, E)
    text = render_text(c, reveal=False)
    assert f"{E[0, 0]:.8g}" not in text and "expected " not in text
    assert "worst" not in c.to_dict(reveal=False)


def test_nan_is_a_mismatch():
    got = E.copy()
    got[1, 1] = np.nan
    c = compare_arrays("dx", got, E)
    assert c.n_mismatched == 1 and not c.passed


def test_boolean_masks_compare_exactly_and_accept_0_1():
    m = np.array([[True, False], [False, False]])
    assert compare_arrays("mask", m.astype(int), m).passed
    assert not compare_arrays("mask", ~m, m).passed


@pytest.mark.parametrize("got", ["abc", {"a": 1}, [np.ones(2), "x"], object()])
def test_non_arrays_are_type_errors(got):
    c = compare_arrays("dZ", got, E)
    assert c.status == "type"


def test_lists_of_numbers_are_accepted():
    assert compare_arrays("a", E.tolist(), E).passed


def test_tolerance_is_tight_relative_error_about_1e7():
    assert not compare_arrays("dx", E * (1 + 1e-6), E).passed
    assert compare_arrays("dx", E * (1 + 1e-9), E).passed
