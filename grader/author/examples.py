"""The demo class ``examples/class/``, generated from the notebooks so that it cannot drift.

One student per behaviour of the grader (``examples/README.md`` says what each shows and
the grade each should get):

================  ===========================================================================
student           notebooks
================  ===========================================================================
ada_correct       the three solved notebooks
ben_blank         the three blank notebooks, exactly as students receive them
cho_mistakes      the solved notebooks with the classic mistakes of :data:`MISTAKES` injected
dev_loops         correct, but written otherwise: naive loops in 02 and 03 (the loops of
                  ``bench/naive.py``), other formulas in 01 (:data:`REWRITES`)
eve_syntax        01 solved, with a syntax error in the graded cell of linear_backward
fay_invalid       02 solved, its JSON cut in the middle: not a notebook any more
gus_deleted       03 solved, with the graded cell of batchnorm_backward deleted
================  ===========================================================================

Every change is a small pure step on a copy of a notebook (``nb -> nb``), composed in
:func:`class_notebooks` in one visible order:

* :func:`replace_in_graded` - string replacements in the source of one graded cell;
* :func:`replace_function_body` - a graded function keeps its signature and docstring,
  its body comes from another implementation;
* :func:`delete_graded_cell` - the graded cell of one function disappears;
* :func:`truncate_json` - on the text of a notebook, not on the notebook.

A step whose target is gone (a graded cell renamed, a line of ``solutions/`` rewritten)
raises :class:`ExampleError` naming what it looked for, so that a change in the sources
breaks the generator loudly instead of silently turning a "mistake" into a correct answer.
"""

from __future__ import annotations

import ast
import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import nbformat

from grader.author.notebooks import AuthoringError, build_notebook
from grader.exercises import EXERCISES

__all__ = [
    "ExampleError",
    "Mistake",
    "MISTAKES",
    "REWRITES",
    "LOOPS",
    "SYNTAX_ERROR",
    "DELETED",
    "CLASS_DIR",
    "graded_cell_index",
    "replace_in_graded",
    "function_source",
    "replace_function_body",
    "delete_graded_cell",
    "truncate_json",
    "notebook_text",
    "with_mistakes",
    "with_rewrites",
    "with_loops",
    "class_notebooks",
    "build_examples",
]

#: Where the demo class lives, relative to the project root.
CLASS_DIR = Path("examples") / "class"

_NB1, _NB2, _NB3 = "01_deep_nn_backward", "02_conv_pool_backward", "03_batchnorm_dropout_backward"


class ExampleError(AuthoringError):
    """A step of the demo class no longer applies to the notebooks it is built from."""


# --------------------------------------------------------------------------- the edits


@dataclass(frozen=True)
class Mistake:
    """A classic mistake, injected into the solved notebook of ``cho_mistakes``.

    Attributes:
        name: a short id.
        notebook: the notebook's file stem.
        exercise: the graded function whose cell is edited.
        description: what the student got wrong, and why it is wrong.
        edits: (old, new) replacements in that cell's source; each ``old`` must occur
            exactly once.
    """

    name: str
    notebook: str
    exercise: str
    description: str
    edits: tuple[tuple[str, str], ...]


