"""The demo class examples/class/ (grader/author/examples.py), without a kernel.

Is the committed class what the notebooks generate? Does each notebook step do exactly
what it says, and fail loudly when its target is gone? Are the loop and rewritten
solutions of dev_loops right to 1e-10? Is each mistake of cho_mistakes really caught by
the cases the grader draws? (Grading the whole class end to end is another test file's job.)
"""

from __future__ import annotations

import copy
import json
import shutil

import nbformat
import numpy as np
import pytest
from nbformat import v4

import solutions
from grader.author.__main__ import examples as examples_verb
from grader.author.__main__ import main as author_main
from grader.author.examples import (
    CLASS_DIR,
    DELETED,
    LOOPS,
    MISTAKES,
    REWRITES,
    SYNTAX_ERROR,
    ExampleError,
    Mistake,
    build_examples,
    class_notebooks,
    delete_graded_cell,
    function_source,
    graded_cell_index,
    notebook_text,
    replace_function_body,
    replace_in_graded,
    truncate_json,
    with_mistakes,
)
from grader.author.notebooks import build_notebook
from grader.cases import HIDDEN_PLAN, PUBLIC_PLAN, make_cases
from grader.exercises import EXERCISES, NOTEBOOKS, PROVIDED
from grader.gradcheck import relative_error
from notebook_helpers import ROOT, STEMS

STUDENTS = {
    "ada_correct": STEMS,
    "ben_blank": STEMS,
    "cho_mistakes": STEMS,
    "dev_loops": STEMS,
    "eve_syntax": ["01_deep_nn_backward"],
    "fay_invalid": ["02_conv_pool_backward"],
    "gus_deleted": ["03_batchnorm_dropout_backward"],
}
SEED = 12345  # not the course's: these cases only need to be random


@pytest.fixture(scope="module")
def klass() -> dict[str, dict[str, str]]:
    return class_notebooks(ROOT)


def graded_source(text: str, name: str) -> str:
    nb = nbformat.reads(text, as_version=4)
    return nb.cells[graded_cell_index(nb, name)].source


# --------------------------------------------------------------------------- tiny notebooks


def tiny(*sources: str) -> nbformat.NotebookNode:
    nb = v4.new_notebook()
    nb.cells = [v4.new_markdown_cell("# title", id="md-0")]
    nb.cells += [v4.new_code_cell(s, id=f"code-{i}") for i, s in enumerate(sources, start=1)]
    return nb


F = '# GRADED FUNCTION: f\n\ndef f(x, y=2):\n    """Doc of f."""\n    z = x + y\n    return z\n\nf_ran = True'
G = "# GRADED FUNCTION: g\n\ndef g(x):\n    return x * 2"


def test_the_committed_class_is_up_to_date(capsys):
    # ``python -m grader.author examples --check``, in this process (a second Python
    # would double the time of this file)
    assert author_main(["examples", "--check"]) == 0, capsys.readouterr().err


def test_replace_in_graded_edits_only_that_cell_of_a_copy():
    nb = tiny(F, G)
    out = replace_in_graded(nb, "f", [("z = x + y", "z = x - y"), ("return z", "return -z")])
    assert "z = x - y" in out.cells[1].source and "return -z" in out.cells[1].source
    assert out.cells[2].source == G and out.cells[0].source == "# title"
    assert nb.cells[1].source == F  # the input is left alone


@pytest.mark.parametrize("old, message", [("z = x * y", "is not in it"), ("x", "occurs 2 times")])
def test_replace_in_graded_fails_loudly_when_the_text_is_not_there_exactly_once(old, message):
    with pytest.raises(ExampleError, match=message):
        replace_in_graded(tiny(F), "f", [(old, "anything")])


def test_a_missing_or_duplicated_graded_cell_is_an_error():
    with pytest.raises(ExampleError, match="no cell .* '# GRADED FUNCTION: h'"):
        replace_in_graded(tiny(F, G), "h", [("x", "y")])
    with pytest.raises(ExampleError, match="2 cells"):
        delete_graded_cell(tiny(F, F), "f")
    # "# GRADED FUNCTION: f" must be the whole first line, not a prefix of it
    with pytest.raises(ExampleError, match="no cell"):
        graded_cell_index(tiny("# GRADED FUNCTION: ff\n\ndef ff(): pass"), "f")


