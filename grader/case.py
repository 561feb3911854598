"""One case: a call of a graded function, as data.

The plans and generators that draw cases live in grader/cases.py, on the course author's
and the instructor's side (they need the reference's forward passes). A case itself is
plain data, and the student-side modules (the worker's job files, the judge, the
self-checks) use only this class, so that a student's bundle ships without the plans.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Case"]


@dataclass(frozen=True)
class Case:
    """One call of a graded function.

    Attributes:
        exercise: the function's name.
        label: what is special about this case, for feedback ("m=4, stride 2, pad 1").
        args / kwargs: the call's arguments.
    """

    exercise: str
    label: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
