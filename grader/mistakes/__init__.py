"""The mistakes students really make, each written as a variant of the reference.

A :class:`Mistake` is a function with the graded function's signature that makes one
classic mistake (the 1/m forgotten, ``=`` where ``+=`` belongs, a flipped kernel...).
When a student's output is wrong, the grader runs the variants of that exercise on the
same cases, in its own process, and names the one that reproduces the student's output
(grader/mistakes/diagnose.py). ``grader mutants`` grades every variant against the
hidden cases and fails when one goes uncaught or unnamed (grader/mutants.py).

The catalog is reference code: it lives on the grader's side and never ships to
students or enters a student's kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

__all__ = ["Mistake", "CATALOG", "mistake", "mistakes_for", "all_mistakes"]


@dataclass(frozen=True)
class Mistake:
    """One catalogued mistake.

    Attributes:
        exercise: the graded function it is a variant of.
        id: short name, unique within the exercise (``"no_1_over_m"``).
        title: what the student did, as a phrase after "N% of the class ...";
            ``{outputs}`` is replaced by the outputs it explains (``"dW and db"``).
        hint: what to do about it.
        variant: the mistaken function, with the graded function's signature.
    """

    exercise: str
    id: str
    title: str
    hint: str
    variant: Callable

    @property
    def key(self) -> str:
        """The finding id: ``"<exercise>/<id>"``."""
        return f"{self.exercise}/{self.id}"


CATALOG: dict[str, list[Mistake]] = {}


def mistake(exercises: str | tuple[str, ...], id: str, title: str, hint: str) -> Callable[[Callable], Callable]:
    """Register the decorated function as a mistake of one or several exercises."""
    names = (exercises,) if isinstance(exercises, str) else exercises

    def register(fn: Callable) -> Callable:
        for name in names:
            entries = CATALOG.setdefault(name, [])
            if any(m.id == id for m in entries):
                raise ValueError(f"mistake {name}/{id} registered twice")
            entries.append(Mistake(name, id, title, hint, fn))
        return fn

    return register


def _load() -> None:
    from grader.mistakes import conv, dense, norm  # noqa: F401 - registers the catalog


def mistakes_for(exercise: str) -> list[Mistake]:
    """The catalogued mistakes of one exercise (empty if none)."""
    _load()
    return list(CATALOG.get(exercise, ()))


def all_mistakes() -> list[Mistake]:
    """Every catalogued mistake, exercise by exercise in course order."""
    from grader.exercises import EXERCISES

    _load()
    return [m for name in EXERCISES for m in CATALOG.get(name, ())]
