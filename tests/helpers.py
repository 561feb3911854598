"""Shared helpers for the tests of the reference package ``solutions/``.

* input generators that keep away from the points where a derivative is undefined
  (ReLU inputs within 1e-3 of 0, ties inside a pooling window);
* :func:`check_vjp`: a backward pass against numerical vector-Jacobian products of its
  forward pass (``grader.gradcheck``), element by element;
* :func:`check_solution_module`: the authoring rules of docs/authoring.md for one
  module of ``solutions/`` (START/END blocks, self-containment, runnable skeletons).
"""

from __future__ import annotations

import ast
import builtins
import inspect
import re
import sys
import textwrap
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # for ``import bench.naive``: bench/ is not an installed package
    sys.path.append(str(ROOT))

from grader.exercises import EXERCISES, NOTEBOOKS, PROVIDED  # noqa: E402
from grader.gradcheck import numerical_vjp, relative_error  # noqa: E402

#: Relative error (norm-wise) a correct backward pass reaches against central differences.
GRAD_TOL = 1e-7
#: Relative error between the naive loop versions and the vectorized reference.
NAIVE_TOL = 1e-10
#: Inputs of a ReLU stay at least this far from 0.
KINK_MARGIN = 1e-3

#: Property tests: deterministic (no example database, derandomized) and quick.
PROPERTY = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


# --------------------------------------------------------------------------- inputs


def away_from_zero(rng: np.random.Generator, shape, margin: float = 10 * KINK_MARGIN) -> np.ndarray:
    """Standard normal values pushed at least ``margin`` away from 0."""
    z = rng.standard_normal(shape)
    return np.where(z >= 0, 1.0, -1.0) * (np.abs(z) + margin)


def distinct_values(rng: np.random.Generator, shape, scale: float = 2.0) -> np.ndarray:
    """A random permutation of evenly spaced values: no two entries are equal, and
    neighbours are ``2 * scale / (size - 1)`` apart, far more than a finite-difference step."""
    n = int(np.prod(shape))
    values = np.linspace(-scale, scale, n) if n > 1 else np.array([0.5])
    return rng.permutation(values).reshape(shape)


# --------------------------------------------------------------------------- gradients


def check_vjp(
    forward: Callable[..., np.ndarray],
    inputs: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    dout: np.ndarray,
    tol: float = GRAD_TOL,
) -> dict[str, float]:
    """Check each analytic gradient ``grads[name]`` against the numerical VJP of
    ``forward(**inputs)`` with respect to ``inputs[name]``, element by element.

    Returns the relative errors by name (all below ``tol``, or an AssertionError).
    """
    errors = {}
    for name, grad in grads.items():
        x = np.array(inputs[name], dtype=np.float64, copy=True)

        def f(v: np.ndarray, name: str = name) -> np.ndarray:
            return forward(**{**inputs, name: v})

        num = numerical_vjp(f, x, dout)
        assert np.shape(grad) == num.shape, f"d{name}: shape {np.shape(grad)}, expected {num.shape}"
        errors[name] = relative_error(grad, num)
    bad = {k: v for k, v in errors.items() if not v < tol}
    assert not bad, f"gradient check failed (tolerance {tol:g}): {bad}"
    return errors


def assert_rel_close(got: np.ndarray, expected: np.ndarray, tol: float, what: str = "") -> None:
    """Same shape, and norm-wise relative error below ``tol``."""
    assert np.shape(got) == np.shape(expected), f"{what}: shape {np.shape(got)} != {np.shape(expected)}"
    err = relative_error(got, expected)
    assert err < tol, f"{what}: relative error {err:.3g} >= {tol:g}"


# --------------------------------------------------------------------------- authoring rules

START_RE = re.compile(r"^(?P<indent>\s*)### START CODE HERE ###")
END_RE = re.compile(r"^(?P<indent>\s*)### END CODE HERE ###")


def notebook_of(name: str) -> str:
    for nb, names in PROVIDED.items():
        if name in names:
            return nb
    return EXERCISES[name].notebook


def notebook_functions(notebook: str) -> set[str]:
    return set(PROVIDED[notebook]) | set(NOTEBOOKS[notebook])


