"""Mistake fingerprints, blame on helpers, error patterns and contract flags.

Every rule both ways: the mistake is named when it is made, and nothing is charged to a
correct implementation, however it is written (bench/naive.py's loops, other formulas).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import solutions
from bench import naive
from grader.cases import HIDDEN_PLAN, PUBLIC_PLAN, make_cases
from grader.exercises import EXERCISES, HELPERS
from grader.findings import contract_findings, factor_label, pattern_findings
from grader.mistakes import CATALOG, all_mistakes, mistakes_for
from grader.mistakes.diagnose import diagnose_mistakes, same_output
from grader.mutants import judge_in_process, reference_namespace, run_mutants
from grader.reference import expected_output

SEED = 1234


def reference_ns(**overrides):
    return {**reference_namespace(), **overrides}


def kinds(result, kind):
    return [f for f in result.findings if f.kind == kind]


# --- the catalog --------------------------------------------------------------------------

def test_the_catalog_covers_every_graded_function_but_none_unknown():
    assert set(CATALOG) <= set(EXERCISES)
    all_mistakes()
    for name in EXERCISES:
        assert mistakes_for(name), f"no catalogued mistake for {name}"


def test_every_mistake_has_a_title_a_hint_and_a_unique_key():
    keys = [m.key for m in all_mistakes()]
    assert len(keys) == len(set(keys))
    for m in all_mistakes():
        assert m.title and m.hint.endswith((".", ")")), m.key
        assert not m.title[0].isupper(), f"{m.key}: titles follow 'N% of the class ...'"


@pytest.mark.parametrize("seed", [SEED, 7])
def test_every_mistake_is_caught_and_named_by_the_hidden_cases(seed):
    """Mutation adequacy (``grader mutants``): for two seeds, not only the default."""
    results = run_mutants(seed)
    assert len(results) == sum(len(m.forms) for m in all_mistakes())
    bad = [(r.key, r.checks_failed, r.named) for r in results if not r.ok]
    assert not bad, f"uncaught or unnamed mistakes: {bad}"
    ambiguous = [(r.key, r.named) for r in results if len(r.named) > 1]
    assert not ambiguous, f"mistakes named together with others: {ambiguous}"


def test_the_public_cases_also_tell_most_mistakes_apart():
    """grader check names mistakes on the public cases where the reference is installed;
    those are small, so a few mistakes may coincide with the reference there, but a
    named one must be the right one."""
    wrong = []
    for m in all_mistakes():
        cases = make_cases(m.exercise, PUBLIC_PLAN[m.exercise], SEED)
        expected = [expected_output(c) for c in cases]
        entries = []
        for c in cases:
            try:
                entries.append({"output": m.variant(*copy.deepcopy(c.args), **c.kwargs)})
            except Exception as exc:  # noqa: BLE001
                entries.append({"error": {"type": type(exc).__name__}})
        named = [f.id for f in diagnose_mistakes(m.exercise, cases, expected, entries)]
        if named and m.key not in named:
            wrong.append((m.key, named))
    assert not wrong


# --- no false positives --------------------------------------------------------------------

LOOPS = {
    "conv_backward": naive.conv_backward,
    "pool_backward": naive.pool_backward,
    "batchnorm_backward": naive.batchnorm_backward,
    "batchnorm_backward_alt": naive.batchnorm_backward,
}


@pytest.mark.parametrize("name", sorted(set(EXERCISES)))
def test_the_reference_gets_full_marks_and_no_finding(name):
    r = judge_in_process(name, reference_ns(), SEED)
    assert r.status == "passed", r.feedback
    assert r.findings == (), r.findings


@pytest.mark.parametrize("name", sorted(LOOPS))
def test_loops_get_full_marks_and_no_finding(name):
    r = judge_in_process(name, reference_ns(**{name: LOOPS[name]}), SEED)
    assert r.status == "passed" and r.findings == (), r.feedback


def test_equivalent_formulas_get_no_finding():
    def relu_backward(dA, cache):
        return np.where(cache > 0, dA, 0.0)

    def sigmoid_backward(dA, cache):
        s = np.exp(-np.logaddexp(0, -cache))
        return dA * (s - s * s)

    def linear_backward(dZ, cache):
        A_prev, W, b = cache
        m = dZ.shape[1]
        return np.einsum("ji,jk->ik", W, dZ), np.einsum("ik,jk->ij", dZ, A_prev) / m, dZ.mean(axis=1)[:, None]

    ns = reference_ns(relu_backward=relu_backward, sigmoid_backward=sigmoid_backward, linear_backward=linear_backward)
    for name in ("relu_backward", "sigmoid_backward", "linear_backward", "linear_activation_backward", "L_model_backward"):
        r = judge_in_process(name, ns, SEED)
        assert r.status == "passed" and r.findings == (), (name, r.feedback)


# --- matching rules ------------------------------------------------------------------------

def test_same_output_accepts_a_lost_axis_only_when_the_expected_shape_differs():
    v = np.arange(5.0)
    assert same_output(v.reshape(1, 5), v, np.zeros((3, 1)))
    # the student's (5, 1) is the expected array itself: not the variant's (5,) mistake
    assert not same_output(v.reshape(5, 1), v, v.reshape(5, 1))
    assert not same_output(v + 1, v, v)


def test_a_mistake_in_one_output_only_names_that_output():
    cases = make_cases("linear_backward", HIDDEN_PLAN["linear_backward"], SEED)
    expected = [expected_output(c) for c in cases]
    entries = [{"output": (dA, dW * c.args[1][0].shape[1], db)} for c, (dA, dW, db) in zip(cases, expected)]
    found = diagnose_mistakes("linear_backward", cases, expected, entries)
    assert [(f.id, f.outputs, f.title) for f in found] == [
        ("linear_backward/no_1_over_m", ("dW",), "forgot the 1/m in dW")]


def test_two_independent_mistakes_in_two_outputs_are_both_named():
    def linear_backward(dZ, cache):
        A_prev, W, b = cache
        return W.T @ dZ, A_prev @ dZ.T / dZ.shape[1], np.sum(dZ, axis=1, keepdims=True)  # dW transposed, db * m

    r = judge_in_process("linear_backward", reference_ns(linear_backward=linear_backward), SEED)
    named = {f.id for f in kinds(r, "mistake")}
    assert {"linear_backward/dW_transposed", "linear_backward/no_1_over_m"} <= named
    assert "Likely mistake: you computed dW transposed" in r.feedback


def test_an_unknown_mistake_gets_patterns_not_a_wrong_name():
    def conv_backward(dZ, cache):
        dA, dW, db = solutions.conv_backward(dZ, cache)
        return dA, dW * 2.5, db  # no classic mistake: a stray factor

    r = judge_in_process("conv_backward", reference_ns(conv_backward=conv_backward), SEED)
    assert kinds(r, "mistake") == []
    assert [f.id for f in kinds(r, "pattern")] == ["pattern/factor"]
    assert "Pattern: you returned dW scaled by a constant" in r.feedback


def test_the_mask_applied_in_test_mode_is_named_from_the_error():
    def dropout_backward(dout, cache):
        param, mask = cache
        return dout * mask

    r = judge_in_process("dropout_backward", reference_ns(dropout_backward=dropout_backward), SEED)
    assert r.status == "partial"
    assert [f.id for f in kinds(r, "mistake")] == ["dropout_backward/mask_in_test_mode"]


# --- patterns -----------------------------------------------------------------------------

@pytest.mark.parametrize("transform, pid", [
    (lambda a, case: -a, "pattern/sign"),
    (lambda a, case: a * case.args[0].shape[0], "pattern/factor/N"),
    (lambda a, case: a.T, "pattern/transpose"),
    (lambda a, case: a.ravel(), "pattern/shape"),
    (lambda a, case: a * (1 + 1e-5), "contract/close"),
])
def test_patterns_hold_on_every_wrong_case(transform, pid):
    cases = make_cases("batchnorm_backward", HIDDEN_PLAN["batchnorm_backward"], SEED)
    expected = [expected_output(c) for c in cases]
    entries = [{"output": (transform(dx, c), dg, db)} for c, (dx, dg, db) in zip(cases, expected)]
    found = pattern_findings("batchnorm_backward", cases, expected, entries)
    assert pid in [f.id for f in found]
    assert all(f.outputs == ("dx",) for f in found)
    # on one case only: not a pattern of the student's
    entries[0] = {"output": expected[0]}
    entries[1] = {"output": (expected[1][0] + 1.0, *expected[1][1:])}
    assert pid not in [f.id for f in pattern_findings("batchnorm_backward", cases, expected, entries)]


def test_an_error_only_on_the_border_reads_as_a_padding_bug():
    cases = make_cases("conv_backward", HIDDEN_PLAN["conv_backward"], SEED)
    expected = [expected_output(c) for c in cases]
    entries = []
    for dA, dW, db in expected:
        bad = dA.copy()
        bad[:, 0, :, :] += 1.0
        entries.append({"output": (bad, dW, db)})
    assert "pattern/border" in [f.id for f in pattern_findings("conv_backward", cases, expected, entries)]


def test_factor_labels():
    assert factor_label(11.0, {"m": 11}) == "m = 11"
    assert factor_label(1 / 11, {"m": 11}) == "1/m = 1/11"
    assert factor_label(0.7, {"1/p": 1 / 0.7}) == "p = 0.7"
    assert factor_label(3.0, {"m": 11}) is None


# --- contracts ------------------------------------------------------------------------------

def test_changing_an_input_in_place_is_flagged_at_no_cost_and_blamed_in_the_caller():
    def relu_backward(dA, cache):
        dA[cache <= 0] = 0
        return dA

    ns = reference_ns(relu_backward=relu_backward)
    own = judge_in_process("relu_backward", ns, SEED)
    assert own.status == "passed"
    assert [(f.id, f.costs_points) for f in own.findings] == [("contract/changes_input", False)]

    # the reference linear_activation_backward and L_model_backward, calling this relu_backward
    solutions_ns = dict(ns)
    model = judge_in_process("L_model_backward", _rebind(solutions_ns), SEED)
    assert model.status in ("partial", "failed")
    blame = kinds(model, "blame")
    assert blame and blame[0].id == "blame/relu_backward/changes_input", model.findings
    assert "is broken by your relu_backward, which changes its input dA in place" in model.feedback


def _rebind(ns):
    """Copies of the reference's graded functions whose globals are ``ns``, so that
    they call the helpers in ``ns`` (as functions of one notebook do)."""
    import types

    for name in ("linear_activation_backward", "L_model_backward", "pool_backward"):
        fn = getattr(solutions, name)
        ns[name] = types.FunctionType(fn.__code__, ns, name, fn.__defaults__)
    return ns


def test_a_caller_consistent_with_a_wrong_helper_is_told_to_fix_the_helper_first():
    def sigmoid_backward(dA, cache):
        return dA * cache * (1 - cache)  # a mistake in the helper

    ns = _rebind(reference_ns(sigmoid_backward=sigmoid_backward))
    helper = judge_in_process("sigmoid_backward", ns, SEED)
    assert [f.id for f in kinds(helper, "mistake")] == ["sigmoid_backward/cache_as_activation"]
    for caller, via in (("linear_activation_backward", "sigmoid_backward"),
                        ("L_model_backward", "linear_activation_backward")):
        r = judge_in_process(caller, ns, SEED)
        assert r.status != "passed"
        blame = kinds(r, "blame")
        assert len(blame) == 1 and blame[0].title.startswith(f"is consistent with your {via}"), r.findings
        assert kinds(r, "mistake") == [] and kinds(r, "pattern") == []
        assert f"{caller} is consistent with your {via}" in r.feedback
    r = judge_in_process("L_model_backward", ns, SEED)
    assert "it goes wrong in your sigmoid_backward" in r.findings[0].title


def test_a_caller_with_its_own_mistake_is_not_called_consistent():
    def sigmoid_backward(dA, cache):
        return dA * cache * (1 - cache)

    ns = _rebind(reference_ns(sigmoid_backward=sigmoid_backward))
    src_model = solutions.L_model_backward

    def L_model_backward(AL, Y, caches):  # the sign of dAL flipped, on top of the helper's mistake
        grads = src_model(AL, Y, caches)
        return grads

    import types

    code = src_model.__code__
    fn = types.FunctionType(code, ns, "L_model_backward")
    ns["L_model_backward"] = lambda AL, Y, caches: fn(1 - AL + 0 * AL, Y, caches)
    r = judge_in_process("L_model_backward", ns, SEED)
    assert not any("consistent" in f.title for f in r.findings)


def test_a_correct_helper_is_never_blamed():
    ns = _rebind(reference_ns())
    for name in HELPERS:
        r = judge_in_process(name, ns, SEED)
        assert r.status == "passed" and r.findings == (), (name, r.findings)


def test_pool_backward_calling_a_wrong_helper_blames_it():
    def create_mask_from_window(x):
        return x == np.min(x)

    ns = reference_ns(create_mask_from_window=create_mask_from_window)
    ns["pool_backward"] = naive_pool_with_helpers(ns)
    r = judge_in_process("pool_backward", ns, SEED)
    assert [f.id for f in kinds(r, "blame")] == ["blame/create_mask_from_window"]


def naive_pool_with_helpers(ns):
    def pool_backward(dA, cache, mode="max"):
        A_prev, hp = cache
        f, s = hp["f"], hp["stride"]
        m, n_H, n_W, n_C = dA.shape
        out = np.zeros(A_prev.shape)
        for i in range(m):
            for h in range(n_H):
                for w in range(n_W):
                    for c in range(n_C):
                        win = A_prev[i, h * s:h * s + f, w * s:w * s + f, c]
                        if mode == "max":
                            out[i, h * s:h * s + f, w * s:w * s + f, c] += ns["create_mask_from_window"](win) * dA[i, h, w, c]
                        else:
                            out[i, h * s:h * s + f, w * s:w * s + f, c] += ns["distribute_value"](dA[i, h, w, c], (f, f))
        return out

    return pool_backward


def test_a_dropout_backward_drawing_a_new_mask_is_flagged():
    def dropout_backward(dout, cache):
        param, mask = cache
        if param["mode"] == "test":
            return dout
        return dout * (np.random.rand(*dout.shape) < param["p"]) / param["p"]

    r = judge_in_process("dropout_backward", reference_ns(dropout_backward=dropout_backward), SEED)
    flags = [f for f in r.findings if f.id == "contract/random"]
    assert flags and flags[0].costs_points and "new random mask" in flags[0].title


def test_contract_findings_from_records():
    entries = [{"changed": ["dA"], "rng": False}, {"changed": [], "repeatable": False}]
    found = contract_findings("dropout_backward", entries, passed=True)
    assert [(f.id, f.costs_points) for f in found] == [("contract/changes_input", False), ("contract/random", False)]
    assert contract_findings("relu_backward", [{"changed": []}], passed=False) == []


def test_the_notebook_self_check_shows_patterns_without_the_reference(capsys):
    from grader.selfcheck import check

    def linear_backward(dZ, cache):
        A_prev, W, b = cache
        return W.T @ dZ, (dZ @ A_prev.T).T / dZ.shape[1], np.sum(dZ, axis=1) / dZ.shape[1]

    check("linear_backward", linear_backward)
    out = capsys.readouterr().out
    assert "Pattern: you returned dW transposed." in out
    assert "Pattern: you returned db with the right values in the wrong shape." in out
    check("linear_backward", solutions.linear_backward)
    assert "Pattern" not in capsys.readouterr().out


def test_the_docs_list_every_catalogued_mistake():
    from pathlib import Path

    text = (Path(__file__).parents[1] / "docs" / "mistakes.md").read_text(encoding="utf-8")
    missing = []
    for name in EXERCISES:
        section = text.split(f"**{name}**", 1)[1].split("**", 1)[0] if f"**{name}**" in text else ""
        missing += [m.key for m in mistakes_for(name) if f"| `{m.id}` | {m.title.replace('|', '/')} |" not in section]
    assert not missing, f"docs/mistakes.md does not list: {missing}"


def test_forged_helper_records_are_not_run_through_the_reference():
    """The calls come from the student's kernel: a forged call with huge dimensions or an
    unknown function must be ignored, not computed (it would allocate terabytes)."""
    from grader.mistakes.blame import blame_helpers

    cases = make_cases("pool_backward", HIDDEN_PLAN["pool_backward"], SEED)
    expected = [expected_output(c) for c in cases]
    forged = [
        {"fn": "distribute_value", "depth": 0, "args": [1.0, (10**6, 10**6)], "kwargs": {}, "changed": [],
         "after": {}, "output": np.zeros((2, 2))},
        {"fn": "conv_forward", "depth": 0, "args": [], "kwargs": {}, "changed": [], "after": {}, "output": None},
        {"fn": "create_mask_from_window", "depth": 0, "args": [np.zeros((1, 10**5))], "kwargs": {}, "changed": [],
         "after": {}, "output": np.zeros((1, 10**5), bool)},
    ]
    entries = [{"output": e * 2, "calls": forged} for e in expected]
    assert blame_helpers("pool_backward", cases, expected, entries) == []


def test_grader_mutants_exits_0_when_all_are_caught_and_2_for_a_bad_exercise(capsys):
    from grader.cli import main

    assert main(["mutants", "--exercise", "relu_backward"]) == 0
    assert "every mistake is caught and named" in capsys.readouterr().out
    assert main(["mutants", "--exercise", "no_such_function"]) == 2


def test_grader_mutants_fails_when_the_hidden_cases_are_too_weak(monkeypatch, capsys):
    """Without overlapping windows and average pooling, = instead of += and the f² mistakes
    go uncaught: the command says so and exits 1."""
    from grader import cases, mutants

    weak = {**cases.HIDDEN_PLAN, "pool_backward": [(3, 8, 6, 5, 2, 2, "max")]}
    monkeypatch.setattr(mutants, "HIDDEN_PLAN", weak)
    results = run_mutants(SEED, "pool_backward")
    uncaught = {r.key for r in results if not r.caught}
    assert {"pool_backward/assign_not_accumulate", "pool_backward/average_divides_by_f"} <= uncaught
    assert mutants.main(["--exercise", "pool_backward"]) == 1
    assert "not caught or not named" in capsys.readouterr().out
