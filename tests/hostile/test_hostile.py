"""A class of hostile notebooks, graded once, in the sandbox, with two honest students.

The class is ``ann_honest`` (graded first), one student per attack of ``attacks.CLASS``,
and ``zzz_honest`` (graded last: anything an attack left behind would reach it). While it
is graded, the test listens on the host's loopback (TCP, UDP, an abstract unix socket),
puts a secret in the grader's environment, and watches its own processes and memory.
Then it checks that:

* both honest students get exactly the grade they get when graded alone;
* every hostile student gets a row per exercise, a known status, feedback, and the
  outcome its table row says;
* nothing outside the scratch folders changed: the repository, the output folder, the
  class folder, a canary folder under the host's /tmp; no connection reached the host;
* no process outlives the run, every scratch folder is removed, and the grader's memory
  stays bounded.

The known holes (``attacks.WEAKNESSES``) are graded one by one, outside the class (most
of them stop ``grade_class`` for everyone), as ``xfail(strict=True)`` tests.

The sandboxes here run as uids of their own, not 65534: the process limit counts every
task of a uid machine-wide, so the fork bomb would otherwise starve the sandboxes of
tests running meanwhile on another xdist worker (and theirs, ours). The class is graded
once per session, whichever workers its tests land on: the first one grades it, under a
file lock, and leaves the results for the others (``xdist_group`` alone does not keep a
module on one worker with pytest 9 and pytest-xdist 3.8: the group suffix xdist writes
to ``item._nodeid`` is no longer read by pytest).
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import json
import os
import pickle
import secrets
import socket
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil
import pytest

from attacks import CLASS, END, NB3, WEAKNESSES, Attack, Context, source
from grader.config import CourseConfig
from grader.exercises import NOTEBOOKS
from grader.grade import hidden_case_set
from grader.job import JobSpec, write_job
from grader.outputs import write_outputs
from grader.results import STATUSES, SubmissionResult
from grader.run import grade_class
from notebook_helpers import built, edit_graded, insert_code, write_nb

pytestmark = [pytest.mark.notebook, pytest.mark.sandbox, pytest.mark.xdist_group("hostile")]

ROOT = Path(__file__).resolve().parents[2]
#: uids with no account: the class's sandboxes, and the known holes' (graded meanwhile,
#: maybe on another worker), each its own process budget.
CLASS_UID, WEAK_UID = 64900, 64901
CONFIG = (CourseConfig()
          .with_limits(cell_timeout=5, notebook_timeout=40, output_limit=50_000)
          .with_sandbox(memory_mb=2048, processes=256, file_size_mb=64, tmp_mb=128, uid=CLASS_UID, gid=CLASS_UID))
#: The known holes are graded alone: cells get more time (children taking memory are slow
#: to fault it in), the notebook less (the interrupt-immune loop runs into the wall clock).
WEAK_CONFIG = (CONFIG.with_limits(cell_timeout=10, notebook_timeout=20)
               .with_sandbox(uid=WEAK_UID, gid=WEAK_UID))
HONEST = ("ann_honest", "zzz_honest")
RSS_BUDGET = 300 * 2**20
#: Folders of the repository that change without the grader: caches, the venv, git.
VOLATILE = {".venv", ".git", "__pycache__", ".pytest_cache", ".hypothesis", "grades"}


# --- the host side: listeners, snapshots, a watch on processes and memory ---------------

class Listeners:
    """A TCP and a UDP server on the host's 127.0.0.1 (same port), and an abstract unix
    socket; every connection or datagram that reaches them is recorded."""

    def __init__(self) -> None:
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(16)
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.abstract = f"hostile-canary-{secrets.token_hex(6)}"
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind("\0" + self.abstract)
        self.unix.listen(16)
        self.arrived: list[str] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._serve, args=(s,), daemon=True)
                         for s in (self.tcp, self.udp, self.unix)]
        for t in self._threads:
            t.start()

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                if sock.type == socket.SOCK_DGRAM:
                    data, peer = sock.recvfrom(4096)
                    self.arrived.append(f"udp from {peer}: {data[:60]!r}")
                else:
                    conn, peer = sock.accept()
                    self.arrived.append(f"connection from {peer or 'a unix socket'}")
                    conn.close()
            except (socket.timeout, OSError):
                continue

    def close(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=2)
        for s in (self.tcp, self.udp, self.unix):
            s.close()


def tree(root: Path, skip: set[str] = frozenset()) -> dict[str, tuple[int, int, int, int]]:
    """path -> (size, mtime_ns, owner, mode) of every file and folder under ``root``."""
    out = {}
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in skip]
        for name in dirs + files:
            p = os.path.join(dirpath, name)
            try:
                st = os.lstat(p)
            except FileNotFoundError:
                continue
            out[os.path.relpath(p, root)] = (st.st_size, st.st_mtime_ns, st.st_uid, st.st_mode)
    return out


def contents(root: Path) -> dict[str, str]:
    """path -> sha256 of every file under ``root`` (a small folder)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def git_status() -> str:
    return subprocess.run(["git", "--no-optional-locks", "status", "--porcelain"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout


def processes_of(uid: int) -> dict[tuple[int, float], psutil.Process]:
    found = {}
    for p in psutil.process_iter(["uids", "create_time"]):
        try:
            if p.info["uids"] and p.info["uids"].real == uid:
                found[(p.pid, p.info["create_time"])] = p
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def describe(p: psutil.Process) -> str | None:
    """"pid user command" of a live process; None once it is gone or a zombie."""
    try:
        if p.status() == psutil.STATUS_ZOMBIE:
            return None
        return f"{p.pid} {p.username()} {' '.join(p.cmdline())[:100]}"
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


class Watch:
    """Samples, every 20 ms, this process's RSS and every process below it."""

    def __init__(self) -> None:
        self.me = psutil.Process()
        self.seen: set[tuple[int, float]] = set()
        gc.collect()
        self.rss_before = self.peak = self.me.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.me.memory_info().rss)
            for p in self.me.children(recursive=True):
                try:
                    self.seen.add((p.pid, p.create_time()))
                except psutil.NoSuchProcess:
                    pass
            time.sleep(0.02)

    def __enter__(self) -> "Watch":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        gc.collect()
        self.rss_after = self.me.memory_info().rss

    def alive(self) -> list[str]:
        """Processes seen below this test that still run."""
        left = []
        for pid, created in self.seen:
            try:
                p = psutil.Process(pid)
                if p.create_time() == created and (what := describe(p)):
                    left.append(what)
            except psutil.NoSuchProcess:
                continue
        return left


@contextmanager
def scratch_in(folder: Path):
    """The grader's scratch folders (``tempfile.mkdtemp``) go to ``folder``."""
    saved = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = saved


@contextmanager
def secret_in_environment(ctx: Context):
    os.environ[ctx.secret_name] = ctx.secret
    try:
        yield
    finally:
        del os.environ[ctx.secret_name]


def host_tmp(prefix: str, mode: int) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(mode)  # scratch: the sandbox user must reach the job folders in it
    return path


def remove(path: Path) -> None:
    subprocess.run(["rm", "-rf", "--one-file-system", str(path)], check=False)  # copes with any depth


# --- the notebooks ----------------------------------------------------------------------

def notebook_bytes(attack: Attack, ctx: Context) -> bytes:
    nb = built(attack.assignment, solved=not attack.blank)
    for function, old, new in attack.edits:
        edit_graded(nb, function, old, new)
    for position, template in attack.cells:
        insert_code(nb, len(nb.cells) if position == END else position, source(template, ctx))
    with tempfile.TemporaryDirectory() as tmp:
        data = write_nb(nb, Path(tmp) / "nb.ipynb").read_bytes()
    return attack.raw(data) if attack.raw else data


def write_student(class_dir: Path, student: str, data: bytes, assignment: str = NB3) -> None:
    folder = class_dir / student
    folder.mkdir(parents=True)
    (folder / f"{assignment}.ipynb").write_bytes(data)


def honest_bytes() -> bytes:
    """The solved notebook, as a student saves it."""
    with tempfile.TemporaryDirectory() as tmp:
        return write_nb(built(NB3, solved=True), Path(tmp) / "nb.ipynb").read_bytes()


# --- the outcome of one attack ----------------------------------------------------------

def outcome_problems(attack: Attack, r: SubmissionResult, ctx: Context, output_limit: int) -> list[str]:
    exercises = NOTEBOOKS[attack.assignment]
    problems = []
    if tuple(e.exercise for e in r.exercises) != exercises:
        return [f"rows {[e.exercise for e in r.exercises]}, expected {list(exercises)}"]
    for e, (name, allowed) in zip(r.exercises, attack.statuses(exercises).items()):
        if e.status not in STATUSES:
            problems.append(f"{name}: unknown status {e.status!r}")
        if not e.feedback.strip():
            problems.append(f"{name}: no feedback")
        if e.status not in allowed:
            problems.append(f"{name}: {e.status}, expected {'|'.join(sorted(allowed))}: {e.feedback[:300]}")
        if e.status == "passed" and e.score != e.max_score:
            problems.append(f"{name}: passed with {e.score} of {e.max_score}")
        if e.status not in ("passed", "partial") and e.score != 0:
            problems.append(f"{name}: {e.status} but scored {e.score}")
    text = "\n".join([*r.notes, *(e.feedback for e in r.exercises), r.output])
    if attack.says and not any(s in text for s in attack.says.split("|")):
        problems.append(f"nothing says {attack.says!r}; notes: {list(r.notes)}")
    for bad in ("LEAKED", ctx.secret, *attack.forbid):
        at = text.find(bad)
        if at >= 0:
            problems.append(f"{bad!r} in the output: ...{text[max(0, at - 100):at + 200]}...")
    if len(r.output) > output_limit:
        problems.append(f"{len(r.output)} characters of output kept, the limit is {output_limit}")
    return problems


def grade_view(r: SubmissionResult) -> dict:
    """Everything a student's grade is made of (the speed notes, timings, aside)."""
    def feedback(text: str) -> str:
        return "\n".join(line for line in text.splitlines() if not line.startswith("Speed:"))

    return {
        "score": r.score,
        "notes": r.notes,
        "output": r.output,
        "exercises": [(e.exercise, e.status, e.score, e.max_score, feedback(e.feedback), e.checks)
                      for e in r.exercises],
    }


# --- grading the class -----------------------------------------------------------------

@contextmanager
def hostile_context(base: Path, memory_mb: int):
    """A Context, with the test's listeners running and its canary folder in place."""
    out_dir = base / "grades"
    out_dir.mkdir(parents=True)
    (out_dir / "grades.csv").write_text("student,assignment,exercise,score\nann,03,dropout_backward,2\n")
    canary = host_tmp("hostile-canary-", 0o700)
    (canary / "canary.txt").write_text("the host's canary\n")
    listeners = Listeners()
    try:
        yield Context(
            port=listeners.port, abstract=listeners.abstract, out_dir=out_dir, canary_dir=canary,
            class_dir=base / "class", repo=ROOT, host_pid=os.getpid(),
            secret_name="HOSTILE_GRADER_SECRET", secret=f"s3cr3t-{secrets.token_hex(8)}",
            memory_mb=memory_mb, token=f"HOSTILE-{secrets.token_hex(8)}",
        ), listeners
    finally:
        listeners.close()
        remove(canary)


@dataclass
class Graded:
    """The class's results, and what the host saw while it was graded (plain data)."""

    ctx: Context
    results: dict[str, SubmissionResult]
    alone: dict[str, SubmissionResult]
    seconds: float
    rss_before: int
    rss_peak: int
    rss_after: int
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    processes_left: list[str] = field(default_factory=list)
    children_left: list[str] = field(default_factory=list)
    scratch_left: list[str] = field(default_factory=list)
    arrived: list[str] = field(default_factory=list)


def snapshot(ctx: Context) -> dict:
    return {
        "git": git_status(),
        "repo": tree(ROOT, VOLATILE),
        "out": contents(ctx.out_dir),
        "canary": contents(ctx.canary_dir),
        "class": contents(ctx.class_dir),
    }


def grade_the_class(base: Path) -> Graded:
    with hostile_context(base, CONFIG.sandbox.memory_mb) as (ctx, listeners):
        honest = honest_bytes()
        for student in HONEST:
            write_student(ctx.class_dir, student, honest)
        for attack in CLASS:
            write_student(ctx.class_dir, attack.name, notebook_bytes(attack, ctx), attack.assignment)
        alone_dir = base / "alone"
        write_student(alone_dir, HONEST[0], honest)

        scratch = host_tmp("hostile-scratch-", 0o755)
        try:
            with scratch_in(scratch):
                alone, _ = grade_class(alone_dir, CONFIG, sandboxed=True)

            before = snapshot(ctx)
            uid_before = processes_of(CLASS_UID)
            children_before = {p.pid for p in psutil.Process().children(recursive=True)}
            with scratch_in(scratch), secret_in_environment(ctx), Watch() as watch:
                start = time.monotonic()
                results, _ = grade_class(ctx.class_dir, CONFIG, sandboxed=True)
                seconds = time.monotonic() - start

            deadline = time.monotonic() + 10  # kill_tree has waited already: this is slack
            while True:
                left = [what for key, p in processes_of(CLASS_UID).items()
                        if key not in uid_before and (what := describe(p))] + watch.alive()
                children_left = [what for p in psutil.Process().children(recursive=True)
                                 if p.pid not in children_before and (what := describe(p))]
                if not (left or children_left) or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            return Graded(
                ctx, {r.student: r for r in results}, {r.student: r for r in alone}, seconds,
                watch.rss_before, watch.peak, watch.rss_after, before=before, after=snapshot(ctx),
                processes_left=left, children_left=children_left, scratch_left=os.listdir(scratch),
                arrived=list(listeners.arrived))
        finally:
            remove(scratch)


@pytest.fixture(scope="session")
def graded(tmp_path_factory) -> Graded:
    """The class, graded once per session: under xdist, by the first worker that needs it."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return grade_the_class(tmp_path_factory.mktemp("hostile"))
    shared = tmp_path_factory.getbasetemp().parent  # the same folder for every worker
    with open(shared / "hostile-class.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        cache = shared / "hostile-class.pickle"
        if cache.exists():
            return pickle.loads(cache.read_bytes())  # written just now, by this session's other worker
        g = grade_the_class(tmp_path_factory.mktemp("hostile"))
        cache.write_bytes(pickle.dumps(g))
        return g


# --- the class --------------------------------------------------------------------------

@pytest.mark.parametrize("student", HONEST)
def test_an_honest_student_gets_the_grade_they_get_alone(graded, student):
    r, alone = graded.results[student], graded.alone[HONEST[0]]
    assert {e.status for e in alone.exercises} == {"passed"}
    assert grade_view(r) == grade_view(alone)


def test_every_student_is_graded_once(graded):
    assert sorted(graded.results) == sorted([*HONEST, *(a.name for a in CLASS)])


@pytest.mark.parametrize("attack", CLASS, ids=[a.name.encode("ascii", "backslashreplace").decode() for a in CLASS])
def test_the_attack_gets_its_outcome(graded, attack):
    problems = outcome_problems(attack, graded.results[attack.name], graded.ctx, CONFIG.limits.output_limit)
    assert not problems, "\n".join(problems)


def test_nothing_outside_scratch_changed(graded):
    """What the sandbox could have done: write (as its own uid, carrying the token every
    hostile write carries), remove, chmod or touch the files the attacks aim at."""
    before, after, ctx = graded.before, graded.after, graded.ctx
    assert after["out"] == before["out"], "the output folder changed"
    assert after["canary"] == before["canary"], "the canary folder under the host's /tmp changed"
    assert after["class"] == before["class"], "a submitted notebook changed"
    changed = sorted({path for path, _ in set(before["repo"].items()) ^ set(after["repo"].items())})
    by_sandbox = [p for p, (_, _, uid, _) in after["repo"].items() if uid == CLASS_UID]
    with_token = [p for p in changed if (ROOT / p).is_file() and ctx.token.encode() in (ROOT / p).read_bytes()]
    assert not by_sandbox and not with_token, (by_sandbox, with_token)
    for target in ("pwned.txt", "pwned", "grader/pwned.py", ".venv/pwned.pth"):
        assert not (ROOT / target).exists(), target
    for target in ("grader/cases.py", "grader/__init__.py", "solutions/dense.py"):  # unlinked, renamed, touched?
        assert before["repo"][target] == after["repo"][target], target
    assert before["repo"]["grader"][3] == after["repo"]["grader"][3], "grader/ was chmod-ed"


def test_the_repository_is_untouched(graded):
    """Byte for byte (sizes, mtimes, owners, git status). Also trips if someone edits the
    repository while the class is graded: then rerun."""
    before, after = graded.before, graded.after
    changed = sorted({path for path, _ in set(before["repo"].items()) ^ set(after["repo"].items())})
    new_in_status = sorted(set(after["git"].splitlines()) - set(before["git"].splitlines()))  # a commit only removes lines
    assert not changed and not new_in_status, (
        f"the repository changed while the class was graded (an edit of yours meanwhile?): "
        f"{changed[:20]} {new_in_status}")


def test_no_connection_reached_the_host(graded):
    assert graded.arrived == []


def test_no_process_outlives_the_run(graded):
    assert graded.processes_left == []
    assert graded.children_left == []


def test_every_scratch_folder_is_removed(graded):
    assert graded.scratch_left == []


def test_the_graders_memory_stays_bounded(graded):
    g = graded
    assert g.rss_after - g.rss_before < RSS_BUDGET, f"{(g.rss_after - g.rss_before) / 2**20:.0f} MB kept"
    assert g.rss_peak - g.rss_before < RSS_BUDGET, f"{(g.rss_peak - g.rss_before) / 2**20:.0f} MB at the peak"


def test_the_outputs_render_for_every_student(graded, tmp_path):
    results = list(graded.results.values())
    paths = write_outputs(tmp_path / "grades", results, str(graded.ctx.class_dir), None, "start", "end")
    assert paths["csv"].read_text(encoding="utf-8").count("\n") == 1 + sum(len(r.exercises) for r in results)
    pages = {r.student: (paths["feedback"] / r.student / f"{r.assignment}.html").read_text(encoding="utf-8")
             for r in results}
    pages["report"] = paths["report"].read_text(encoding="utf-8")
    for name, page in pages.items():
        for bad in (graded.ctx.secret, "LEAKED", "<script>alert(", "<img src=x onerror"):
            assert bad not in page, (name, bad)
    # the injected markup is shown, escaped
    assert "&lt;script&gt;alert(&#39;printed&#39;)" in pages[next(a.name for a in CLASS if a.name.startswith("html_"))]


def test_the_class_is_graded_in_reasonable_time(graded):
    slowest = sorted(graded.results.values(), key=lambda r: -r.duration)[:8]
    g = graded
    print(f"\nclass of {len(g.results)} graded in {g.seconds:.1f} s; the grader's RSS "
          f"{g.rss_before / 2**20:.0f} MB before, {g.rss_peak / 2**20:.0f} MB at the peak, {g.rss_after / 2**20:.0f} MB "
          f"after; slowest: " + ", ".join(f"{r.student} {r.duration:.1f} s" for r in slowest))
    assert graded.seconds < 240


def test_the_cases_file_holds_no_expected_outputs(tmp_path):
    """What a job folder gives the kernel: inputs, never an expected output (save the
    test-mode dropout case, whose expected dx is its input dout)."""
    case_set = hidden_case_set(NB3, CONFIG)
    write_job(tmp_path, b"{}", JobSpec(NOTEBOOKS[NB3], 5, 1000), case_set.cases)
    data = json.loads((tmp_path / "cases.json").read_text())
    assert {k for cases in data.values() for c in cases for k in c} == {"label", "args", "kwargs"}
    with np.load(tmp_path / "cases.npz") as z:
        given = list(z.values())
    for name, expected in case_set.expected.items():
        for case, exp in zip(case_set.cases[name], expected):
            inputs = [a for a in _arrays(case.args)]
            for out in _arrays(exp):
                if any(a.shape == out.shape and np.array_equal(a, out) for a in inputs):
                    continue
                assert not any(g.shape == out.shape and np.allclose(g, out) for g in given), (name, case.label)


def _arrays(value) -> list[np.ndarray]:
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (tuple, list)):
        return [a for v in value for a in _arrays(v)]
    if isinstance(value, dict):
        return [a for v in value.values() for a in _arrays(v)]
    return []


# --- the known holes --------------------------------------------------------------------

# Defined only while attacks.py lists holes: an empty parametrization would be a skip,
# and CI must never pass by skipping.
@pytest.mark.parametrize("attack", [pytest.param(a, id=a.name, marks=pytest.mark.xfail(strict=True, reason=a.weakness))
                                    for a in WEAKNESSES])
def _test_a_known_weakness(attack, tmp_path):
    """Graded alone: grade_class returns, the attack gets its outcome, the grader's memory
    stays bounded, the scratch folder is removed, nothing is left running."""
    with hostile_context(tmp_path, WEAK_CONFIG.sandbox.memory_mb) as (ctx, listeners):
        write_student(ctx.class_dir, attack.name, notebook_bytes(attack, ctx), attack.assignment)
        scratch = host_tmp("hostile-weak-", 0o755)
        try:
            with scratch_in(scratch), secret_in_environment(ctx), Watch() as watch:
                results, _ = grade_class(ctx.class_dir, WEAK_CONFIG, sandboxed=True)
            problems = outcome_problems(attack, results[0], ctx, WEAK_CONFIG.limits.output_limit)
            if watch.peak - watch.rss_before > RSS_BUDGET:
                problems.append(f"the grader's RSS grew by {(watch.peak - watch.rss_before) / 2**20:.0f} MB")
            if os.listdir(scratch):
                problems.append(f"scratch left behind: {os.listdir(scratch)}")
            left = [what for p in processes_of(WEAK_UID).values() if (what := describe(p))]
            if left:
                problems.append(f"processes left: {left}")
            if listeners.arrived:
                problems.append(f"reached the host: {listeners.arrived}")
            assert not problems, "\n".join(problems)
        finally:
            remove(scratch)


if WEAKNESSES:
    test_a_known_weakness = _test_a_known_weakness