def test_replace_function_body_keeps_header_signature_docstring_and_the_rest_of_the_cell():
    loops = "import os\n\n\ndef f(x, y=2):\n    '''Another doc.'''\n    # by hand\n    for _ in range(y):\n        x = x + 1\n    return x\n\n\ndef g():\n    pass\n"
    out = replace_function_body(tiny(F, G), "f", loops)
    assert out.cells[1].source == (
        '# GRADED FUNCTION: f\n\ndef f(x, y=2):\n    """Doc of f."""\n    # by hand\n'
        "    for _ in range(y):\n        x = x + 1\n    return x\n\nf_ran = True"
    )
    ns = {}
    exec(out.cells[1].source, ns)
    assert ns["f"](1) == 3 and ns["f_ran"]
    # without a docstring on either side
    out = replace_function_body(tiny(G), "g", "def g(x):\n    return x + x\n")
    assert out.cells[1].source == "# GRADED FUNCTION: g\n\ndef g(x):\n    return x + x"


def test_replace_function_body_refuses_another_signature_or_a_missing_function():
    with pytest.raises(ExampleError, match="takes"):
        replace_function_body(tiny(F), "f", "def f(x, y=3):\n    return x\n")
    with pytest.raises(ExampleError, match="0 top-level functions f"):
        replace_function_body(tiny(F), "f", "def g(x, y=2):\n    return x\n")


def test_function_source_is_one_top_level_function():
    text = "import numpy as np\n\n\ndef a(x):\n    return x\n\n\ndef b(x):\n    '''B.'''\n    return a(x)\n"
    assert function_source(text, "b") == "def b(x):\n    '''B.'''\n    return a(x)"
    with pytest.raises(ExampleError):
        function_source(text, "c")


def test_delete_graded_cell_removes_that_cell_only():
    nb = tiny(F, G, 'check("f", f)')
    out = delete_graded_cell(nb, "f")
    assert [c.source for c in out.cells] == ["# title", G, 'check("f", f)']
    assert len(nb.cells) == 4


def test_truncate_json_makes_a_prefix_that_is_not_json():
    text = notebook_text(tiny(F))
    cut = truncate_json(text)
    assert text.startswith(cut) and 0 < len(cut) < len(text)
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut)
    with pytest.raises(ExampleError, match="still valid JSON"):
        truncate_json("1234")


def test_notebook_text_is_what_the_builder_writes():
    nb = tiny(F)
    assert notebook_text(nb) == nbformat.writes(nb) + "\n"
    nb.cells[1]["bogus"] = 1
    with pytest.raises(nbformat.ValidationError):
        notebook_text(nb)


def test_with_mistakes_applies_each_mistake_to_its_notebook():
    m = Mistake("minus", "nb1", "f", "adds instead of subtracting", (("x + y", "x - y"),))
    out = with_mistakes({"nb1": tiny(F), "nb2": tiny(F)}, [m])
    assert "z = x - y" in out["nb1"].cells[1].source
    assert out["nb2"].cells[1].source == F


def test_a_mistake_whose_solution_text_is_gone_breaks_the_generator():
    src = (ROOT / "assignments" / "src" / "01_deep_nn_backward.md").read_text(encoding="utf-8")
    blank = {"01_deep_nn_backward": build_notebook(src, solved=False)}
    first = next(m for m in MISTAKES if m.notebook == "01_deep_nn_backward")
    with pytest.raises(ExampleError, match=f"the graded cell of {first.exercise}: .* is not in it"):
        with_mistakes(blank, [first])


# --------------------------------------------------------------------------- the tables


