"""Start a worker process on a job folder, under a wall-clock limit, and clean up after it.

Student code never runs in this process: the worker (``python -m grader.worker``) is a
child process with its own kernel. When the notebook's wall-clock limit is reached, the
worker and every process below it (the kernel, anything the kernel started) are killed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

__all__ = ["WorkerRun", "run_worker", "kill_tree"]

STDERR_LIMIT = 20_000


@dataclass(frozen=True)
class WorkerRun:
    """How a worker ended.

    Attributes:
        returncode: the worker's exit status (negative: killed by that signal).
        timed_out: the wall-clock limit was reached and the process tree was killed.
        duration: seconds from start to end.
        stderr: the end of the worker's standard error, for diagnosis.
    """

    returncode: int
    timed_out: bool
    duration: float
    stderr: str


def kill_tree(proc: psutil.Process) -> None:
    """Kill a process and all its descendants, then reap them."""
    try:
        procs = proc.children(recursive=True) + [proc]
    except psutil.NoSuchProcess:
        procs = []
    for p in procs:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(procs, timeout=5)


def run_worker(job_dir: Path, wall_clock: float, command: list[str] | None = None) -> WorkerRun:
    """Run ``python -m grader.worker JOB_DIR`` (or ``command``) and wait at most ``wall_clock`` s."""
    command = command or [sys.executable, "-m", "grader.worker", str(job_dir)]
    stderr_path = job_dir.parent / f"{job_dir.name}.stderr"
    start = time.monotonic()
    with open(stderr_path, "wb") as err:
        popen = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
            start_new_session=True, cwd=job_dir,
        )
        proc = psutil.Process(popen.pid)
        timed_out = False
        try:
            popen.wait(timeout=wall_clock)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            kill_tree(proc)  # also what the worker may have left behind
            popen.wait()
    with open(stderr_path, "rb") as err:
        err.seek(max(0, os.path.getsize(stderr_path) - STDERR_LIMIT))
        tail = err.read().decode("utf-8", "replace")
    stderr_path.unlink(missing_ok=True)
    return WorkerRun(popen.returncode, timed_out, time.monotonic() - start, tail)
