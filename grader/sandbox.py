"""The sandbox: the whole worker, nbclient and kernel together, inside bubblewrap.

``sandbox_command`` returns the command that runs ``python -m grader.worker /job`` in a
bwrap sandbox where (docs/threat-model.md explains why each holds):

* every namespace is new: no network but a private loopback (the kernel's own sockets),
  a private PID space (nothing outlives the worker, nothing outside is visible);
* the filesystem is read-only (the system, the Python interpreter, the virtual
  environment, the ``grader`` package) except the job folder, mounted at ``/job``, and a
  sized ``/tmp`` and ``/dev/shm``; ``solutions``, the hidden cases' expected values, the
  course configuration, the gradebook and other submissions are never mounted;
* the processes run as an unprivileged user with no capabilities, and with limits on
  address space, CPU time, processes (threads count), file size and open files.

Run as root, the grader first enters a private mount namespace (``unshare --mount``),
binds the interpreter and the environment onto staging folders the sandbox user can
reach (Python may live under a 0700 home), then drops to that user before bwrap starts:
bwrap run by root would hand the sandbox root's powers, and root ignores the process limit.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import psutil

from grader.config import SandboxLimits

__all__ = ["SandboxUnavailable", "sandbox_command", "check_sandbox", "prepare_job_dir", "hand_over",
           "worker_env", "scratch_root",
           "unreachable_ancestor", "cgroup_plan", "remove_cgroups", "INSTALL_HINT"]

INSTALL_HINT = "install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap), or pass --no-sandbox"
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc")
ENTER = Path(__file__).with_name("sandbox_enter.py")


class SandboxUnavailable(RuntimeError):
    """bwrap is missing or cannot create its namespaces here."""


@dataclass(frozen=True)
class _Bind:
    source: str
    dest: str


def _python() -> str:
    """The interpreter's path, normalized without resolving links: ``tests/../.venv/bin/python``
    must become ``.venv/bin/python`` (only the venv is mounted), and stay in the venv."""
    return os.path.normpath(os.path.abspath(sys.executable))


def _python_trees() -> list[_Bind]:
    """The interpreter, the virtual environment and the grader package, at their own paths."""
    trees: list[str] = []
    for p in (sys.base_prefix, sys.prefix, str(Path(__file__).resolve().parent)):
        real = os.path.realpath(p)
        if not any(real == t or real.startswith(t + os.sep) for t in trees):
            trees = [t for t in trees if not t.startswith(real + os.sep)] + [real]
    binds = [_Bind(t, t) for t in trees]
    if os.path.realpath(sys.prefix) != sys.prefix:  # a venv reached through a link
        binds.append(_Bind(os.path.realpath(sys.prefix), sys.prefix))
    return binds


def _reference_locations(trees: list[_Bind]) -> list[str]:
    """Where ``solutions`` would be imported from, if it lies inside a mounted tree."""
    spec = importlib.util.find_spec("solutions")
    if spec is None:
        return []
    places = list(spec.submodule_search_locations or []) or ([spec.origin] if spec.origin else [])
    inside = []
    for p in places:
        real = os.path.realpath(p)
        if any(real == b.source or real.startswith(b.source + os.sep) for b in trees):
            inside.append(real)
    return inside


def _user_threads(uid: int) -> int:
    count = 0
    for p in psutil.process_iter(["uids", "num_threads"]):
        try:
            if p.info["uids"] and p.info["uids"].real == uid:
                count += p.info["num_threads"] or 1
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return count


def unreachable_ancestor(path: Path, uid: int) -> Path | None:
    """The first folder above ``path`` that user ``uid`` cannot pass through, if any."""
    for parent in reversed(Path(path).resolve().parents):
        st = parent.stat()
        if not (st.st_mode & 0o001 or (st.st_uid == uid and st.st_mode & 0o100)):
            return parent
    return None


def scratch_root() -> Path:
    """Where job folders go: the temporary folder, or /tmp if the sandbox user cannot reach it."""
    tmp = Path(tempfile.gettempdir())
    if os.geteuid() == 0 and unreachable_ancestor(tmp / "x", SandboxLimits().uid) is not None:
        return Path("/tmp")
    return tmp


def hand_over(job_dir: Path, uid: int, gid: int) -> None:
    """Give the job folder to user ``uid``/``gid`` and make its parent traversable (as root).

    Raises:
        SandboxUnavailable: a folder above the job folder shuts that user out.
    """
    blocked = unreachable_ancestor(job_dir.parent, uid)
    if blocked is not None:
        raise SandboxUnavailable(
            f"the sandbox user (uid {uid}) cannot reach the scratch folder {job_dir.parent}: "
            f"{blocked} is mode {blocked.stat().st_mode & 0o777:04o}; set TMPDIR to a folder it can pass through")
    os.chmod(job_dir.parent, 0o755)
    for root, _dirs, files in os.walk(job_dir):
        os.chown(root, uid, gid)
        for name in files:
            os.chown(os.path.join(root, name), uid, gid)


def prepare_job_dir(job_dir: Path, limits: SandboxLimits) -> None:
    """Make the job folder the sandbox user's, and its parent traversable (root only).

    Raises:
        SandboxUnavailable: a folder above the job folder shuts the sandbox user out.
    """
    if os.geteuid() != 0:
        return
    hand_over(job_dir, limits.uid, limits.gid)


def worker_env(python: str, home: str, tmp: str) -> dict[str, str]:
    """The whole environment of a worker that must not inherit the grader's: its home and
    temporary folder, one BLAS thread, and the Jupyter, IPython and matplotlib folders
    in its temporary folder."""
    return {
        "PATH": f"{Path(python).parent}:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": tmp,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": f"{tmp}/matplotlib",
        "IPYTHONDIR": f"{tmp}/ipython",
        "JUPYTER_RUNTIME_DIR": f"{tmp}/jupyter",
        "JUPYTER_PLATFORM_DIRS": "1",
    }


def sandbox_command(job_dir: Path, limits: SandboxLimits, inner: list[str] | None = None) -> list[str]:
    """The command that runs the worker on ``job_dir`` (seen as ``/job``) in the sandbox.

    Writes the launch spec beside the job folder (``<job>.sandbox.json``), where the
    sandbox cannot see it.
    """
    python = _python()
    inner = inner or [python, "-m", "grader.worker", "/job"]
    root = os.geteuid() == 0
    trees = _python_trees()
    stage_binds: list[list[str]] = []
    argv = ["bwrap", "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
            "--new-session", "--cap-drop", "ALL", "--hostname", "sandbox"]
    for d in SYSTEM_DIRS:
        if os.path.islink(d):
            argv += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            argv += ["--ro-bind", d, d]
    # the fresh filesystems first: the trees bound next may lie below /tmp (a checkout
    # in /tmp), and a tmpfs mounted after them would hide them
    argv += [
        "--proc", "/proc",
        "--dev", "/dev",
        "--size", str(limits.tmp_bytes), "--tmpfs", "/dev/shm",
        "--size", str(limits.tmp_bytes), "--tmpfs", "/tmp",
    ]
    stage_root = job_dir.parent / f"{job_dir.name}.stage"
    for i, b in enumerate(trees):
        source = b.source
        if root:  # the sandbox user may not reach it: bind it onto a folder it can
            stage = stage_root / str(i)
            stage.mkdir(parents=True, exist_ok=True)
            os.chmod(stage_root, 0o755)
            os.chmod(stage, 0o755)
            stage_binds.append([b.source, str(stage)])
            source = str(stage)
        argv += ["--ro-bind", source, b.dest]
    for loc in _reference_locations(trees):  # an installed (not editable) reference: hide it
        argv += ["--size", "4096", "--tmpfs", loc, "--remount-ro", loc]
    argv += [
        "--bind", str(job_dir), "/job",
        "--remount-ro", "/dev",
        "--remount-ro", "/",
        "--clearenv",
    ]
    env = worker_env(python, home="/tmp", tmp="/tmp")
    for k, v in env.items():
        argv += ["--setenv", k, v]
    argv += ["--chdir", "/job", *inner]

    uid = limits.uid if root else os.getuid()
    processes = limits.processes if root else _user_threads(uid) + limits.processes
    spec = {
        "uid": limits.uid,
        "gid": limits.gid,
        "stage_binds": stage_binds,
        "cgroups": cgroup_plan(f"grader-{os.getpid()}-{job_dir.parent.name}", limits),
        "rlimits": {
            "memory": limits.memory_bytes,
            "cpu_time": limits.cpu_seconds,
            "processes": processes,
            "file_size": limits.file_size_bytes,
            "open_files": limits.open_files,
            "core": 0,
        },
        "argv": argv,
    }
    spec_path = job_dir.parent / f"{job_dir.name}.sandbox.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    enter = ["env", "-i", "PATH=/usr/bin:/bin:/usr/sbin:/sbin", sys.executable, "-I", str(ENTER), str(spec_path)]
    if root:
        return ["unshare", "--mount", "--propagation", "private", "--", *enter]
    return enter


def _cgroup_parents() -> dict[str, str]:
    """Where this process's memory and pids cgroups are, if it can make children there:
    ``{"memory": dir, "pids": dir}`` (cgroup v1), or both pointing at one dir (v2)."""
    try:
        mounts = [line.split() for line in open("/proc/self/mounts", encoding="utf-8")]
        own = [line.strip().split(":", 2) for line in open("/proc/self/cgroup", encoding="utf-8")]
    except OSError:
        return {}
    found: dict[str, str] = {}
    for _, mountpoint, fstype, options, *_ in mounts:
        if fstype == "cgroup":  # v1: one hierarchy per controller
            for controller in ("memory", "pids"):
                if controller in options.split(","):
                    path = next((p for _, c, p in own if controller in c.split(",")), None)
                    if path is not None:
                        found.setdefault(controller, os.path.join(mountpoint, path.lstrip("/")))
        elif fstype == "cgroup2" and not found:
            path = next((p for h, c, p in own if h == "0"), None)
            if path is not None:
                base = os.path.join(mountpoint, path.lstrip("/"))
                try:
                    enabled = open(os.path.join(base, "cgroup.subtree_control"), encoding="utf-8").read().split()
                except OSError:
                    continue
                if "memory" in enabled and "pids" in enabled:
                    found = {"memory": base, "pids": base}
    return {k: v for k, v in found.items() if os.access(v, os.W_OK)}


def cgroup_plan(name: str, limits: SandboxLimits) -> list[dict]:
    """The cgroups that cap the whole sandbox: its total memory and number of tasks.

    Only as root and where the hierarchy is writable; elsewhere the rlimits alone apply.
    Each item: ``{"dir": path, "settings": {file: value}}``.
    """
    if os.geteuid() != 0:
        return []
    parents = _cgroup_parents()
    plan: dict[str, dict] = {}
    if "memory" in parents:
        d = os.path.join(parents["memory"], name)
        v2 = os.path.exists(os.path.join(parents["memory"], "cgroup.subtree_control"))
        key = "memory.max" if v2 else "memory.limit_in_bytes"
        plan.setdefault(d, {})[key] = str(limits.memory_bytes)
        if v2:
            plan[d]["memory.swap.max"] = "0"
    if "pids" in parents:
        d = os.path.join(parents["pids"], name)
        plan.setdefault(d, {})["pids.max"] = str(limits.processes)
    return [{"dir": d, "settings": s} for d, s in plan.items()]


def remove_cgroups(job_dir: Path) -> None:
    """Remove the cgroups of a finished sandbox (their processes are gone by then)."""
    spec_path = job_dir.parent / f"{job_dir.name}.sandbox.json"
    try:
        groups = json.loads(spec_path.read_text(encoding="utf-8")).get("cgroups", [])
    except (OSError, ValueError):
        return
    for group in groups:
        for _ in range(50):
            try:
                os.rmdir(group["dir"])
                break
            except FileNotFoundError:
                break
            except OSError:  # still busy: the last processes are being reaped
                import time

                time.sleep(0.05)


@lru_cache(maxsize=4)
def _probe(limits: SandboxLimits) -> str | None:
    if not sys.platform.startswith("linux"):
        return f"the sandbox needs Linux (this is {sys.platform})"
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed"
    if os.geteuid() == 0 and (shutil.which("unshare") is None or shutil.which("mount") is None):
        return "unshare and mount (util-linux) are needed to sandbox as root"
    with tempfile.TemporaryDirectory(prefix="grader-probe-", dir=scratch_root()) as tmp:
        job = Path(tmp) / "job"
        job.mkdir()
        prepare_job_dir(job, limits)
        cmd = sandbox_command(job, limits, inner=[_python(), "-c", "import grader, numpy"])
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bwrap could not start: {exc}"
        finally:
            remove_cgroups(job)
        if proc.returncode != 0:
            lines = (proc.stderr or "").strip().splitlines()
            return f"bwrap cannot create its sandbox here ({lines[-1] if lines else f'exit {proc.returncode}'})"
    return None


def check_sandbox(limits: SandboxLimits) -> None:
    """Raise :class:`SandboxUnavailable` with a one-line reason and the fix, if the sandbox cannot run."""
    problem = _probe(limits)
    if problem:
        hint = INSTALL_HINT if "not installed" in problem else "pass --no-sandbox to grade without one"
        raise SandboxUnavailable(f"{problem}: {hint}")
