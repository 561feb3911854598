"""Calling a student's function on a case and judging what came back.

These pieces run wherever the student's function is: in the notebook's own kernel for
the self-checks. Everything returns values; nothing prints.

* :func:`call_safely` calls the function on deep copies of a case's arguments and turns
  an exception into an :class:`ErrorInfo` that points at the student's own line.
* :func:`compare_outputs` checks the returned structure (None, a tuple of the right
  length, a dict with the right keys), then each array with :func:`compare_arrays`.
* :class:`CaseResult` is the typed outcome of one case.
"""

from __future__ import annotations

import copy
import inspect
import linecache
import os
import re
import sys
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from grader.compare import ATOL_SCALE, RTOL, Comparison, compare_arrays, render_text
from grader.exercises import Exercise

__all__ = [
    "ErrorInfo",
    "CaseResult",
    "call_safely",
    "compare_outputs",
    "changed_arguments",
    "same_value",
    "render_case",
]


@dataclass(frozen=True)
class ErrorInfo:
    """An exception raised by student code, located in the student's own cell.

    Attributes:
        type: exception class name, e.g. ``"ValueError"``.
        message: ``str(exception)``, capped at 300 characters.
        function: the student function whose line raised (None if not found).
        line: line number within that function's notebook cell.
        source: that line's text, stripped.
    """

    type: str
    message: str
    function: str | None = None
    line: int | None = None
    source: str | None = None

    def render(self) -> str:
        text = f"raised {self.type}"
        if self.message:
            text += f": {self.message}"
        if self.line is not None:
            where = f"line {self.line} of your {self.function} cell" if self.function else f"line {self.line}"
            text += f" (at {where}"
            text += f": `{self.source}`)" if self.source else ")"
        return text

    def to_dict(self) -> dict:
        return dict(type=self.type, message=self.message, function=self.function,
                    line=self.line, source=self.source)


def _library_paths() -> tuple[str, ...]:
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.__file__)}
    paths.add(os.path.dirname(os.path.dirname(np.__file__)))
    paths.add(os.path.dirname(os.path.abspath(__file__)))
    return tuple(os.path.abspath(p) + os.sep for p in paths)


def describe_exception(exc: BaseException) -> ErrorInfo:
    """Locate ``exc`` at the innermost frame that belongs to the student's code."""
    message = str(exc)
    if len(message) > 300:
        message = message[:297] + "..."
    libs = _library_paths()
    user_frames = [
        fs
        for fs in traceback.extract_tb(exc.__traceback__)
        if not os.path.abspath(fs.filename).startswith(libs)
    ]
    if not user_frames:
        return ErrorInfo(type(exc).__name__, message)
    fs = user_frames[-1]
    source = (linecache.getline(fs.filename, fs.lineno) or fs.line or "").strip() or None
    function = None if fs.name in ("<module>", "<lambda>") else fs.name
    return ErrorInfo(type(exc).__name__, message, function, fs.lineno, source)


def call_safely(fn: Callable, args: tuple, kwargs: dict) -> tuple[Any, ErrorInfo | None, tuple]:
    """Call ``fn`` on deep copies of the arguments.

    Returns:
        ``(result, error, args_after)``: the return value (None on error), the error
        (None on success) and the copies as the call left them, to detect mutation.
    """
    call_args = copy.deepcopy(args)
    call_kwargs = copy.deepcopy(kwargs)
    try:
        result = fn(*call_args, **call_kwargs)
    except Exception as exc:  # noqa: BLE001 - the student's code may raise anything
        return None, describe_exception(exc), call_args
    return result, None, call_args