#: The mistakes of ``cho_mistakes``: one per exercise at most, all others left solved.
MISTAKES: tuple[Mistake, ...] = (
    Mistake(
        "db_without_mean", _NB1, "linear_backward",
        "db sums dZ over the examples but forgets the / m: the cost is a mean, so db is "
        "m times too large (dW and dA_prev stay right).",
        (("db = np.sum(dZ, axis=1, keepdims=True) / m", "db = np.sum(dZ, axis=1, keepdims=True)"),),
    ),
    Mistake(
        "sigmoid_derivative_of_Z", _NB1, "sigmoid_backward",
        "dZ = dA * Z * (1 - Z): the derivative s(1 - s) taken at the input Z instead of at "
        "s = sigmoid(Z).",
        (("dZ = dA * s * (1 - s)", "dZ = dA * Z * (1 - Z)"),),
    ),
    Mistake(
        "grads_keys_shifted", _NB1, "L_model_backward",
        'grads["dA" + str(l)] holds the gradient of A^[l-1] (the indexing of an old version '
        'of the Coursera notebook): the keys run dA1 ... dAL instead of dA0 ... dA(L-1); '
        "dW and db are right.",
        (
            ('grads["dA" + str(L - 1)] = dA_prev_temp', 'grads["dA" + str(L)] = dA_prev_temp'),
            ('linear_activation_backward(grads["dA" + str(l)], current_cache, "relu")',
             'linear_activation_backward(grads["dA" + str(l + 1)], current_cache, "relu")'),
            ('grads["dA" + str(l - 1)] = dA_prev_temp', 'grads["dA" + str(l)] = dA_prev_temp'),
        ),
    ),
    Mistake(
        "crop_with_minus_pad", _NB2, "conv_backward",
        "dA_prev = dA_prev_pad[:, pad:-pad, pad:-pad, :]: right for pad > 0, but with pad = 0 "
        "the slice 0:-0 is empty.",
        (("dA_prev = dA_prev_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :]",
          "dA_prev = dA_prev_pad[:, pad:-pad, pad:-pad, :]"),),
    ),
    Mistake(
        "average_pool_divides_by_f", _NB2, "pool_backward",
        "average pooling spreads dA / f over the window instead of dA / (f * f): the window "
        "has f * f entries (max pooling stays right).",
        (("dA_share = dA / (f * f)", "dA_share = dA / f"),),
    ),
    Mistake(
        "batchnorm_alt_without_coupling", _NB3, "batchnorm_backward_alt",
        "dx = dout * gamma / sqrt(var + eps): treats mu and var as constants and drops the two "
        "terms through the batch mean and variance (dgamma and dbeta stay right).",
        (("dx = x_hat * (-dgamma / N)\n    dx += dout\n    dx -= dbeta / N\n    dx *= gamma / np.sqrt(var + eps)",
          "dx = dout * gamma / np.sqrt(var + eps)"),),
    ),
    Mistake(
        "dropout_divides_by_p_again", _NB3, "dropout_backward",
        "train mode: dx = dout * mask / p, but the mask already holds the 1 / p of inverted "
        "dropout (test mode stays right).",
        (("dx = dout * mask", 'dx = dout * mask / dropout_param["p"]'),),
    ),
)

#: ``dev_loops``, notebook 01: the same gradients written otherwise, per exercise.
REWRITES: dict[str, tuple[tuple[str, str], ...]] = {
    "relu_backward": (("dZ = dA * (Z > 0)", "dZ = np.array(dA, copy=True)\n    dZ[Z <= 0] = 0"),),
    "sigmoid_backward": (("s = 1 / (1 + np.exp(-Z))", "s = np.exp(-np.logaddexp(0, -Z))"),),
    "linear_backward": (
        ("dW = np.dot(dZ, A_prev.T) / m", "dW = (A_prev @ dZ.T).T / m"),
        ("db = np.sum(dZ, axis=1, keepdims=True) / m", "db = dZ.mean(axis=1, keepdims=True)"),
        ("dA_prev = np.dot(W.T, dZ)", 'dA_prev = np.einsum("ij,ik->jk", W, dZ)'),
    ),
    "L_model_backward": (
        ("dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))", "dAL = (AL - Y) / (AL * (1 - AL))"),
    ),
}

#: ``dev_loops``, notebooks 02 and 03: graded functions whose body becomes the loop
#: version of the same name in ``bench/naive.py``.
LOOPS: dict[str, tuple[str, ...]] = {
    _NB2: ("conv_backward", "pool_backward"),
    _NB3: ("batchnorm_backward",),
}

