"""The worker: ``python -m grader.worker JOB_DIR`` runs one submission in its own kernel.

It is a separate process from the grader, so that student code never runs in the
grader's process; the grader gives it a job folder (grader/job.py) and a wall-clock
limit, and reads back only plain data. The worker:

1. reads the notebook (a notebook that is not valid JSON is reported, not raised);
2. runs every code cell in order, errors allowed, each with a timeout that interrupts
   the kernel and moves on; cells tagged ``demo`` are skipped; output beyond the limit
   is dropped as it arrives;
3. runs one harness cell per exercise (grader/harness.py), which writes the outputs;
4. if the kernel dies, restarts it and re-runs the notebook's cells, without the cell
   that killed it, then goes on with the next exercise: one crash costs only the cell
   or the exercise it happened in (at most MAX_RESTARTS times);
5. writes ``execution.json``: per cell its status, time and error; the printed output.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time

# nbformat imports jsonschema, whose optional format checkers import what they find
# installed (JupyterLab brings them): rfc3987_syntax builds a parser at import time (about
# 1 s), isoduration and arrow, webcolors, ... another 50-80 ms. A worker validates no
# URI, duration or colour: refusing those imports makes every worker start faster
# (jsonschema skips a format whose library is missing).
for _optional in ("rfc3987_syntax", "rfc3987", "isoduration", "arrow", "webcolors", "uri_template",
                  "fqdn", "rfc3339_validator", "rfc3986_validator", "jsonpointer"):
    sys.modules.setdefault(_optional, None)
from pathlib import Path
from typing import Any

import nbformat
import psutil
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import v4

from grader.execute import kill_processes
from grader.jobspec import JobSpec

__all__ = ["run_job", "main"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
MAX_RESTARTS = 2
TRACEBACK_LIMIT = 4000


class KernelStuck(Exception):
    """The kernel ignored the interrupt after a timeout (a loop that swallows KeyboardInterrupt)."""


PROBE_TIMEOUT = 5


class CappedClient(NotebookClient):
    """An nbclient that keeps at most ``budget`` characters of output in all, and says
    whether the last cell timed out."""

    def __init__(self, nb, budget: int, fork_kernel: bool = False, **kwargs: Any) -> None:
        super().__init__(nb, **kwargs)
        self.budget = budget
        self.truncated = False
        self.timed_out = False
        self.fork_kernel = fork_kernel

    def create_kernel_manager(self):  # noqa: D401 - nbclient hook
        from grader.forkkernel import ForkProvisioner, QuickReadyClient

        km = super().create_kernel_manager()
        km.client_factory = QuickReadyClient
        if self.fork_kernel:
            km.provisioner = ForkProvisioner(kernel_id="forked", kernel_spec=km.kernel_spec, parent=km)
        return km

    async def _async_handle_timeout(self, timeout, cell=None):  # noqa: D401 - nbclient hook
        self.timed_out = True
        return await super()._async_handle_timeout(timeout, cell)

    def run_cell(self, cell, index: int) -> bool:
        """Execute a cell; True if it timed out. After a timeout, make sure the kernel
        took the interrupt: a trivial cell must answer within PROBE_TIMEOUT seconds.

        Raises:
            KernelStuck: it did not.
            DeadKernelError: the kernel died.
        """
        self.timed_out = False
        self.execute_cell(cell, index)
        if not self.timed_out:
            return False
        clear_strays(keep=_kernel_pid(self))  # what the interrupted cell left running
        saved = self.timeout
        self.timeout = PROBE_TIMEOUT
        self.timed_out = False
        try:
            self.execute_cell(v4.new_code_cell("pass"), index)
        finally:
            self.timeout = saved
        if self.timed_out:
            raise KernelStuck()
        return True

    def output(self, outs, msg, display_id, cell_index):  # noqa: D401 - nbclient hook
        content = msg.get("content", {})
        size = len(content.get("text", "")) + sum(len(str(v)) for v in content.get("data", {}).values())
        size += sum(len(str(line)) for line in content.get("traceback", []))
        if size > self.budget:
            self.budget = 0
            if not self.truncated:
                self.truncated = True
                outs.append(v4.new_output("stream", name="stderr", text="\n[output truncated by the grader]\n"))
            return None
        self.budget -= size
        return super().output(outs, msg, display_id, cell_index)


def _kernel_pid(client: NotebookClient) -> int | None:
    provisioner = getattr(getattr(client, "km", None), "provisioner", None)
    return getattr(provisioner, "pid", None)


def _kernel_first_to_go(client: NotebookClient) -> None:
    """Make the kernel, and every process it forks, the out-of-memory killer's first
    choice: a notebook that exhausts the sandbox's memory then loses its kernel (which
    the worker restarts), not the worker."""
    pid = _kernel_pid(client)
    if pid is None:
        return
    try:
        with open(f"/proc/{pid}/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass


def clear_strays(keep: int | None = None) -> None:
    """Kill every process below the worker but ``keep`` (the live kernel): what a cell
    left running (a fork bomb's copies of the kernel, a daemon), and reap the zombies the
    worker adopted as subreaper, so that they free their places under the task limit."""
    for _ in range(20):  # a fork bomb forks while we kill: repeat until nothing is left
        try:
            strays = [p for p in psutil.Process().children(recursive=True) if p.pid != keep]
        except psutil.Error:
            strays = []
        if not strays:
            break
        kill_processes(strays, timeout=1)
    while True:  # zombies of orphans that were re-parented to the worker
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break


def _can_fork(spec: JobSpec) -> bool:
    """Whether the kernel is forked from the worker: when the job asks for it, on Linux
    only. Windows has no fork, and on macOS a fork may crash in system frameworks, so a
    student's ``grader check`` there launches the kernel the usual way."""
    return spec.fork_kernel and sys.platform.startswith("linux")


def _client(nb, spec: JobSpec, job_dir: Path, budget: int) -> CappedClient:
    return CappedClient(
        nb,
        budget,
        fork_kernel=_can_fork(spec),
        timeout=spec.cell_timeout,
        startup_timeout=spec.startup_timeout,
        interrupt_on_timeout=True,
        error_on_timeout={
            "ename": "CellTimeoutError",
            "evalue": f"the cell ran longer than {spec.cell_timeout:g} s and was interrupted",
            "traceback": [],
        },
        allow_errors=True,
        kernel_name="python3",
        skip_cells_with_tag=spec.skip_tag,
        record_timing=False,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(job_dir)}},
    )