def same_value(a: Any, b: Any) -> bool:
    """Whether two plain values (arrays, tuples, lists, dicts, scalars) are identical."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.shape == b.shape
            and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
        )
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - an object a student put there
        return False


def changed_arguments(fn: Callable, before: tuple, after: tuple, allowed: tuple[int, ...] = ()) -> list[str]:
    """Names of the arguments the call changed in place (positions in ``allowed`` excepted)."""
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    changed = []
    for i, (a, b) in enumerate(zip(before, after)):
        if i not in allowed and not same_value(a, b):
            changed.append(names[i] if i < len(names) else f"argument {i + 1}")
    return changed


def _key_problem(dict_name: str, expected_keys: list, got_keys: list) -> str:
    """"grads has no key 'dA0'", and whether the keys look shifted by one layer."""
    missing = [k for k in expected_keys if k not in got_keys]
    extra = [str(k) for k in got_keys if k not in expected_keys]
    shown = ", ".join(repr(k) for k in missing[:6]) + (" ..." if len(missing) > 6 else "")
    text = f"{dict_name} has no key {shown}"
    if extra:
        text += "; it has " + ", ".join(repr(k) for k in extra[:4]) + (" ..." if len(extra) > 4 else "") + " instead"

    def parts(key) -> tuple[str, int] | None:
        m = re.fullmatch(r"([A-Za-z_]+)(\d+)", str(key))
        return (m.group(1), int(m.group(2))) if m else None

    for prefix in dict.fromkeys(p[0] for k in missing if (p := parts(k))):
        want = {p[1] for k in expected_keys if (p := parts(k)) and p[0] == prefix}
        have = {p[1] for k in got_keys if (p := parts(k)) and p[0] == prefix}
        for by in (1, -1):
            if have and have == {n + by for n in want}:
                text += f"; your {prefix} keys are numbered one too {'high' if by > 0 else 'low'}"
    return text


def compare_outputs(ex: Exercise, got: Any, expected: Any, rtol: float = RTOL,
                    atol_scale: float = ATOL_SCALE) -> tuple[tuple[Comparison, ...], str | None]:
    """Compare a function's return value with the expected one, each array within
    ``rtol`` and ``atol_scale`` (:func:`grader.compare.compare_arrays`).

    Returns:
        ``(comparisons, problem)``: one comparison per expected array, and a sentence
        when the returned structure itself is wrong (then comparisons may be empty).
    """
    if ex.returns_dict:
        if got is None:
            return (), "returned None: not implemented yet"
        if not isinstance(got, dict):
            return (), f"returned a {type(got).__name__}, expected {ex.describe_return()}"
        missing = [k for k in expected if k not in got]
        comps = tuple(
            compare_arrays(ex.label(k), got[k], v, rtol, atol_scale) for k, v in expected.items() if k in got
        )
        problem = None
        if missing:
            problem = _key_problem(ex.returns_dict, list(expected), list(got))
        elif comps and all(c.status == "missing" for c in comps):
            problem = "every entry is None: not implemented yet"
        return comps, problem

    if got is None:
        return (), "returned None: not implemented yet"
    if len(ex.outputs) == 1:
        return (compare_arrays(ex.outputs[0], got, expected, rtol, atol_scale),), None
    if not isinstance(got, (tuple, list)) or len(got) != len(ex.outputs):
        what = f"a {type(got).__name__}" if not isinstance(got, (tuple, list)) else f"{len(got)} values"
        return (), f"returned {what}, expected {ex.describe_return()}"
    comps = tuple(compare_arrays(n, g, e, rtol, atol_scale) for n, g, e in zip(ex.outputs, got, expected))
    if all(c.status == "missing" for c in comps):
        return comps, "returned None for every output: not implemented yet"
    return comps, None


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case.

    Attributes:
        label: the case's description.
        comparisons: one per expected output array.
        problem: an error or a wrong structure, in one sentence (None if neither).
        error: the exception, if the call raised.
        changed: names of arguments the function modified in place.
        output: what the function returned (for error patterns; not serialized).
    """

    label: str
    comparisons: tuple[Comparison, ...] = ()
    problem: str | None = None
    error: ErrorInfo | None = None
    changed: tuple[str, ...] = ()
    output: Any = field(default=None, compare=False, repr=False)

    @property
    def passed(self) -> bool:
        return self.problem is None and self.error is None and all(c.passed for c in self.comparisons)

    @property
    def not_implemented(self) -> bool:
        return self.problem is not None and "not implemented" in self.problem

    def to_dict(self, reveal: bool = True) -> dict:
        return {
            "label": self.label,
            "passed": self.passed,
            "problem": self.problem,
            "error": None if self.error is None else self.error.to_dict(),
            "changed": list(self.changed),
            "comparisons": [c.to_dict(reveal) for c in self.comparisons],
        }


def render_case(result: CaseResult, reveal: bool = True) -> list[str]:
    """Lines of text for one failing case (empty for a passing one)."""
    if result.passed:
        return []
    if result.error is not None:
        return [result.error.render()]
    lines = [result.problem] if result.problem else []
    if not result.problem or not result.not_implemented:
        for c in result.comparisons:
            if not c.passed:
                lines.extend(render_text(c, reveal).splitlines())
    return lines