#: ``eve_syntax``: a missing closing parenthesis in the graded cell of linear_backward.
SYNTAX_ERROR: tuple[str, tuple[str, str]] = ("linear_backward", ("dA_prev = np.dot(W.T, dZ)", "dA_prev = np.dot(W.T, dZ"))

#: ``gus_deleted``: the graded cell deleted from notebook 03.
DELETED: tuple[str, str] = (_NB3, "batchnorm_backward")


# --------------------------------------------------------------------------- nb -> nb steps


def graded_cell_index(nb: nbformat.NotebookNode, name: str) -> int:
    """The index of the one cell whose first line is ``# GRADED FUNCTION: name``."""
    header = f"# GRADED FUNCTION: {name}"
    found = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and c.source.split("\n", 1)[0].strip() == header]
    if len(found) != 1:
        what = "no cell" if not found else f"{len(found)} cells"
        raise ExampleError(f"{what} of the notebook start(s) with {header!r}; expected exactly one")
    return found[0]


def replace_in_graded(nb: nbformat.NotebookNode, name: str, edits: Iterable[tuple[str, str]]) -> nbformat.NotebookNode:
    """A copy of ``nb`` where each ``old`` of ``edits``, which must occur exactly once in
    the graded cell of ``name``, is replaced by its ``new``, in order."""
    nb = copy.deepcopy(nb)
    cell = nb.cells[graded_cell_index(nb, name)]
    for old, new in edits:
        n = cell.source.count(old)
        if n != 1:
            found = "is not" if n == 0 else f"occurs {n} times"
            raise ExampleError(f"the graded cell of {name}: {old!r} {found} in it (was solutions/ changed?)")
        cell.source = cell.source.replace(old, new)
    return nb


def _function_def(source: str, name: str, where: str) -> ast.FunctionDef:
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ExampleError(f"{where} does not parse: {exc}") from exc
    defs = [s for s in tree.body if isinstance(s, ast.FunctionDef) and s.name == name]
    if len(defs) != 1:
        raise ExampleError(f"{where} defines {len(defs)} top-level functions {name}; expected one")
    return defs[0]


def _body_start(fdef: ast.FunctionDef) -> int:
    """Index of the first source line after the signature and the docstring."""
    first = fdef.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return first.end_lineno
    return first.lineno - 1


def function_source(module_text: str, name: str, where: str = "module") -> str:
    """The source of the top-level function ``name`` of a module's text."""
    fdef = _function_def(module_text, name, where)
    return "\n".join(module_text.splitlines()[fdef.lineno - 1 : fdef.end_lineno])


def replace_function_body(nb: nbformat.NotebookNode, name: str, function_src: str) -> nbformat.NotebookNode:
    """A copy of ``nb`` where the graded function ``name`` keeps its cell header, signature
    and docstring, and takes the body of the function ``name`` of ``function_src``
    (which must have the same arguments)."""
    nb = copy.deepcopy(nb)
    cell = nb.cells[graded_cell_index(nb, name)]
    old = _function_def(cell.source, name, f"the graded cell of {name}")
    new = _function_def(function_src, name, f"the replacement of {name}")
    if ast.dump(old.args) != ast.dump(new.args):
        raise ExampleError(f"the replacement of {name} takes ({ast.unparse(new.args)}), "
                           f"the graded function ({ast.unparse(old.args)})")
    lines, new_lines = cell.source.splitlines(), function_src.splitlines()
    cell.source = "\n".join(lines[: _body_start(old)] + new_lines[_body_start(new) : new.end_lineno]
                            + lines[old.end_lineno :])
    return nb


