"""The bubblewrap sandbox, seen from inside: who runs, what is mounted, what is reachable.

Each test runs a few lines of Python in the same sandbox a student notebook gets, and
reads back what that code could see or do.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader import sandbox
from grader.cli import main
from grader.config import SandboxLimits
from grader.sandbox import prepare_job_dir, sandbox_command

ROOT = Path(__file__).resolve().parents[1]
LIMITS = SandboxLimits(memory_mb=1024, processes=64, file_size_mb=8, tmp_mb=16)


@pytest.fixture
def tmp_path():
    """A scratch folder the sandbox user can reach (pytest's own is mode 0700)."""
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="grader-test-", dir=sandbox.scratch_root()))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def run_inside(tmp_path: Path, code: str, limits: SandboxLimits = LIMITS) -> dict:
    """Run ``code`` in the sandbox; it must leave a dict named ``r``, returned as JSON."""
    job = tmp_path / "job"
    job.mkdir()
    prepare_job_dir(job, limits)
    program = "import json\nr = {}\n" + code + "\nprint('RESULT' + json.dumps(r))"
    try:
        proc = subprocess.run(sandbox_command(job, limits, inner=[sys.executable, "-c", program]),
                              capture_output=True, text=True, timeout=120)
    finally:
        sandbox.remove_cgroups(job)
    lines = [l for l in proc.stdout.splitlines() if l.startswith("RESULT")]
    assert lines, proc.stderr
    return json.loads(lines[-1][len("RESULT"):])


def attempt(expr: str, key: str) -> str:
    return (f"try:\n    {expr}\n    r[{key!r}] = 'ok'\n"
            f"except BaseException as e:\n    r[{key!r}] = type(e).__name__ + ': ' + str(e)\n")


pytestmark = pytest.mark.sandbox


def test_it_runs_unprivileged_with_no_capabilities(tmp_path):
    r = run_inside(tmp_path, "import os\nr['uid'] = os.getuid()\n"
                             "r['cap'] = [l for l in open('/proc/self/status') if l.startswith('CapEff')][0].split()[1]")
    if os.geteuid() == 0:
        assert r["uid"] == 65534
    assert int(r["cap"], 16) == 0


def test_the_reference_and_the_course_are_not_there(tmp_path):
    code = attempt("import solutions", "import")
    code += attempt(f"open({str(ROOT / 'solutions' / 'dense.py')!r}).read()", "source")
    code += attempt(f"open({str(ROOT / 'course.toml')!r}).read()", "course")
    code += attempt("import grader.gradcheck", "grader")
    r = run_inside(tmp_path, code)
    assert r["import"].startswith("ModuleNotFoundError")
    assert r["source"].startswith("FileNotFoundError") and r["course"].startswith("FileNotFoundError")
    assert r["grader"] == "ok"


def test_no_network_but_loopback(tmp_path):
    code = "import socket\n"
    code += attempt("socket.create_connection(('1.1.1.1', 80), timeout=3)", "outside")
    code += ("s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)\n"
             + attempt("socket.create_connection(s.getsockname(), timeout=3)", "loopback"))
    r = run_inside(tmp_path, code)
    assert r["outside"].startswith("OSError") and r["loopback"] == "ok"


def test_the_filesystem_is_read_only_but_the_job_and_a_sized_tmp(tmp_path):
    code = ""
    for key, path in [("root", "/x"), ("etc", "/etc/x"), ("dev", "/dev/x"), ("usr", "/usr/x"),
                      ("venv", sys.prefix + "/x"), ("job", "/job/x"), ("tmp", "/tmp/x"), ("shm", "/dev/shm/x")]:
        code += attempt(f"open({path!r}, 'w').write('x')", key)
    code += attempt("open('/tmp/big', 'wb').write(b'0' * (32 << 20))", "tmp_full")
    r = run_inside(tmp_path, code)
    for key in ("root", "etc", "dev", "usr", "venv"):
        assert "Read-only file system" in r[key], (key, r[key])
    assert r["job"] == r["tmp"] == r["shm"] == "ok"
    assert r["tmp_full"].startswith("OSError")  # 16 MB tmpfs, or the 8 MB file size limit
    assert (tmp_path / "job" / "x").read_text() == "x"


