"""What a worker is asked to do: the job's specification, ``job.json`` in the job folder.

Kept apart from grader/job.py (which reads results back, with numpy) so that the worker,
which starts once per notebook, imports nothing it does not need.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["JobSpec"]


@dataclass(frozen=True)
class JobSpec:
    """What the worker is asked to do.

    Attributes:
        exercises: the graded functions to run, in order.
        cell_timeout: seconds per cell (and per exercise's cases).
        output_limit: characters of output kept.
        startup_timeout: seconds for the kernel to start.
        skip_tag: cells with this tag are not run.
        max_elements: the largest output array the harness sends back.
        speed: exercises to time on their speed case (``cases.json`` key
            ``speed:<name>``), after every exercise has run.
        speed_timeout: seconds the timing cell may take.
        fork_kernel: start the kernel by forking the worker (grader/forkkernel.py),
            not as a new Python: the same kernel for less CPU (Linux only; elsewhere
            the worker launches it).
    """

    exercises: tuple[str, ...]
    cell_timeout: float
    output_limit: int
    startup_timeout: float = 60.0
    skip_tag: str = "demo"
    max_elements: int = 1_000_000
    speed: tuple[str, ...] = ()
    speed_timeout: float = 20.0
    fork_kernel: bool = True

    def to_dict(self) -> dict:
        return {
            "exercises": list(self.exercises),
            "cell_timeout": self.cell_timeout,
            "output_limit": self.output_limit,
            "startup_timeout": self.startup_timeout,
            "skip_tag": self.skip_tag,
            "max_elements": self.max_elements,
            "speed": list(self.speed),
            "speed_timeout": self.speed_timeout,
            "fork_kernel": self.fork_kernel,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "JobSpec":
        return cls(
            exercises=tuple(d["exercises"]),
            cell_timeout=float(d["cell_timeout"]),
            output_limit=int(d["output_limit"]),
            startup_timeout=float(d.get("startup_timeout", 60.0)),
            skip_tag=str(d.get("skip_tag", "demo")),
            max_elements=int(d.get("max_elements", 1_000_000)),
            speed=tuple(d.get("speed", ())),
            speed_timeout=float(d.get("speed_timeout", 20.0)),
            fork_kernel=bool(d.get("fork_kernel", True)),
        )