def block_spans(source: str) -> list[tuple[int, int]]:
    """(start, end) line indices of the START/END pairs; AssertionError when unbalanced,
    nested, or not at the indentation of the code they enclose."""
    lines = source.splitlines()
    spans, start = [], None
    for i, line in enumerate(lines):
        if START_RE.match(line):
            assert start is None, f"line {i + 1}: START inside another block"
            start = i
        elif END_RE.match(line):
            assert start is not None, f"line {i + 1}: END without START"
            spans.append((start, i))
            start = None
    assert start is None, f"line {start + 1}: START never closed"
    for s, e in spans:
        indent = START_RE.match(lines[s]).group("indent")
        assert END_RE.match(lines[e]).group("indent") == indent, f"line {e + 1}: END indented unlike START"
        body = [l for l in lines[s + 1 : e] if l.strip() and not l.strip().startswith("#")]
        assert body, f"line {s + 1}: empty block"
        first_indent = re.match(r"\s*", body[0]).group(0)
        assert first_indent == indent, f"line {s + 1}: START not at the indentation of its code"
    return spans


def free_names(func: Callable) -> set[str]:
    """Names a function reads that it does not bind itself (params, assignments, loops...)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    fdef = tree.body[0]
    bound = {a.arg for a in ast.walk(fdef.args) if isinstance(a, ast.arg)}
    loads = set()
    for node in ast.walk(fdef):
        if isinstance(node, ast.Name):
            (loads if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.Lambda)) and node is not fdef:
            bound |= {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
    return loads - bound


def blank_source(source: str) -> str:
    """The student's version of a graded function, by the rule of docs/authoring.md: each
    block's top-level assignments become ``target = None``, other statements are dropped."""
    lines = source.splitlines()
    out, pos = [], 0
    for s, e in block_spans(source):
        indent = START_RE.match(lines[s]).group("indent")
        out.extend(lines[pos : s + 1])
        placeholders = []
        for stmt in ast.parse(textwrap.dedent("\n".join(lines[s + 1 : e]))).body:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else (
                [stmt.target] if isinstance(stmt, ast.AnnAssign) else [])
            for t in targets:
                if isinstance(t, (ast.Tuple, ast.List)):
                    placeholders.append(", ".join(ast.unparse(x) for x in t.elts) + " = "
                                        + ", ".join(["None"] * len(t.elts)))
                else:
                    placeholders.append(f"{ast.unparse(t)} = None")
        out.extend(indent + p for p in (placeholders or ["pass"]))
        out.append(lines[e])
        pos = e + 1
    out.extend(lines[pos:])
    return "\n".join(out)


def blank_namespace(notebook: str) -> dict:
    """What a student's fresh notebook defines: np, the provided functions (reference)
    and every graded function with its blocks blanked."""
    import solutions

    ns: dict = {"np": np}
    for name in PROVIDED[notebook]:
        ns[name] = getattr(solutions, name)
    for name in NOTEBOOKS[notebook]:
        src = textwrap.dedent(inspect.getsource(getattr(solutions, name)))
        exec(compile(blank_source(src), f"<blank {name}>", "exec"), ns)
    return ns


def is_unimplemented(value) -> bool:
    """True when a blank exercise's return says "not implemented": None, or Nones inside."""
    if value is None:
        return True
    if isinstance(value, tuple):
        return all(v is None for v in value)
    if isinstance(value, dict):
        return all(v is None for v in value.values())
    return False


def check_solution_module(module) -> None:
    """The authoring rules for one module of ``solutions/``."""
    tree = ast.parse(inspect.getsource(module))
    for i, stmt in enumerate(tree.body):
        if i == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # module docstring
        if isinstance(stmt, ast.Import):
            assert [(a.name, a.asname) for a in stmt.names] == [("numpy", "np")], ast.unparse(stmt)
            continue
        assert isinstance(stmt, ast.FunctionDef), f"{module.__name__}: unexpected top-level {ast.unparse(stmt)[:60]}"

    allowed_builtins = set(dir(builtins))
    for stmt in tree.body:
        if not isinstance(stmt, ast.FunctionDef):
            continue
        name = stmt.name
        func = getattr(module, name)
        nb = notebook_of(name)  # KeyError: not a spec function (no private helpers)
        assert ast.get_docstring(stmt), f"{name} has no docstring"
        for node in ast.walk(stmt):
            assert not isinstance(node, (ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal)), name
        # Only np, the functions of the same notebook, and builtins
        extra = free_names(func) - {"np"} - notebook_functions(nb) - allowed_builtins
        assert not extra, f"{name} uses names outside its notebook: {sorted(extra)}"
        closure = inspect.getclosurevars(func)
        assert set(closure.globals) <= {"np"} | notebook_functions(nb), (name, closure.globals)
        assert set(closure.builtins) <= allowed_builtins, (name, closure.builtins)
        # START/END blocks in graded functions only
        spans = block_spans(inspect.getsource(func))
        if name in EXERCISES:
            assert spans, f"graded function {name} has no START/END block"
        else:
            assert not spans, f"provided function {name} has START/END blocks"
