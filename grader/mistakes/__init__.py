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
        forms: the mistaken function(s), with the graded function's signature: one
            mistake can be made several ways (eps left out of a recomputed x_hat, or only
            out of the closed form's last division), each a form.
    """

    exercise: str
    id: str
    title: str
    hint: str
    forms: tuple[Callable, ...]

    @property
    def variant(self) -> Callable:
        """The first (canonical) form."""
        return self.forms[0]

    @property
    def key(self) -> str:
        """The finding id: ``"<exercise>/<id>"``."""
        return f"{self.exercise}/{self.id}"


CATALOG: dict[str, list[Mistake]] = {}


def mistake(exercises: str | tuple[str, ...], id: str, title: str = "", hint: str = "") -> Callable[[Callable], Callable]:
    """Register the decorated function as a mistake of one or several exercises; for an
    id already registered (title and hint left empty), as one more form of it."""
    names = (exercises,) if isinstance(exercises, str) else exercises

    def register(fn: Callable) -> Callable:
        for name in names:
            entries = CATALOG.setdefault(name, [])
            old = next((i for i, m in enumerate(entries) if m.id == id), None)
            if old is None:
                if not title or not hint:
                    raise ValueError(f"mistake {name}/{id}: a title and a hint are needed")
                entries.append(Mistake(name, id, title, hint, (fn,)))
            elif title or hint:
                raise ValueError(f"mistake {name}/{id} registered twice (a further form takes no title)")
            else:
                m = entries[old]
                entries[old] = Mistake(name, id, m.title, m.hint, m.forms + (fn,))
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
