"""Speed feedback: how a student's vectorizable exercise compares with the reference.

The worker times the student's function on a larger hidden case (``SPEED_PLAN`` in
grader/cases.py) in the kernel, after everything else; the grader times the reference
on the same case in its own process, once per class. This module turns the two times
into a note for the student ("your conv_backward is 180× slower than a vectorized
version") and, only where ``[speed] points`` says so, into points. Pure.
"""

from __future__ import annotations

import copy
import time
from dataclasses import replace
from typing import Callable

from grader.config import SpeedConfig
from grader.results import ExerciseResult

__all__ = ["time_reference", "apply_speed", "SLOW_RATIO"]

#: From this many times the reference's time on, the note says the function is slow.
SLOW_RATIO = 5.0

_HOW = {
    "conv_backward": "loop only over the f x f kernel offsets (di, dj), with whole-array slices and "
                     "np.tensordot for everything else, as the notebook shows",
    "pool_backward": "loop only over the f x f offsets inside a window, or use the sliding-window "
                     "route the notebook shows, instead of one window at a time",
    "batchnorm_backward": "use whole-array numpy operations (sums over axis 0) instead of Python loops",
    "batchnorm_backward_alt": "use whole-array numpy operations (sums over axis 0) instead of Python loops",
}


def time_reference(fn: Callable, args: tuple, kwargs: dict, repeat: int = 5) -> float:
    """The best of ``repeat`` runs of ``fn`` on copies of the arguments, in seconds; the
    copies are made outside the timing, as the harness does for the student's."""
    best = float("inf")
    for _ in range(repeat):
        call_args, call_kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
        start = time.perf_counter()
        fn(*call_args, **call_kwargs)
        best = min(best, time.perf_counter() - start)
    return best


def _fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


def apply_speed(result: ExerciseResult, seconds: float | None, reference: float, label: str,
                status: str | None, config: SpeedConfig) -> ExerciseResult:
    """``result`` with its speed: the ``speed`` record, a "Speed: ..." line in the feedback
    and, where ``config.points`` awards them, the extra points (and maximum)."""
    name = result.exercise
    extra = float(config.points.get(name, 0.0))
    if result.status in ("missing", "not_run", "not_implemented"):
        return replace(result, max_score=result.max_score + extra) if extra else result
    record: dict = {"case": label, "reference_seconds": reference, "seconds": seconds, "ratio": None,
                    "fast_enough": False, "points": 0.0, "max_points": extra}
    if seconds is not None:
        ratio = seconds / max(reference, 1e-9)
        record["ratio"] = ratio
        record["fast_enough"] = ratio <= config.max_ratio
        if ratio >= SLOW_RATIO:
            line = (f"Speed: on a larger case ({label}) your {name} took {_fmt(seconds)}, {ratio:,.0f}× the "
                    f"{_fmt(reference)} of a vectorized version. To make it fast, {_HOW.get(name, 'vectorize it')}.")
        else:
            line = (f"Speed: on a larger case ({label}) your {name} took {_fmt(seconds)}, {ratio:.1f}× a "
                    "vectorized version: fast.")
    elif status == "timeout":
        line = (f"Speed: on a larger case ({label}) your {name} did not finish within {config.timeout:g} s "
                f"(a vectorized version takes {_fmt(reference)}). To make it fast, {_HOW.get(name, 'vectorize it')}.")
    else:
        return replace(result, max_score=result.max_score + extra) if extra else result
    earned = extra if (extra and result.status == "passed" and record["fast_enough"]) else 0.0
    record["points"] = earned
    if extra:
        line += (f" ({earned:g} of {extra:g} speed point{'s' if extra != 1 else ''}: "
                 f"{'within' if earned else 'needs a pass and at most'} {config.max_ratio:g}× the vectorized time.)")
    return replace(result, score=round(result.score + earned, 4), max_score=result.max_score + extra,
                   feedback=result.feedback + "\n" + line, speed=record)