def delete_graded_cell(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """A copy of ``nb`` without the graded cell of ``name`` (its self-check cell stays)."""
    nb = copy.deepcopy(nb)
    del nb.cells[graded_cell_index(nb, name)]
    return nb


def truncate_json(text: str) -> str:
    """The first half of a notebook's text: a file that is no longer valid JSON."""
    cut = text[: len(text) // 2]
    try:
        json.loads(cut)
    except json.JSONDecodeError:
        return cut
    raise ExampleError("the truncated notebook is still valid JSON")


def notebook_text(nb: nbformat.NotebookNode) -> str:
    """A notebook as the builder writes it: validated, with a final newline."""
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


# --------------------------------------------------------------------------- per student


def with_mistakes(notebooks: dict[str, nbformat.NotebookNode],
                  mistakes: Iterable[Mistake] = MISTAKES) -> dict[str, nbformat.NotebookNode]:
    """The notebooks with every mistake injected into its notebook."""
    out = dict(notebooks)
    for m in mistakes:
        out[m.notebook] = replace_in_graded(out[m.notebook], m.exercise, m.edits)
    return out


def with_rewrites(nb: nbformat.NotebookNode,
                  rewrites: dict[str, tuple[tuple[str, str], ...]] = REWRITES) -> nbformat.NotebookNode:
    """A notebook with each exercise of ``rewrites`` written otherwise."""
    for name, edits in rewrites.items():
        nb = replace_in_graded(nb, name, edits)
    return nb


def with_loops(nb: nbformat.NotebookNode, names: Iterable[str], naive_text: str) -> nbformat.NotebookNode:
    """A notebook whose graded functions ``names`` run the loops of ``bench/naive.py``."""
    for name in names:
        nb = replace_function_body(nb, name, function_source(naive_text, name, "bench/naive.py"))
    return nb


def _sources(root: Path) -> dict[str, str]:
    paths = sorted((root / "assignments" / "src").glob("*.md"))
    if not paths:
        raise ExampleError(f"no notebook sources in {root / 'assignments' / 'src'}")
    return {p.stem: p.read_text(encoding="utf-8") for p in paths}


def class_notebooks(root: Path) -> dict[str, dict[str, str]]:
    """The demo class: per student, per notebook file name, the file's text."""
    sources = _sources(root)
    for stem in (_NB1, _NB2, _NB3):
        if stem not in sources:
            raise ExampleError(f"no source assignments/src/{stem}.md")
    solved = {s: build_notebook(t, solved=True, where=f"{s}.md") for s, t in sources.items()}
    blank = {s: build_notebook(t, solved=False, where=f"{s}.md") for s, t in sources.items()}
    naive = (root / "bench" / "naive.py").read_text(encoding="utf-8")

    def files(nbs: dict[str, nbformat.NotebookNode]) -> dict[str, str]:
        return {f"{s}.ipynb": notebook_text(nb) for s, nb in sorted(nbs.items())}

    dev = dict(solved)
    dev[_NB1] = with_rewrites(dev[_NB1])
    for stem, names in LOOPS.items():
        dev[stem] = with_loops(dev[stem], names, naive)
    syntax_name, syntax_edit = SYNTAX_ERROR
    deleted_stem, deleted_name = DELETED

    return {
        "ada_correct": files(solved),
        "ben_blank": files(blank),
        "cho_mistakes": files(with_mistakes(solved)),
        "dev_loops": files(dev),
        "eve_syntax": files({_NB1: replace_in_graded(solved[_NB1], syntax_name, [syntax_edit])}),
        "fay_invalid": {f"{_NB2}.ipynb": truncate_json(notebook_text(solved[_NB2]))},
        "gus_deleted": files({deleted_stem: delete_graded_cell(solved[deleted_stem], deleted_name)}),
    }


def build_examples(root: Path) -> dict[Path, bytes]:
    """Every file of the demo class: ``root/examples/class/<student>/<notebook>`` -> bytes."""
    for m in MISTAKES:
        if EXERCISES[m.exercise].notebook != m.notebook:
            raise ExampleError(f"mistake {m.name}: {m.exercise} is not in notebook {m.notebook}")
    return {
        root / CLASS_DIR / student / name: text.encode("utf-8")
        for student, notebooks in class_notebooks(root).items()
        for name, text in notebooks.items()
    }
