"""Start a worker process on a job folder, under a wall-clock limit, and clean up after it.

Student code never runs in this process: the worker (``python -m grader.worker``) is a
child process with its own kernel. When the notebook's wall-clock limit is reached, the
worker and every process below it (the kernel, anything the kernel started) are killed.
Started by root without the sandbox, it can run as an unprivileged user (``run_as``).
"""

from __future__ import annotations

import os
import subprocess
import threading
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

__all__ = ["WorkerRun", "run_worker", "as_user", "kill_tree", "kill_processes"]

STDERR_LIMIT = 20_000


@dataclass(frozen=True)
class WorkerRun:
    """How a worker ended.

    Attributes:
        returncode: the worker's exit status (negative: killed by that signal).
        timed_out: the wall-clock limit was reached and the process tree was killed.
        duration: seconds from start to end.
        stderr: the end of the worker's standard error, for diagnosis.
        disk_exceeded: the job folder outgrew its disk limit and the process tree was killed.
    """

    returncode: int
    timed_out: bool
    duration: float
    stderr: str
    disk_exceeded: bool = False


def kill_processes(procs: list[psutil.Process], timeout: float) -> None:
    """SIGKILL every process of the list (gone ones are fine), then wait for them."""
    for p in procs:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(procs, timeout=timeout)


def kill_tree(proc: psutil.Process) -> None:
    """Kill a process and all its descendants, then reap them."""
    try:
        procs = proc.children(recursive=True) + [proc]
    except psutil.NoSuchProcess:
        procs = []
    kill_processes(procs, timeout=5)


def _drain(stream, keep: int, sink: list) -> None:
    """Read a pipe to its end, keeping only the last ``keep`` bytes."""
    tail = b""
    while chunk := stream.read(65536):
        tail = (tail + chunk)[-keep:]
    sink.append(tail)


MAX_ENTRIES = 100_000


def disk_usage(folder: Path, max_entries: int = MAX_ENTRIES) -> float:
    """Bytes of disk a folder takes (allocated blocks, so sparse files count for what they
    use), walked without recursion and without following links; ``inf`` when it holds
    more than ``max_entries`` entries, which is a flood in itself."""
    total, entries, stack = 0, 0, [str(folder)]
    while stack:
        try:
            with os.scandir(stack.pop()) as it:
                for entry in it:
                    entries += 1
                    if entries > max_entries:
                        return float("inf")
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    blocks = getattr(st, "st_blocks", None)
                    total += st.st_size if blocks is None else blocks * 512
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
        except OSError:
            continue
    return total


def as_user(job_dir: Path, uid: int, gid: int) -> dict:
    """``subprocess.Popen`` arguments that run a worker as ``uid``/``gid`` (the caller is
    root), with no supplementary groups and nothing of this process's environment: its
    home and temporary folder are ``JOB_DIR/home`` and ``JOB_DIR/tmp``, and the job folder
    becomes that user's.

    Raises:
        SandboxUnavailable: that user cannot reach the job folder.
    """
    from grader.sandbox import hand_over, worker_env  # not at the top: the worker imports this module

    home, tmp = job_dir / "home", job_dir / "tmp"
    home.mkdir(exist_ok=True)
    tmp.mkdir(exist_ok=True)
    hand_over(job_dir, uid, gid)
    return {"user": uid, "group": gid, "extra_groups": [],
            "env": worker_env(sys.executable, home=str(home), tmp=str(tmp))}


def run_worker(job_dir: Path, wall_clock: float, command: list[str] | None = None,
               disk_limit: int | None = None, poll: float = 1.0,
               run_as: tuple[int, int] | None = None) -> WorkerRun:
    """Run ``python -m grader.worker JOB_DIR`` (or ``command``) and wait at most ``wall_clock`` s.

    With ``disk_limit`` (bytes), the job folder's size is checked every ``poll`` seconds
    and the whole process tree is killed when it grows past the limit. With ``run_as``
    (uid, gid; the caller is root), the worker runs as that user (:func:`as_user`).
    """
    command = command or [sys.executable, "-m", "grader.worker", str(job_dir)]
    user = as_user(job_dir, *run_as) if run_as is not None else {}
    start = time.monotonic()
    popen = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True, cwd=job_dir.parent, **user,
    )
    proc = psutil.Process(popen.pid)
    sink: list[bytes] = []
    reader = threading.Thread(target=_drain, args=(popen.stderr, STDERR_LIMIT, sink), daemon=True)
    reader.start()
    timed_out = disk_exceeded = False
    deadline = start + wall_clock
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            try:
                popen.wait(timeout=min(poll, remaining) if disk_limit else remaining)
                break
            except subprocess.TimeoutExpired:
                if disk_limit and disk_usage(job_dir) > disk_limit:
                    disk_exceeded = True
                    break
    finally:
        kill_tree(proc)  # also what the worker may have left behind
        popen.wait()
        reader.join(timeout=5)
        popen.stderr.close()
    tail = sink[0].decode("utf-8", "replace") if sink else ""
    return WorkerRun(popen.returncode, timed_out, time.monotonic() - start, tail, disk_exceeded)
