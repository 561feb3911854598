"""The public cases file: inputs from :data:`grader.cases.PUBLIC_PLAN`, outputs from the reference."""

from __future__ import annotations

import copy
import json

from grader.cases import PUBLIC_PLAN, make_cases
from grader.codec import encode

__all__ = ["PUBLIC_SEED", "build_public_cases", "dumps"]

#: Seed of the public cases. Hidden cases use the course's own seed (course config).
PUBLIC_SEED = 2024


def expected_output(name: str, args: tuple, kwargs: dict):
    """What the reference returns for a case (called on copies: the case stays intact)."""
    import solutions

    return getattr(solutions, name)(*copy.deepcopy(args), **copy.deepcopy(kwargs))


def build_public_cases(seed: int = PUBLIC_SEED) -> dict:
    """JSON-ready data: for every exercise, its public cases with expected outputs."""
    exercises = {}
    for name, plan in PUBLIC_PLAN.items():
        exercises[name] = [
            {
                "label": case.label,
                "args": encode(case.args),
                "kwargs": encode(case.kwargs),
                "expected": encode(expected_output(name, case.args, case.kwargs)),
            }
            for case in make_cases(name, plan, seed)
        ]
    return {"format": 1, "seed": seed, "exercises": exercises}


def dumps(data: dict) -> str:
    return json.dumps(data, sort_keys=True) + "\n"
