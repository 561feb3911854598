"""The kernel forked from the worker (grader/forkkernel.py) behaves as a launched one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from nbclient.exceptions import DeadKernelError
from nbformat import v4

from grader.forkkernel import ForkedKernel, _kernel_arguments
from grader.worker import CappedClient

pytestmark = pytest.mark.notebook

PROBE = (
    "import os, sys\n"
    "from ipykernel.kernelapp import IPKernelApp\n"
    "print(sorted(m for m in ('nbclient', 'grader.worker') if m in sys.modules),\n"
    "      IPKernelApp.instance().parent_handle == os.getppid(), os.getsid(0) == os.getpid(),\n"
    "      os.environ.get('FORK_PROBE'), os.path.basename(os.getcwd()))"
)


def _run(cells: list[str], fork: bool, cwd: Path, timeout: float = 20) -> tuple[list, CappedClient]:
    nb = v4.new_notebook(cells=[v4.new_code_cell(c) for c in cells])
    client = CappedClient(nb, 100_000, fork_kernel=fork, kernel_name="python3", timeout=timeout,
                          allow_errors=True, interrupt_on_timeout=True,
                          resources={"metadata": {"path": str(cwd)}})
    with client.setup_kernel():
        timed = [client.run_cell(cell, i) for i, cell in enumerate(nb.cells)]
    outputs = ["".join(o.get("text", "") for o in cell.outputs) for cell in nb.cells]
    return list(zip(outputs, timed)), client


def test_a_forked_kernel_is_a_kernel_of_its_own(tmp_path, monkeypatch):
    monkeypatch.setenv("FORK_PROBE", "seen")
    (tmp_path / "here").mkdir()
    forked, _ = _run([PROBE, "x = 6 * 7\nprint(x)"], fork=True, cwd=tmp_path / "here")
    launched, _ = _run([PROBE, "x = 6 * 7\nprint(x)"], fork=False, cwd=tmp_path / "here")
    # forked: the worker's modules are there; it has its own session, knows its parent
    # (it exits with it), got the launch's environment and working folder
    assert forked[0] == ("['grader.worker', 'nbclient'] True True seen here\n", False)
    assert launched[0] == ("[] True True seen here\n", False)
    assert forked[1] == launched[1] == ("42\n", False)


def test_a_forked_kernel_is_interrupted_and_goes_on(tmp_path):
    results, _ = _run(["while True:\n    pass", "print('after')"], fork=True, cwd=tmp_path, timeout=2)
    assert results[0][1] is True  # timed out, interrupted
    assert results[1] == ("after\n", False)


def test_a_forked_kernel_that_dies_is_seen_dead(tmp_path):
    nb = v4.new_notebook(cells=[v4.new_code_cell("import os\nos._exit(3)")])
    client = CappedClient(nb, 100_000, fork_kernel=True, kernel_name="python3", timeout=20, allow_errors=True)
    with pytest.raises(DeadKernelError):
        with client.setup_kernel():
            client.run_cell(nb.cells[0], 0)


def test_forked_kernel_process_stand_in():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    kernel = ForkedKernel(proc.pid)
    assert kernel.poll() is None
    kernel.send_signal(signal.SIGTERM)
    assert kernel.wait(timeout=10) == -signal.SIGTERM
    assert kernel.poll() == -signal.SIGTERM
    kernel.kill()  # already gone: no error
    with pytest.raises(ChildProcessError):
        os.waitpid(proc.pid, os.WNOHANG)


def test_kernel_arguments_are_taken_from_the_launch_command():
    assert _kernel_arguments(["/x/python", "-m", "ipykernel_launcher", "-f", "c.json"]) == ["-f", "c.json"]
    with pytest.raises(ValueError, match="not an ipykernel launch command"):
        _kernel_arguments(["/x/python", "-m", "other_kernel", "-f", "c.json"])


def test_the_worker_records_the_same_run_forked_or_launched(tmp_path):
    """One notebook run by the worker both ways: the same cells, statuses and outputs."""
    from grader.jobspec import JobSpec

    nb = v4.new_notebook(cells=[v4.new_code_cell(c) for c in (
        "import numpy as np\nprint(np.arange(3).sum())", "raise ValueError('no')", "print('end')")])
    records = []
    for fork in (True, False):
        job = tmp_path / f"job-{fork}"
        job.mkdir()
        (job / "notebook.ipynb").write_text(json.dumps(nb), encoding="utf-8")
        spec = JobSpec(exercises=(), cell_timeout=20, output_limit=10_000, fork_kernel=fork)
        (job / "job.json").write_text(json.dumps(spec.to_dict()), encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "grader.worker", str(job)], capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr.decode()[-2000:]
        record = json.loads((job / "execution.json").read_text(encoding="utf-8"))
        records.append(({k: v for k, v in record.items() if k != "cells"},
                        [(c["index"], c["status"], (c["error"] or {}).get("ename")) for c in record["cells"]]))
    assert records[0] == records[1]
    assert records[0][1] == [(0, "ok", None), (1, "error", "ValueError"), (2, "ok", None)]
    assert records[0][0]["output"] == "3\nend\n"


def test_the_kernel_is_forked_on_linux_only(monkeypatch):
    from grader.jobspec import JobSpec
    from grader.worker import _can_fork

    spec = JobSpec(exercises=(), cell_timeout=1, output_limit=1)
    monkeypatch.setattr(sys, "platform", "linux")
    assert _can_fork(spec) and not _can_fork(JobSpec(exercises=(), cell_timeout=1, output_limit=1, fork_kernel=False))
    for platform in ("darwin", "win32"):
        monkeypatch.setattr(sys, "platform", platform)
        assert not _can_fork(spec)
