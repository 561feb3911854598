"""The hidden cases of an assignment, with the reference's outputs: the instructor's side.

It imports the reference package, the case plans and the mistakes catalog, so it never
ships to students: ``make release`` leaves it out of the bundle (docs/release.md), and
``grader.grade.hidden_case_set`` reaches it only when an instructor grades.
"""

from __future__ import annotations

import solutions
from grader.cases import HIDDEN_PLAN, SPEED_PLAN, make_cases, speed_case
from grader.config import CourseConfig
from grader.exercises import NOTEBOOKS
from grader.grade import CaseSet
from grader.mistakes.diagnose import Diagnoser
from grader.reference import ReferenceGradients, expected_output
from grader.speed import time_reference

__all__ = ["hidden_case_set"]


def hidden_case_set(assignment: str, config: CourseConfig) -> CaseSet:
    """The hidden cases of an assignment drawn from the course seed, the reference's
    outputs on them, its gradient checker and mistake diagnoser, and the speed cases."""
    cases = {n: make_cases(n, HIDDEN_PLAN[n], config.seed) for n in NOTEBOOKS[assignment]}
    expected = {n: [expected_output(c) for c in cs] for n, cs in cases.items()}
    speed_cases, speed_reference = {}, {}
    if config.speed.enabled:
        for n in NOTEBOOKS[assignment]:
            if n in SPEED_PLAN:
                speed_cases[n] = speed_case(n, config.seed)
                speed_reference[n] = time_reference(getattr(solutions, n), speed_cases[n].args,
                                                    speed_cases[n].kwargs)
    return CaseSet(cases, expected, reveal=False, gradients=ReferenceGradients(config.seed),
                   diagnoser=Diagnoser(), speed_cases=speed_cases, speed_reference=speed_reference)