def test_limits_apply(tmp_path):
    code = "import resource, os\n"
    code += attempt("bytearray(2 << 30)", "memory")
    code += attempt("open('/job/big', 'wb').write(b'0' * (16 << 20))", "file_size")
    code += "r['nproc'] = resource.getrlimit(resource.RLIMIT_NPROC)[0]\n"
    code += "r['core'] = resource.getrlimit(resource.RLIMIT_CORE)[0]\n"
    r = run_inside(tmp_path, code)
    assert r["memory"].startswith("MemoryError")
    assert r["file_size"].startswith("OSError") and "File too large" in r["file_size"]
    assert r["core"] == 0
    if os.geteuid() == 0:
        assert r["nproc"] == 64


def test_no_host_process_or_environment_is_visible(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_SECRET", "hunter2")
    code = "import os\nr['pids'] = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())\n"
    code += "r['env'] = 'GRADER_SECRET' in os.environ\n"
    code += attempt("os.kill(1, 9)", "kill_init")
    r = run_inside(tmp_path, code)
    assert max(r["pids"]) < 10 and r["env"] is False


def test_grade_refuses_without_bwrap_in_one_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "s" / "a").mkdir(parents=True)
    (tmp_path / "s" / "a" / "01_deep_nn_backward.ipynb").write_text("{}")
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    sandbox._probe.cache_clear()
    try:
        assert main(["grade", str(tmp_path / "s"), "--out", str(tmp_path / "o")]) == 2
    finally:
        sandbox._probe.cache_clear()
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "bubblewrap (bwrap) is not installed" in err and "apt-get install bubblewrap" in err and "--no-sandbox" in err
    assert not (tmp_path / "o").exists()


def test_the_launch_spec_stays_outside_the_sandbox(tmp_path):
    job = tmp_path / "job"
    job.mkdir()
    cmd = sandbox_command(job, LIMITS)
    spec = json.loads((tmp_path / "job.sandbox.json").read_text())
    assert str(tmp_path / "job.sandbox.json") in cmd
    argv = spec["argv"]
    assert argv[:2] == ["bwrap", "--unshare-all"] and "--die-with-parent" in argv
    assert ["--cap-drop", "ALL"] == argv[argv.index("--cap-drop"):argv.index("--cap-drop") + 2]
    assert ["--bind", str(job), "/job"] == argv[argv.index("--bind"):argv.index("--bind") + 3]
    assert "--clearenv" in argv
    assert not any(a.endswith("/solutions") for a in argv)


def test_an_unreachable_scratch_folder_is_a_clear_error(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("only root drops to another user")
    closed = tmp_path / "closed"
    (closed / "inner" / "job").mkdir(parents=True)
    os.chmod(closed, 0o700)
    with pytest.raises(sandbox.SandboxUnavailable, match=r"cannot reach the scratch folder .* mode 0700; set TMPDIR"):
        prepare_job_dir(closed / "inner" / "job", LIMITS)


def test_memory_is_capped_for_the_whole_sandbox_where_cgroups_allow(tmp_path):
    """RLIMIT_AS caps each process; a cgroup caps their sum (root, writable cgroups)."""
    if not sandbox.cgroup_plan("probe", LIMITS):
        pytest.skip("no writable memory cgroup here: the per-process limit alone applies")
    code = (
        "import os\nkids = []\n"
        "for _ in range(4):\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        b = bytearray(200 << 20)\n"
        "        for i in range(0, len(b), 4096):\n"
        "            b[i] = 1\n"
        "        os._exit(0)\n"
        "    kids.append(pid)\n"
        "r['codes'] = [os.waitpid(k, 0)[1] for k in kids]\n"
    )
    r = run_inside(tmp_path, code, SandboxLimits(memory_mb=512, processes=64, file_size_mb=8, tmp_mb=16))
    assert any(code != 0 for code in r["codes"]), r  # 4 x 200 MB cannot all fit in 512 MB
    assert not any(Path(g["dir"]).exists() for g in sandbox.cgroup_plan(tmp_path.name, LIMITS))


def test_no_nested_user_namespace(tmp_path):
    code = "import subprocess\n"
    code += ("p = subprocess.run(['unshare', '-r', 'true'], capture_output=True)\n"
             "r['unshare'] = p.returncode\n")
    r = run_inside(tmp_path, code)
    assert r["unshare"] != 0