def test_the_mistake_table_is_consistent():
    assert 6 <= len(MISTAKES) <= 9
    assert len({m.name for m in MISTAKES}) == len(MISTAKES)
    assert len({m.exercise for m in MISTAKES}) == len(MISTAKES), "one mistake per exercise at most"
    assert {m.notebook for m in MISTAKES} == set(STEMS)
    for m in MISTAKES:
        assert EXERCISES[m.exercise].notebook == m.notebook, m.name
        assert m.description and m.edits, m.name
    assert set(REWRITES) <= set(NOTEBOOKS["01_deep_nn_backward"])
    assert all(set(names) <= set(NOTEBOOKS[stem]) for stem, names in LOOPS.items())


# --------------------------------------------------------------------------- the class


def test_the_class_has_one_folder_per_student_with_its_notebooks():
    files = build_examples(ROOT)
    expected = {ROOT / CLASS_DIR / s / f"{stem}.ipynb" for s, stems in STUDENTS.items() for stem in stems}
    assert set(files) == expected


def test_ada_is_solved_and_ben_is_the_committed_student_notebook(klass):
    for stem in STEMS:
        src = (ROOT / "assignments" / "src" / f"{stem}.md").read_text(encoding="utf-8")
        assert klass["ada_correct"][f"{stem}.ipynb"] == notebook_text(build_notebook(src, solved=True))
        committed = (ROOT / "assignments" / f"{stem}.ipynb").read_text(encoding="utf-8")
        assert klass["ben_blank"][f"{stem}.ipynb"] == committed


def test_every_notebook_but_fay_s_is_valid_without_outputs(klass):
    for student, notebooks in klass.items():
        for name, text in notebooks.items():
            if student == "fay_invalid":
                with pytest.raises(json.JSONDecodeError):
                    json.loads(text)
                assert klass["ada_correct"][name].startswith(text)
                continue
            assert text.endswith("}\n")
            nb = nbformat.reads(text, as_version=4)
            nbformat.validate(nb)
            assert all(not c.get("outputs") and c.get("execution_count") is None
                       for c in nb.cells if c.cell_type == "code"), (student, name)


def test_cho_changes_only_the_mistaken_cells(klass):
    mistaken = {m.exercise for m in MISTAKES}
    for stem in STEMS:
        for name in NOTEBOOKS[stem]:
            cho = graded_source(klass["cho_mistakes"][f"{stem}.ipynb"], name)
            ada = graded_source(klass["ada_correct"][f"{stem}.ipynb"], name)
            assert (cho != ada) == (name in mistaken), name


def test_eve_has_one_graded_cell_that_does_not_parse(klass):
    text = klass["eve_syntax"]["01_deep_nn_backward.ipynb"]
    for name in NOTEBOOKS["01_deep_nn_backward"]:
        source = graded_source(text, name)
        if name == SYNTAX_ERROR[0]:
            with pytest.raises(SyntaxError, match="never closed"):
                compile(source, name, "exec")
        else:
            compile(source, name, "exec")


def test_gus_has_no_graded_batchnorm_backward_but_keeps_everything_else(klass):
    stem, name = DELETED
    gus = nbformat.reads(klass["gus_deleted"][f"{stem}.ipynb"], as_version=4)
    ada = nbformat.reads(klass["ada_correct"][f"{stem}.ipynb"], as_version=4)
    with pytest.raises(ExampleError):
        graded_cell_index(gus, name)
    gone = graded_cell_index(ada, name)
    assert [c.id for c in gus.cells] == [c.id for i, c in enumerate(ada.cells) if i != gone]
    assert f'check("{name}", {name})' in [c.source for c in gus.cells]  # its self-check stays