# IPython appends "(<temporary file>.py, line N)" to a SyntaxError's message
_CELL_FILE = re.compile(r"\s*\([^()]*\.py, line \d+\)$")


def _error_of(cell) -> dict | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            tb = _ANSI.sub("", "\n".join(out.get("traceback", [])))
            return {
                "ename": str(out.get("ename", ""))[:200],
                "evalue": _CELL_FILE.sub("", str(out.get("evalue", "")))[:1000],
                "traceback": tb[-TRACEBACK_LIMIT:],
            }
    return None


def _text_of(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif out.get("output_type") in ("execute_result", "display_data"):
            parts.append(out.get("data", {}).get("text/plain", ""))
    return _ANSI.sub("", "".join(parts))


def harness_source(name: str, job_dir: Path) -> str:
    return (
        "import grader.harness as _grader_harness\n"
        f"_grader_harness.run_exercise(globals(), {name!r}, {str(job_dir)!r})"
    )


def speed_source(job_dir: Path) -> str:
    return (
        "import grader.harness as _grader_harness\n"
        f"_grader_harness.run_speed(globals(), {str(job_dir)!r})"
    )


def _read_notebook(path: Path):
    """The notebook as version 4, not validated against the schema (nbformat.read only
    logs what validation finds; the worker runs whatever cells there are)."""
    from nbformat.converter import convert
    from nbformat.reader import reads

    return convert(reads(path.read_text(encoding="utf-8")), 4)


def run_job(job_dir: Path) -> dict:
    """Run the job in ``job_dir``; return (and write) the execution record."""
    spec = JobSpec.from_dict(json.loads((job_dir / "job.json").read_text(encoding="utf-8")))
    if _can_fork(spec):  # the kernel's modules, imported once here, before any fork
        from grader.forkkernel import preload

        preload()
    record: dict[str, Any] = {"cells": [], "exercises": {}, "output": "", "truncated": False,
                              "fatal": None, "restarts": 0}
    try:
        nb = _read_notebook(job_dir / "notebook.ipynb")
    except Exception as exc:  # noqa: BLE001 - anything wrong with the file
        record["fatal"] = f"the notebook could not be read: {type(exc).__name__}: {str(exc)[:300]}"
        return _write(job_dir, record)

    pending = list(spec.exercises)
    budget = spec.output_limit
    output_parts: list[str] = []
    recorded: set[int] = set()
    skip: set[int] = set()  # cells that killed the kernel: not run again after a restart
    while True:
        work = v4.new_notebook(cells=[nbformat.from_dict(dict(c)) for c in nb.cells])
        client = _client(work, spec, job_dir, budget)
        current = None
        try:
            with client.setup_kernel():
                _kernel_first_to_go(client)
                for index, cell in enumerate(work.cells):
                    if index in skip:
                        continue
                    current = ("cell", index)
                    start = time.perf_counter()
                    timed_out = client.run_cell(cell, index)
                    if index not in recorded:
                        recorded.add(index)
                        _record_cell(record, cell, index, time.perf_counter() - start, spec.skip_tag,
                                     timed_out=timed_out)
                        output_parts.append(_text_of(cell))
                while pending:
                    name = pending[0]
                    current = ("exercise", name)
                    cell = v4.new_code_cell(harness_source(name, job_dir))
                    work.cells.append(cell)
                    start = time.perf_counter()
                    timed_out = client.run_cell(cell, len(work.cells) - 1)
                    error = _error_of(cell)
                    record["exercises"][name] = {
                        "status": "timeout" if timed_out else ("harness_error" if error else "ok"),
                        "time": time.perf_counter() - start,
                        "error": error,
                    }
                    pending.pop(0)
                if spec.speed and "speed" not in record:
                    current = ("speed", None)
                    cell = v4.new_code_cell(speed_source(job_dir))
                    work.cells.append(cell)
                    client.timeout, saved = spec.speed_timeout, client.timeout
                    try:
                        timed_out = client.run_cell(cell, len(work.cells) - 1)
                    finally:
                        client.timeout = saved
                    record["speed"] = "timeout" if timed_out else ("error" if _error_of(cell) else "ok")
            break
        except (DeadKernelError, KernelStuck) as exc:
            stuck = isinstance(exc, KernelStuck)
            record["restarts"] += 1
            if current is not None and current[0] == "speed":  # timing is information: no restart for it
                record["speed"] = "timeout" if stuck else "crashed"
                break
            if current is None:
                record["fatal"] = "the kernel died while starting"
                break
            if current[0] == "cell":
                index = current[1]
                skip.add(index)
                if index not in recorded:
                    recorded.add(index)
                    _record_cell(record, work.cells[index], index, 0.0, spec.skip_tag,
                                 died=not stuck, timed_out=stuck)
            else:
                record["exercises"][current[1]] = {"status": "timeout" if stuck else "crashed",
                                                   "time": 0.0, "error": None}
                pending.pop(0)
            clear_strays()  # the old kernel's leftovers: room for a new one
            if record["restarts"] > MAX_RESTARTS:
                record["fatal"] = f"the kernel died or hung {record['restarts']} times; the grader gave up"
                break
            if not pending and current[0] == "exercise":
                break
        except Exception as exc:  # noqa: BLE001 - keep what was recorded; the grader reads the rest
            record["fatal"] = f"the notebook's run failed: {type(exc).__name__}: {str(exc)[:300]}"
            break
        finally:
            budget = client.budget
            record["truncated"] = record["truncated"] or client.truncated
    for name in pending:
        record["exercises"].setdefault(name, {"status": "not_run", "time": 0.0, "error": None})
    record["output"] = "".join(output_parts)[: spec.output_limit]
    return _write(job_dir, record)


def _record_cell(record: dict, cell, index: int, duration: float, skip_tag: str, died: bool = False,
                 timed_out: bool = False) -> None:
    tags = cell.get("metadata", {}).get("tags", [])
    error = _error_of(cell)
    if cell.get("cell_type") != "code":
        return
    if skip_tag in tags:
        status = "skipped"
    elif died:
        status = "died"
    elif timed_out:
        status = "timeout"
    elif error:
        status = "error"
    else:
        status = "ok"
    first = (cell.get("source") or "").splitlines()[:1]
    record["cells"].append({
        "index": index,
        "first_line": first[0][:200] if first else "",
        "status": status,
        "time": duration,
        "error": error,
    })


def _write(job_dir: Path, record: dict) -> dict:
    (job_dir / "execution.json").write_text(json.dumps(record), encoding="utf-8")
    return record


def _skip_schema_validation() -> None:
    """nbformat validates every output and cell it builds (v4.output_from_msg,
    new_code_cell) against the notebook schema, and compiling that schema costs a worker
    about 0.1-0.2 s of CPU per notebook. What the worker builds comes from nbformat's own
    constructors and the kernel's messages, and the grader reads it back as untrusted data
    anyway: in the worker's process, skip it."""
    nbformat.v4.nbbase.validate = lambda node, ref=None: None


def _become_subreaper() -> None:
    """Adopt orphaned descendants (a daemon the kernel double-forks), so that the grader
    finds and kills them with the worker. Linux only; elsewhere a no-op."""
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_CHILD_SUBREAPER = 36
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        except (OSError, AttributeError):
            pass


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m grader.worker JOB_DIR", file=sys.stderr)
        return 2
    _become_subreaper()
    _skip_schema_validation()
    run_job(Path(args[0]).resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
