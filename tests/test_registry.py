"""Where an exercise is registered (grader/author/registry.py), without a kernel.

Is every exercise of the course registered everywhere? When one piece is missing (a hidden
plan, a gradient spec, points, a mistake, the self-check cell...), is it named in one
line, with the exercise and the file? Do ``make notebooks``, ``grader mutants`` and
``validate`` refuse to go on without it?
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import solutions
from grader import cases, config, exercises, reference
from grader.author.__main__ import main as author_main
from grader.author.registry import PIECES, build_problems, case_problems, checklist, course_problems
from grader.mistakes import CATALOG, all_mistakes

ROOT = Path(__file__).resolve().parents[1]


def test_the_course_is_registered_everywhere_and_every_case_draws():
    assert course_problems() == []
    assert build_problems() == []
    assert case_problems(config.load_config(None).seed) == []
    assert case_problems(7) == []


def test_every_piece_of_every_exercise_is_in_place():
    for name in exercises.EXERCISES:
        assert [(p.key, problems) for p, problems in checklist(name) if problems] == [], name


def _only(problems: list[str], name: str) -> list[str]:
    return [p for p in problems if p.startswith(f"{name}:")]


@pytest.mark.parametrize("module, attr, says", [
    (cases, "HIDDEN_PLAN", "relu_backward: no hidden cases: add HIDDEN_PLAN[\"relu_backward\"] in grader/cases.py"),
    (cases, "PUBLIC_PLAN", "relu_backward: no public cases: add PUBLIC_PLAN[\"relu_backward\"] in grader/cases.py"),
    (cases, "GENERATORS", "relu_backward: no case generator"),
    (reference, "_SPECS", "relu_backward: no gradient check: add _SPECS[\"relu_backward\"] in grader/reference.py"),
    (config, "DEFAULT_POINTS", "relu_backward: no points: add it to DEFAULT_POINTS in grader/config.py"),
])
def test_a_missing_registry_entry_is_named_in_one_line(monkeypatch, module, attr, says):
    table = dict(getattr(module, attr))
    del table["relu_backward"]
    monkeypatch.setattr(module, attr, table)
    found = _only(course_problems(), "relu_backward")
    assert any(p.startswith(says) for p in found), found
    assert all("\n" not in p for p in found)
    assert _only(course_problems(), "sigmoid_backward") == []


def test_an_exercise_without_a_mistake_is_named_and_mutants_fails(monkeypatch, capsys):
    from grader.mutants import main as mutants_main

    all_mistakes()
    monkeypatch.delitem(CATALOG, "relu_backward")
    assert any(p.startswith("relu_backward: no catalogued mistake") for p in course_problems())
    assert mutants_main(["--exercise", "relu_backward"]) == 1
    assert "relu_backward has no catalogued mistake" in capsys.readouterr().err


def test_a_reference_missing_from_all_or_without_a_block_is_named(monkeypatch):
    monkeypatch.setattr(solutions, "__all__", [n for n in solutions.__all__ if n != "relu_backward"])
    assert any(p.startswith("relu_backward: not in solutions.__all__") for p in course_problems())

    def relu_backward(dA, cache):
        return dA * (cache > 0)

    monkeypatch.setattr(solutions, "relu_backward", relu_backward)
    assert any("has no ### START CODE HERE ### block" in p for p in _only(course_problems(), "relu_backward"))


def test_a_gradient_spec_and_no_gradient_at_once_is_named(monkeypatch):
    monkeypatch.setattr(reference, "NO_GRADIENT", reference.NO_GRADIENT | {"relu_backward"})
    assert any("both a gradient spec" in p for p in _only(course_problems(), "relu_backward"))


def test_something_registered_for_no_exercise_is_named(monkeypatch):
    monkeypatch.setattr(config, "DEFAULT_POINTS", {**config.DEFAULT_POINTS, "relu_backwards": 1})
    assert any(p.startswith("relu_backwards: registered in DEFAULT_POINTS in grader/config.py, but not an exercise")
               for p in course_problems())


def test_helpers_without_an_orchestration_are_named(monkeypatch):
    monkeypatch.setattr(exercises, "HELPERS", {**exercises.HELPERS, "sigmoid_backward": ("relu_backward",)})
    assert any("has HELPERS, but blame has no orchestration" in p for p in _only(course_problems(), "sigmoid_backward"))


def _course_copy(tmp_path: Path) -> Path:
    for rel in ("assignments/src", "docs"):
        shutil.copytree(ROOT / rel, tmp_path / rel)
    return tmp_path


def test_a_notebook_source_without_the_self_check_or_the_docs_without_a_mistake_is_named(tmp_path):
    root = _course_copy(tmp_path)
    src = root / "assignments" / "src" / "01_deep_nn_backward.md"
    text = src.read_text(encoding="utf-8")
    assert text.count("```{selfcheck} relu_backward\n```\n") == 1
    src.write_text(text.replace("```{selfcheck} relu_backward\n```\n", ""), encoding="utf-8")
    docs = root / "docs" / "mistakes.md"
    docs.write_text(docs.read_text(encoding="utf-8").replace("| `mask_only` |", "| `mask_onIy` |"), encoding="utf-8")
    found = _only(course_problems(root), "relu_backward")
    assert any("has no ```{selfcheck} relu_backward``` cell right under its graded cell" in p for p in found), found
    assert any("docs/mistakes.md does not list mistake mask_only" in p for p in found), found
    assert _only(course_problems(root), "sigmoid_backward") == []


def test_make_notebooks_refuses_a_graded_cell_that_is_no_exercise(tmp_path, capsys):
    root = _course_copy(tmp_path)
    src = root / "assignments" / "src" / "01_deep_nn_backward.md"
    src.write_text(src.read_text(encoding="utf-8").replace("{graded} relu_backward", "{graded} relu_backwards"),
                   encoding="utf-8")
    assert author_main(["build", "--check", "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert "grader.author: relu_backwards: assignments/src/01_deep_nn_backward.md grades it, but it is not an " \
           "exercise" in err
    assert "grader.author: relu_backward: assignments/src/01_deep_nn_backward.md has no ```{graded} " \
           "relu_backward``` cell" in err


def test_make_notebooks_refuses_an_exercise_without_public_cases(monkeypatch, capsys):
    monkeypatch.setattr(cases, "PUBLIC_PLAN", {k: v for k, v in cases.PUBLIC_PLAN.items() if k != "distribute_value"})
    assert author_main(["build", "--check"]) == 2
    assert "distribute_value: no public cases" in capsys.readouterr().err


def test_a_plan_the_generator_cannot_draw_is_named(monkeypatch):
    monkeypatch.setattr(cases, "HIDDEN_PLAN", {**cases.HIDDEN_PLAN, "linear_backward": [(5, 7, 11), (3, 2)]})
    found = case_problems(1)
    assert len(found) == 1 and found[0].startswith(
        "linear_backward: HIDDEN_PLAN case 2 (3, 2): the generator raised TypeError"), found


def test_validate_exits_2_naming_a_missing_registration_before_running_anything(monkeypatch, capsys):
    from grader.author.validate import main as validate_main

    monkeypatch.setattr(config, "DEFAULT_POINTS", {k: v for k, v in config.DEFAULT_POINTS.items()
                                                   if k != "dropout_backward"})
    assert validate_main(ROOT, None, 1, None) == 2
    err = capsys.readouterr().err
    assert "grader.author validate: dropout_backward: no points" in err
    assert validate_main(ROOT, ["04_attention"], 1, None) == 2
    assert "unknown notebook '04_attention'" in capsys.readouterr().err


def test_new_exercise_prints_the_checklist(capsys):
    assert author_main(["new-exercise", "relu_backward"]) == 0
    out = capsys.readouterr().out
    assert "relu_backward is registered everywhere" in out
    assert all(f"✓ {p.key}" in out for p in PIECES if not p.optional)

    assert author_main(["new-exercise", "tanh_backward", "--notebook", "01_deep_nn_backward",
                        "--outputs", "dZ"]) == 1
    out = capsys.readouterr().out
    assert "7 pieces to go" in out
    assert "tanh_backward: no reference function: write it in solutions/dense.py" in out
    assert 'Exercise("tanh_backward", "01_deep_nn_backward", ("dZ",)),' in out

    assert author_main(["new-exercise", "tanh_backward"]) == 2
    assert "say which notebook with --notebook" in capsys.readouterr().err