def test_the_verb_writes_checks_and_prunes_the_class(tmp_path, capsys):
    shutil.copytree(ROOT / "assignments" / "src", tmp_path / "assignments" / "src")
    shutil.copytree(ROOT / "bench", tmp_path / "bench", ignore=shutil.ignore_patterns("__pycache__"))
    assert examples_verb(tmp_path, check=True) == 1
    assert examples_verb(tmp_path, check=False) == 0
    assert examples_verb(tmp_path, check=True) == 0
    folder = tmp_path / CLASS_DIR
    (folder / "ada_correct" / "01_deep_nn_backward.ipynb").write_text("{}")
    (folder / "zed").mkdir()
    (folder / "zed" / "01_deep_nn_backward.ipynb").write_text("{}")
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "x.ipynb").write_text("{}")
    capsys.readouterr()
    assert examples_verb(tmp_path, check=True) == 1
    err = capsys.readouterr().err
    assert "out of date: examples/class/ada_correct/01_deep_nn_backward.ipynb (run `make examples`)" in err
    assert "not generated: examples/class/zed/01_deep_nn_backward.ipynb" in err
    assert ".ipynb_checkpoints" not in err
    assert examples_verb(tmp_path, check=False) == 0
    assert not (folder / "zed").exists() and (folder / ".ipynb_checkpoints" / "x.ipynb").exists()
    assert examples_verb(tmp_path, check=True) == 0


# --------------------------------------------------------------------------- against the reference, no kernel


def namespace(stem: str) -> dict:
    """What a notebook defines when every function is the reference's."""
    return {"np": np, **{n: getattr(solutions, n) for n in PROVIDED[stem] + NOTEBOOKS[stem]}}


def cases(name: str):
    return make_cases(name, PUBLIC_PLAN[name], SEED) + make_cases(name, HIDDEN_PLAN[name], SEED)


def call(fn, case):
    return fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))


def difference(got, expected) -> float:
    """The largest norm-wise relative error over the arrays of two outputs; inf when
    their structure (type, length, keys, shapes) differs."""
    if isinstance(expected, dict):
        if not isinstance(got, dict) or got.keys() != expected.keys():
            return float("inf")
        return max(difference(got[k], expected[k]) for k in expected)
    if isinstance(expected, tuple):
        if not isinstance(got, tuple) or len(got) != len(expected):
            return float("inf")
        return max(difference(g, e) for g, e in zip(got, expected))
    if np.shape(got) != np.shape(expected):
        return float("inf")
    return relative_error(got, expected)


@pytest.mark.parametrize("stem", STEMS)
def test_dev_loops_matches_the_reference(klass, stem):
    nb = nbformat.reads(klass["dev_loops"][f"{stem}.ipynb"], as_version=4)
    ns = namespace(stem)
    for name in NOTEBOOKS[stem]:
        exec(compile(nb.cells[graded_cell_index(nb, name)].source, f"<dev_loops {name}>", "exec"), ns)
    rewritten = set(REWRITES) | {n for names in LOOPS.values() for n in names}
    assert any(n in rewritten for n in NOTEBOOKS[stem])
    naive = (ROOT / "bench" / "naive.py").read_text(encoding="utf-8")
    for name in LOOPS.get(stem, ()):  # the body of the loop version, after its docstring
        body = function_source(naive, name).split('"""')[-1]
        assert body.strip() and body in nb.cells[graded_cell_index(nb, name)].source, name
    for name in NOTEBOOKS[stem]:
        for case in cases(name):
            err = difference(call(ns[name], case), call(getattr(solutions, name), case))
            assert err < 1e-10, f"{name}, {case.label}: relative error {err:.3g}"


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.name)
def test_each_mistake_is_caught_by_the_cases(klass, mistake):
    name, stem = mistake.exercise, mistake.notebook
    ns = namespace(stem)  # every other function is right: the mistake alone is tested
    exec(compile(graded_source(klass["cho_mistakes"][f"{stem}.ipynb"], name), f"<cho {name}>", "exec"), ns)
    assert ns[name] is not getattr(solutions, name)
    errors = [difference(call(ns[name], c), call(getattr(solutions, name), c)) for c in cases(name)]
    assert max(errors) > 1e-3, f"{mistake.name}: no case tells it from the reference ({errors})"
    hidden = [difference(call(ns[name], c), call(getattr(solutions, name), c))
              for c in make_cases(name, HIDDEN_PLAN[name], SEED)]
    assert max(hidden) > 1e-3, f"{mistake.name}: the hidden cases do not catch it"
