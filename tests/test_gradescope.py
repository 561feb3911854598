"""`grader export gradescope`: the autograder zip, and what it does on Gradescope.

Is the zip laid out as Gradescope's specification asks (setup.sh, an executable
run_autograder, the packages and the course configuration)? Unzipped into a simulated
/autograder, does run_autograder give a correct notebook full marks, a known mistake its
points and its name, a missing or broken notebook 0 with a message, and the visibility
course.toml sets? Is every results.json valid for Gradescope? Is results.json a pure
rendering of a SubmissionResult? Do instructor mistakes exit 2 with one line?
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path

import pytest

from grader.cli import main
from grader.config import ConfigError, CourseConfig, GradescopeConfig, SandboxLimits, load_config
from grader.exercises import NOTEBOOKS
from grader.gradescope.autograder import find_notebook, grade_in_container, sandbox_for
from grader.gradescope.fallback import REFUSAL, Fallback, lock_away, prepare_fallback
from grader.gradescope.build import build_autograder, build_autograders, default_name
from grader.gradescope.results import results_json, ungraded
from grader.results import Check, ExerciseResult, Finding, SubmissionResult
from grader.grade import remove_tree
from grader.sandbox import SandboxUnavailable, scratch_root, unreachable_ancestor
from notebook_helpers import ROOT

CLASS = ROOT / "examples" / "class"
DEEP = "01_deep_nn_backward"
CONV = "02_conv_pool_backward"

# ----------------------------------------------------------------- Gradescope's format

VISIBILITIES = {"visible", "hidden", "after_due_date", "after_published"}
OUTPUT_FORMATS = {"text", "html", "simple_format", "md", "ansi"}
TOP_KEYS = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
            "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format", "tags",
             "visibility", "extra_data"}


def is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def check_gradescope_format(data: dict) -> None:
    """Gradescope's autograder specification: the keys it knows, with their types and values."""
    json.dumps(data, allow_nan=False)  # plain JSON: no NaN or infinity
    assert isinstance(data, dict) and set(data) <= TOP_KEYS, set(data) - TOP_KEYS
    tests = data.get("tests", [])
    assert isinstance(tests, list)
    assert "score" in data or (tests and all("score" in t for t in tests)), "a score, at the top or on every test"
    if "score" in data:
        assert is_number(data["score"])
    if "execution_time" in data:
        assert isinstance(data["execution_time"], int) and data["execution_time"] >= 0
    for key in ("output",):
        assert isinstance(data.get(key, ""), str)
    for key in ("output_format", "test_output_format", "test_name_format"):
        assert data.get(key, "text") in OUTPUT_FORMATS
    for key in ("visibility", "stdout_visibility"):
        assert data.get(key, "visible") in VISIBILITIES
    assert isinstance(data.get("extra_data", {}), dict)
    for t in tests:
        assert isinstance(t, dict) and set(t) <= TEST_KEYS, set(t) - TEST_KEYS
        for key in ("score", "max_score"):
            assert key not in t or is_number(t[key]), (key, t)
        for key in ("name", "number", "output"):
            assert isinstance(t.get(key, ""), str), (key, t)
        assert t.get("status", "passed") in {"passed", "failed"}
        assert t.get("output_format", "text") in OUTPUT_FORMATS
        assert t.get("visibility", "visible") in VISIBILITIES
        assert isinstance(t.get("tags", []), list) and all(isinstance(x, str) for x in t.get("tags", []))
        assert isinstance(t.get("extra_data", {}), dict)


def check_our_results(data: dict, assignment: str) -> None:
    """What we promise on top of the format: one test per exercise, in order, named by its
    id, scores within their maximum, and the top-level score their sum."""
    check_gradescope_format(data)
    tests = data["tests"]
    assert [t["name"] for t in tests] == list(NOTEBOOKS[assignment])
    for t in tests:
        assert 0 <= t["score"] <= t["max_score"]
        assert (t["status"] == "passed") == (t["extra_data"]["status"] == "passed"), t
        assert t["status"] == "failed" or t["score"] == t["max_score"], t
        assert t["output"].startswith(t["name"] + ":")
    assert data["score"] == pytest.approx(sum(t["score"] for t in tests), abs=1e-3)


def test_the_format_check_rejects_what_gradescope_would():
    good = {"score": 1.0, "tests": [{"name": "a", "score": 1.0, "max_score": 1.0}]}
    check_gradescope_format(good)
    for bad in ({"tests": [{"name": "a"}]}, {"score": "1"}, {"score": 1, "execution_time": 1.5},
                {"score": 1, "visibility": "public"}, {"score": 1, "tests": [{"score": 1, "status": "partial"}]},
                {"score": 1, "scores": 1}, {"score": float("nan")}):
        with pytest.raises((AssertionError, ValueError)):
            check_gradescope_format(bad)


# ----------------------------------------------------------------- results.json, purely

def a_result() -> SubmissionResult:
    checks = (Check("case1:dW", "value", 1, True), Check("case1:db", "value", 1, False, "db is 11 times too large"))
    mistake = Finding("mistake", "linear_backward/no_1_over_m", "forgot the 1/m in db", "divide by m")
    return SubmissionResult("someone", DEEP, "x.ipynb", "ab" * 32, (
        ExerciseResult("relu_backward", "passed", 1.0, 1.0, "All 4 checks pass.", checks[:1]),
        ExerciseResult("linear_backward", "partial", 1.0, 2.0,
                       "1 of 2 checks pass.\nLikely mistake: you forgot the 1/m in db. divide by m", checks,
                       findings=(mistake,)),
        ExerciseResult("sigmoid_backward", "not_implemented", 0.0, 1.0, "sigmoid_backward returned None"),
    ), notes=("cell 3 (import foo) raised ModuleNotFoundError: No module named 'foo'",))


def test_results_json_has_a_test_per_exercise_with_its_feedback():
    data = results_json(a_result(), GradescopeConfig(), notes=("Graded mine.ipynb.",), execution_time=12.6)
    check_gradescope_format(data)
    assert data["score"] == 2.0 and data["execution_time"] == 13
    relu, linear, sigmoid = data["tests"]
    assert (relu["name"], relu["score"], relu["max_score"], relu["status"]) == ("relu_backward", 1.0, 1.0, "passed")
    assert (linear["score"], linear["max_score"], linear["status"]) == (1.0, 2.0, "failed")
    assert "partial" in linear["output"] and "Likely mistake: you forgot the 1/m in db" in linear["output"]
    assert linear["tags"] == ["linear_backward/no_1_over_m"]
    assert linear["extra_data"] == {"status": "partial", "checks_passed": 1, "checks_total": 2}
    assert "not implemented" in sigmoid["output"] and "returned None" in sigmoid["output"]
    assert [t["number"] for t in data["tests"]] == ["1.1", "1.2", "1.3"]
    assert {t["visibility"] for t in data["tests"]} == {"visible"}
    assert "2 of 4 points" in data["output"]
    assert data["output"].index("Graded mine.ipynb.") < data["output"].index("raised ModuleNotFoundError")
    assert data["stdout_visibility"] == "hidden"


def test_results_json_applies_the_visibility_of_each_exercise_and_hides_the_total():
    settings = GradescopeConfig(visibility="after_due_date", exercise_visibility={"relu_backward": "visible"})
    data = results_json(a_result(), settings)
    check_gradescope_format(data)
    assert {t["name"]: t["visibility"] for t in data["tests"]} == {
        "relu_backward": "visible", "linear_backward": "after_due_date", "sigmoid_backward": "after_due_date"}
    assert "points" not in data["output"] and "shown later" in data["output"]


def test_an_ungraded_submission_is_zero_on_every_exercise_with_the_reason():
    config = CourseConfig()
    result = ungraded(CONV, config, "No notebook found in your submission.")
    data = results_json(result, config.gradescope)
    check_our_results(data, CONV)
    assert data["score"] == 0 and all(t["score"] == 0 and t["status"] == "failed" for t in data["tests"])
    assert [t["max_score"] for t in data["tests"]] == [float(config.points[n]) for n in NOTEBOOKS[CONV]]
    assert "No notebook found" in data["output"] and all("No notebook found" in t["output"] for t in data["tests"])


# ----------------------------------------------------------------- finding the notebook

def touch(path: Path, text: str = "{}") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_the_notebook_named_like_the_assignment_is_graded(tmp_path):
    touch(tmp_path / "aaa.ipynb")
    touch(tmp_path / "sub" / f"{DEEP}.ipynb")
    exact = touch(tmp_path / f"{DEEP}.ipynb")
    assert find_notebook(tmp_path, DEEP) == (exact, "")
    exact.unlink()
    assert find_notebook(tmp_path, DEEP) == (tmp_path / "sub" / f"{DEEP}.ipynb", "")


def test_a_renamed_notebook_is_graded_with_a_note(tmp_path):
    copy = touch(tmp_path / f"{DEEP} (1).ipynb")
    touch(tmp_path / "aaa.ipynb")
    path, note = find_notebook(tmp_path, DEEP)
    assert path == copy and f"no file is named {DEEP}.ipynb" in note and "aaa.ipynb" in note
    copy.unlink()
    assert find_notebook(tmp_path, DEEP)[0] == tmp_path / "aaa.ipynb"


def test_a_notebook_of_another_assignment_is_graded_and_the_note_says_so(tmp_path):
    touch(tmp_path / f"{CONV}.ipynb")
    path, note = find_notebook(tmp_path, DEEP)
    assert path.name == f"{CONV}.ipynb" and "another assignment" in note


def test_checkpoints_hidden_files_and_links_are_not_notebooks(tmp_path):
    touch(tmp_path / ".ipynb_checkpoints" / f"{DEEP}-checkpoint.ipynb")
    touch(tmp_path / f".{DEEP}.ipynb")
    (tmp_path / f"{DEEP}.ipynb").symlink_to(CLASS / "ada_correct" / f"{DEEP}.ipynb")
    touch(tmp_path / "notes.txt")
    path, message = find_notebook(tmp_path, DEEP)
    assert path is None and f"upload your {DEEP}.ipynb" in message and "notes.txt" in message


def test_an_empty_or_missing_submission_has_no_notebook(tmp_path):
    assert find_notebook(tmp_path, DEEP)[0] is None and "empty" in find_notebook(tmp_path, DEEP)[1]
    assert find_notebook(tmp_path / "nothing", DEEP)[0] is None


# ----------------------------------------------------------------- the sandbox decision

def unavailable(limits: SandboxLimits) -> None:
    raise SandboxUnavailable("bwrap cannot create its sandbox here (no user namespaces)")


def never(limits: SandboxLimits) -> None:
    raise AssertionError("the sandbox was probed")


def with_sandbox(mode: str) -> CourseConfig:
    return CourseConfig(gradescope=GradescopeConfig(sandbox=mode))


def test_the_sandbox_is_used_when_it_runs_and_skipped_when_off():
    config = with_sandbox("auto")
    assert sandbox_for(config, check=lambda limits: None) == (config.sandbox, "", "")
    assert sandbox_for(with_sandbox("off"), check=never) == (None, "", "")


def test_auto_falls_back_without_the_sandbox_and_required_refuses():
    limits, note, refusal = sandbox_for(with_sandbox("auto"), check=unavailable)
    assert limits is None and "without the bubblewrap sandbox" in note and refusal == ""
    limits, note, refusal = sandbox_for(with_sandbox("required"), check=unavailable)
    assert limits is None and "nothing was graded" in refusal


def never_falls_back(root: Path, config: CourseConfig) -> Fallback:
    raise AssertionError("the fallback was prepared")


def not_root(root: Path, config: CourseConfig) -> Fallback:
    """The fallback of an autograder that is not root (a local trial): as it is. In this
    process (whose ``solutions`` is the checkout's), the real one is never called as root."""
    return prepare_fallback(root, config, euid=4321)


def test_a_required_sandbox_that_cannot_run_grades_nothing(tmp_path):
    touch(tmp_path / "submission" / f"{DEEP}.ipynb", (CLASS / "ada_correct" / f"{DEEP}.ipynb").read_text())
    data = grade_in_container(tmp_path, DEEP, with_sandbox("required"), check=unavailable, fallback=never_falls_back)
    check_our_results(data, DEEP)
    assert data["score"] == 0 and "sandbox" in data["output"] and "tell your instructor" in data["output"]


def test_a_fallback_that_cannot_be_made_safe_grades_nothing(tmp_path):
    touch(tmp_path / "submission" / f"{DEEP}.ipynb", (CLASS / "ada_correct" / f"{DEEP}.ipynb").read_text())
    data = grade_in_container(tmp_path, DEEP, with_sandbox("auto"), check=unavailable,
                              fallback=lambda root, config: Fallback(refusal=REFUSAL))
    check_our_results(data, DEEP)
    assert data["score"] == 0 and all(t["score"] == 0 for t in data["tests"])
    assert "nothing was graded" in data["output"] and "tell your instructor" in data["output"]


def test_not_root_the_fallback_locks_nothing_and_says_so(tmp_path, capsys):
    secret = touch(tmp_path / "source" / "course.toml", "[course]\nseed = 1\n")
    (tmp_path / "results").mkdir()
    before = {p: p.stat().st_mode for p in (secret, secret.parent, tmp_path / "results")}
    config = load_config(secret)
    assert prepare_fallback(tmp_path, config, euid=4321) == Fallback(run_as=None, refusal="")
    assert {p: p.stat().st_mode for p in before} == before
    assert "not root (uid 4321)" in capsys.readouterr().out


@pytest.mark.notebook
def test_without_a_sandbox_auto_still_grades_and_says_so(tmp_path):
    """Not root (a local trial): graded as the autograder's own user, as before."""
    touch(tmp_path / "submission" / f"{DEEP}.ipynb", (CLASS / "ada_correct" / f"{DEEP}.ipynb").read_text())
    data = grade_in_container(tmp_path, DEEP, with_sandbox("auto"), check=unavailable, fallback=not_root)
    check_our_results(data, DEEP)
    assert all(t["score"] == t["max_score"] for t in data["tests"]), data
    assert "Graded without the bubblewrap sandbox" in data["output"]
    assert "runs your submission alone" in data["output"] and "unprivileged" not in data["output"]


# ----------------------------------------------------------------- [gradescope] in course.toml

def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "course.toml"
    path.write_text(text)
    return path


def test_gradescope_settings_are_read_from_course_toml(tmp_path):
    config = load_config(write_config(tmp_path, '[gradescope]\nvisibility = "after_published"\nsandbox = "off"\n'
                                                'exercise_visibility = { conv_backward = "hidden" }\n'
                                                'fallback_user = 4242\nfallback_group = 4343\n'))
    assert config.gradescope.visibility_of("conv_backward") == "hidden"
    assert config.gradescope.visibility_of("pool_backward") == "after_published"
    assert config.gradescope.sandbox == "off"
    assert (config.gradescope.fallback_user, config.gradescope.fallback_group) == (4242, 4343)
    assert CourseConfig().gradescope == GradescopeConfig("visible", {}, "auto", 65534, 65534)


@pytest.mark.parametrize("table, message", [
    ('visibility = "public"', r"\[gradescope\]: visibility must be one of visible, hidden, after_due_date, "
                              r"after_published; got 'public'"),
    ('exercise_visibility = { conv_backward = "soon" }', "exercise_visibility.conv_backward must be one of"),
    ('exercise_visibility = { conv_forward = "hidden" }', "unknown exercise 'conv_forward'"),
    ('exercise_visibility = "hidden"', "exercise_visibility must be a table"),
    ('sandbox = true', "sandbox must be one of auto, required, off"),
    ('stdout = "visible"', "unknown key 'stdout'"),
    ('fallback_user = 0', r"fallback_user must be a numeric id >= 1 \(not root\), got 0"),
    ('fallback_group = "nogroup"', "fallback_group must be a numeric id >= 1"),
])
def test_a_wrong_gradescope_setting_is_a_one_line_error(tmp_path, table, message):
    with pytest.raises(ConfigError, match=message) as info:
        load_config(write_config(tmp_path, f"[gradescope]\n{table}\n"))
    assert "\n" not in str(info.value)


# ----------------------------------------------------------------- the zip

def unzip(zip_path: Path, dest: Path) -> None:
    """Extract as unzip does on Linux: with the modes the zip records."""
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            target = dest / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(info))
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                target.chmod(mode)


def package_files(package: str) -> set[str]:
    top = ROOT / package
    return {f"{package}/{p.relative_to(top).as_posix()}" for p in top.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")}


SEEDED = "[course]\nseed = 4242\n\n[gradescope]\nvisibility = \"after_due_date\"\n"


@pytest.fixture(scope="module")
def seeded_zip(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("seeded")
    config = load_config(write_config(folder, SEEDED))
    return build_autograder(DEEP, config, folder / "out" / "ag.zip").path


def test_the_zip_has_setup_sh_and_an_executable_run_autograder_at_its_root(seeded_zip):
    with zipfile.ZipFile(seeded_zip) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        assert {"setup.sh", "run_autograder", "course.toml", "pyproject.toml"} <= set(infos)
        assert (infos["run_autograder"].external_attr >> 16) & 0o777 == 0o755
        assert (infos["setup.sh"].external_attr >> 16) & 0o777 == 0o755
        run = zf.read("run_autograder").decode()
        assert run.startswith("#!") and f"--assignment {DEEP}" in run and "AUTOGRADER_ROOT" in run
        setup = zf.read("setup.sh").decode()
        assert "bubblewrap" in setup and "pip install" in setup and "python3.11" in setup


def test_the_zip_holds_the_instructors_course_toml_and_every_package_file(seeded_zip):
    with zipfile.ZipFile(seeded_zip) as zf:
        names = set(zf.namelist())
        assert zf.read("course.toml").decode() == SEEDED
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    packaged = {n for n in names if n.startswith(("grader/", "solutions/"))}
    assert packaged == package_files("grader") | package_files("solutions")
    assert {"grader/data/public_cases.json", "solutions/conv.py", "grader/gradescope/autograder.py"} <= packaged


def test_the_zip_is_the_same_for_the_same_sources(seeded_zip, tmp_path):
    again = build_autograder(DEEP, load_config(write_config(tmp_path, SEEDED)), tmp_path / "again.zip")
    assert again.path.read_bytes() == seeded_zip.read_bytes()


def test_without_a_course_toml_the_zip_says_the_defaults_apply(tmp_path):
    built = build_autograder(DEEP, CourseConfig(), tmp_path / "ag.zip")
    with zipfile.ZipFile(built.path) as zf:
        text = zf.read("course.toml").decode()
    assert "defaults" in text
    assert load_config(write_config(tmp_path, text)) == CourseConfig(source=str(tmp_path / "course.toml"))


def test_the_scripts_are_valid_bash(seeded_zip, tmp_path):
    unzip(seeded_zip, tmp_path)
    for script in ("setup.sh", "run_autograder"):
        proc = subprocess.run(["bash", "-n", str(tmp_path / script)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr


# ----------------------------------------------------------------- the CLI

def one_line_error(capsys, *fragments):
    err = capsys.readouterr().err
    assert err.startswith("grader: ") and err.count("\n") == 1, err
    for f in fragments:
        assert f in err, err


def test_grader_export_gradescope_writes_one_zip_or_one_per_assignment(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./course.toml: the defaults
    assert main(["export", "gradescope", "--assignment", DEEP, "-o", "one/deep.zip"]) == 0
    assert zipfile.is_zipfile(tmp_path / "one" / "deep.zip")
    assert "wrote one/deep.zip" in capsys.readouterr().err
    assert main(["export", "--format", "gradescope"]) == 0
    assert sorted(p.name for p in (tmp_path / "dist").iterdir()) == sorted(default_name(s) for s in NOTEBOOKS)


@pytest.mark.parametrize("argv, fragments", [
    (["export", "gradescope", "--assignment", "04_attention"], ("unknown assignment '04_attention'",)),
    (["export", "gradescope", "-o", "all.zip"], ("there is one per assignment",)),
    (["export", "gradescope", "--out", "grades"], ("-o PATH says where the zip goes",)),
    (["export", "wide", "--assignment", DEEP], ("--assignment applies to the gradescope export only",)),
    (["export", "wide", "--format", "long"], ("two formats",)),
    (["export"], ("say which export",)),
])
def test_instructor_mistakes_exit_2_with_one_line(tmp_path, capsys, monkeypatch, argv, fragments):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    one_line_error(capsys, *fragments)


def test_an_unwritable_output_or_a_bad_configuration_exits_2(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    assert main(["export", "gradescope", "--assignment", DEEP, "-o", str(tmp_path / "file" / "ag.zip")]) == 2
    one_line_error(capsys, "cannot write", "ag.zip")
    bad = write_config(tmp_path, '[gradescope]\nvisibility = "sometimes"\n')
    assert main(["export", "gradescope", "--assignment", DEEP, "--config", str(bad), "-o", str(tmp_path)]) == 2
    one_line_error(capsys, "visibility must be one of")
    assert not (tmp_path / default_name(DEEP)).exists()


def test_build_autograders_refuses_an_unknown_assignment(tmp_path):
    from grader.grade import InstructorError

    with pytest.raises(InstructorError, match="unknown assignment"):
        build_autograders("nope", CourseConfig(), tmp_path)


# ----------------------------------------------------------------- a container without bubblewrap

FALLBACK_UID = 65534


def need_root(why: str) -> None:
    """Skip a test that needs root, except in CI, where it must run."""
    if os.geteuid() == 0:
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI must run this test as root: {why}", pytrace=False)
    pytest.skip(f"needs root: {why}")


class Container:
    """Gradescope's container where bubblewrap cannot run, as near as a test gets to it: a
    folder the unprivileged user can reach, holding a venv as setup.sh installs it (the
    ``grader`` and ``solutions`` packages copied into its site-packages, as a non-editable
    ``pip install`` does; the dependencies from this environment, through a .pth), and a
    PATH with no bwrap in it.

    Nothing in the repository or its .venv is ever changed: the fallback locks the copies.
    When a Python it needs lies below a folder the unprivileged user cannot pass through
    (a pyenv under /root, mode 0700), the autograder runs in a private mount namespace
    where that folder is an open tmpfs holding only what is needed, as in an image whose
    Python comes from apt (root only)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.venv = folder / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(self.venv)], check=True)
        self.python = self.venv / "bin" / "python"
        self.site = self.venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
        paths = sysconfig.get_paths()
        deps = sorted({paths["purelib"], paths["platlib"]})
        # a folder in a .pth: its own .pth files (the checkout's editable finder) are not read
        (self.site / "dependencies.pth").write_text("".join(d + "\n" for d in deps))
        for package in ("grader", "solutions"):
            shutil.copytree(ROOT / package, self.site / package, ignore=shutil.ignore_patterns("__pycache__"))
        self.bin = folder / "bin"
        self.bin.mkdir()
        (self.bin / "bash").symlink_to(shutil.which("bash"))
        self.reopen: dict[Path, list[Path]] = {}
        if os.geteuid() == 0:
            for target in sorted({Path(os.path.realpath(sys.base_prefix)), *(Path(d) for d in deps)}):
                blocked = unreachable_ancestor(target / "x", FALLBACK_UID)
                if blocked is not None:
                    self.reopen.setdefault(blocked, []).append(target)

    def new_root(self, name: str) -> Path:
        """A folder for one run's ROOT (pytest's tmp_path is mode 0700)."""
        root = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.folder))
        root.chmod(0o755)
        return root

    def command(self, root: Path, extra_env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
        """The command and environment that run ROOT/run_autograder in this container."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        env.update({"AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": str(self.python), **extra_env})
        run = str(root / "run_autograder")
        if not self.reopen:
            return [run], {**env, "PATH": str(self.bin)}
        q = shlex.quote
        lines = ["set -e"]
        for i, (blocked, targets) in enumerate(self.reopen.items()):
            stages = [self.folder / "stage" / f"{i}-{j}" for j in range(len(targets))]
            for target, stage in zip(targets, stages):
                stage.mkdir(parents=True, exist_ok=True)
                lines.append(f"mount --bind {q(str(target))} {q(str(stage))}")
            lines.append(f"mount -t tmpfs -o mode=0755 tmpfs {q(str(blocked))}")
            for target, stage in zip(targets, stages):
                lines += [f"mkdir -p {q(str(target))}", f"mount --bind {q(str(stage))} {q(str(target))}"]
        lines += [f"export PATH={q(str(self.bin))}", 'exec "$@"']
        return ["unshare", "--mount", "--propagation", "private", "--", "bash", "-c", "\n".join(lines), "bash",
                run], env


@pytest.fixture(scope="module")
def container():
    folder = Path(tempfile.mkdtemp(prefix="grader-gradescope-", dir=scratch_root()))
    folder.chmod(0o755)
    try:
        yield Container(folder)
    finally:
        remove_tree(folder)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_lock_away_closes_the_source_and_results_and_never_touches_a_checkout(tmp_path):
    need_root("only root changes owners")
    import solutions

    root = tmp_path / "autograder"
    copy = touch(root / "source" / "solutions" / "dense.py", "def linear_backward(): ...\n")
    toml = touch(root / "source" / "course.toml", "[course]\nseed = 1\n")
    (root / "results").mkdir()
    (root / "results").chmod(0o777)
    os.chown(copy.parent, FALLBACK_UID, FALLBACK_UID)  # the user's own: taken back
    checkout = Path(solutions.__file__).resolve().parent  # this environment's: a source checkout
    assert "site-packages" not in checkout.parts
    before = checkout.stat()
    unreadable, unwritable = lock_away(root, load_config(toml), FALLBACK_UID)
    assert mode(root / "source") == 0o700 and mode(copy.parent) == 0o700 and mode(toml) == 0o600
    assert copy.parent.stat().st_uid == 0
    assert mode(root / "results") == 0o755 and mode(root) & 0o022 == 0
    assert {copy, toml, root / "source", copy.parent, checkout} <= set(unreadable)
    assert {root, root / "results"} <= set(unwritable) and Path(sys.executable).parent in unwritable
    after = checkout.stat()
    assert (after.st_mode, after.st_uid) == (before.st_mode, before.st_uid)


HOSTILE_SEED = 73310731

#: Cells put before a correct notebook's: each tries one thing, and raises "LEAKED ..."
#: with what it got (a raising cell's message reaches results.json as a note), or
#: "blocked: ..." when it could not.
HOSTILE_CELLS = [
    """# hostile: import the reference
try:
    from solutions import dense as _ref
except (ImportError, OSError):
    raise RuntimeError("blocked: import")
import inspect as _inspect
_line = [l for l in _inspect.getsource(_ref.linear_backward).splitlines() if "db =" in l][0].strip()
print("LEAKED", _line)
raise RuntimeError("LEAKED by import: " + _line)
""",
    """# hostile: read the reference's files where the venv keeps them
import os as _os, sys as _sys
_site = _os.path.join(_sys.prefix, "lib", "python%d.%d" % _sys.version_info[:2], "site-packages")
_tried = [_os.path.join(p, "solutions", "dense.py") for p in [_site, *_sys.path, ROOT + "/source"] if p]
for _f in _tried:
    try:
        with open(_f) as _src:
            _text = _src.read()
    except OSError:
        continue
    _line = [l for l in _text.split("def linear_backward", 1)[1].splitlines() if "db =" in l][0].strip()
    print("LEAKED", _f, _line)
    raise RuntimeError("LEAKED by path: " + _line)
raise RuntimeError("blocked: by path")
""",
    """# hostile: read the course configuration and its seed
try:
    with open(ROOT + "/source/course.toml") as _f:
        _toml = _f.read()
except OSError:
    raise RuntimeError("blocked: course.toml")
print("LEAKED", _toml)
raise RuntimeError("LEAKED course.toml: " + " ".join(_toml.split())[:150])
""",
    """# hostile: write the results
import json as _json
try:
    with open(ROOT + "/results/results.json", "w") as _out:
        _json.dump({"score": 1000, "output": "LEAKED: written by the notebook", "tests": []}, _out)
except OSError:
    raise RuntimeError("blocked: results")
print("LEAKED results.json")
raise RuntimeError("LEAKED: wrote results.json")
""",
]


def hostile_notebook(root: Path) -> str:
    """ada_correct's notebook 01 with the hostile cells on top, aimed at ``root``."""
    nb = json.loads(student("ada_correct").read_text())
    nb["cells"][:0] = [
        {"cell_type": "code", "id": f"hostile-{i}", "metadata": {}, "execution_count": None, "outputs": [],
         "source": source.replace("\n", f"\nROOT = {str(root)!r}\n", 1)}
        for i, source in enumerate(HOSTILE_CELLS)]
    return json.dumps(nb, indent=1)


def reference_line() -> str:
    """A line of the solved code of linear_backward in the reference."""
    from solutions.dense import linear_backward

    return [l for l in inspect.getsource(linear_backward).splitlines() if "db =" in l][0].strip()


@pytest.mark.notebook
def test_without_the_sandbox_a_hostile_notebook_cannot_read_the_reference_or_write_its_results(container, tmp_path):
    """Is a notebook graded without the sandbox, as root on Gradescope, kept from the
    reference (imported or read by path), the course seed and results.json?"""
    need_root("only root runs the notebook as another user")
    config = load_config(write_config(tmp_path, f"[course]\nseed = {HOSTILE_SEED}\n"))
    zip_path = build_autograder(DEEP, config, tmp_path / "ag.zip").path
    root = container.new_root("hostile")
    notebook = hostile_notebook(root)
    data, proc = run_autograder(zip_path, root, {f"{DEEP}.ipynb": notebook}, container=container)
    raw = (root / "results" / "results.json").read_text()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # nothing got out, nothing got in
    assert "LEAKED" not in raw, data["output"]
    assert reference_line() not in raw and str(HOSTILE_SEED) not in raw
    # graded, by the grader: its results.json, the honest exercises pass
    check_our_results(data, DEEP)
    assert data["extra_data"] == {"assignment": DEEP, "sha256": hashlib.sha256(notebook.encode()).hexdigest()}
    assert data["score"] == 10 and all(t["status"] == "passed" for t in data["tests"]), data
    # every attempt was made, at what is there, and failed
    assert (container.site / "solutions" / "dense.py").is_file()
    assert (root / "source" / "solutions" / "dense.py").is_file()
    for attempt in ("blocked: import", "blocked: by path", "blocked: course.toml", "blocked: results"):
        assert attempt in data["output"], data["output"]
    assert "Graded without the bubblewrap sandbox" in data["output"] and "unprivileged user" in data["output"]
    assert "sandbox: unavailable" in proc.stdout and f"sandbox: none (uid {FALLBACK_UID})" in proc.stdout, proc.stdout


def test_without_the_sandbox_a_folder_the_student_could_import_from_grades_nothing(container, zips):
    """A folder the grader imports from that the unprivileged user could write (here on
    PYTHONPATH) is not safe: nothing is graded, and the instructor reads why."""
    need_root("only root runs the notebook as another user")
    writable = container.new_root("writable")
    writable.chmod(0o777)
    root = container.new_root("refused")
    data, proc = run_autograder(zips[DEEP], root, {f"{DEEP}.ipynb": student("ada_correct")}, container=container,
                                env={"PYTHONPATH": str(writable)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    check_our_results(data, DEEP)
    assert data["score"] == 0 and "tell your instructor" in data["output"]
    assert f"uid {FALLBACK_UID} can write in {writable}" in proc.stdout, proc.stdout
    assert mode(root / "source") == 0o700


# ----------------------------------------------------------------- run_autograder, as Gradescope runs it

@pytest.fixture(scope="module")
def zips(tmp_path_factory) -> dict[str, Path]:
    """Autograder zips: the defaults for 01 and 02, and 01 with visibility settings, unsandboxed."""
    folder = tmp_path_factory.mktemp("zips")
    configured = load_config(write_config(folder, (
        '[gradescope]\nvisibility = "after_due_date"\nsandbox = "off"\n'
        'exercise_visibility = { relu_backward = "visible", L_model_backward = "after_published" }\n')))
    return {
        DEEP: build_autograder(DEEP, CourseConfig(), folder / "deep.zip").path,
        CONV: build_autograder(CONV, CourseConfig(), folder / "conv.zip").path,
        "configured": build_autograder(DEEP, configured, folder / "configured.zip").path,
    }


def run_autograder(zip_path: Path, root: Path, submission: dict[str, Path | str] | None = None,
                   python: str = sys.executable, container: "Container | None" = None,
                   env: dict[str, str] | None = None) -> tuple[dict, subprocess.CompletedProcess]:
    """Lay out ROOT as Gradescope does (source/ from the zip, run_autograder copied to the
    root, submission/, results/), run it with this environment's Python instead of the
    one setup.sh installs (or in ``container``, with its installed Python and no
    bubblewrap), and read results.json."""
    unzip(zip_path, root / "source")
    (root / "run_autograder").write_bytes((root / "source" / "run_autograder").read_bytes())
    (root / "run_autograder").chmod(0o755)
    (root / "submission").mkdir()
    (root / "results").mkdir()
    for name, content in (submission or {}).items():
        target = root / "submission" / name
        if isinstance(content, Path):
            target.write_bytes(content.read_bytes())
        else:
            target.write_text(content)
    if container is None:
        command = [str(root / "run_autograder")]
        env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": python, **(env or {})}
    else:
        command, env = container.command(root, env or {})
    proc = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=600)
    results = root / "results" / "results.json"
    assert results.is_file(), proc.stdout + proc.stderr
    return json.loads(results.read_text()), proc


def student(name: str, stem: str = DEEP) -> Path:
    return CLASS / name / f"{stem}.ipynb"


@pytest.fixture(scope="module")
def cho(zips, container):
    """cho_mistakes' notebook 01 through the zip with visibility settings (no sandbox: as
    root, the notebook runs as the unprivileged user, so the Python must be one it can run)."""
    return run_autograder(zips["configured"], container.new_root("cho"), {f"{DEEP}.ipynb": student("cho_mistakes")},
                          container=container)


@pytest.mark.notebook
@pytest.mark.sandbox
def test_a_correct_notebook_gets_full_marks_on_every_exercise_in_the_sandbox(zips, tmp_path):
    data, proc = run_autograder(zips[DEEP], tmp_path, {f"{DEEP}.ipynb": student("ada_correct")})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    check_our_results(data, DEEP)
    assert all(t["score"] == t["max_score"] > 0 and t["status"] == "passed" for t in data["tests"]), data
    assert data["score"] == 10 and "10 of 10 points; 6 of 6 exercises pass" in data["output"]
    assert "sandbox: bubblewrap" in proc.stdout and "without the bubblewrap sandbox" not in data["output"]


@pytest.mark.notebook
def test_a_known_mistake_loses_that_exercises_points_and_is_named(cho):
    data, proc = cho
    assert proc.returncode == 0, proc.stdout + proc.stderr
    check_our_results(data, DEEP)
    tests = {t["name"]: t for t in data["tests"]}
    for right in ("relu_backward", "update_parameters"):
        assert tests[right]["score"] == tests[right]["max_score"] and tests[right]["status"] == "passed"
    assert tests["linear_backward"]["score"] < tests["linear_backward"]["max_score"]
    assert "Likely mistake: you forgot the 1/m in db" in tests["linear_backward"]["output"]
    assert tests["sigmoid_backward"]["score"] == 0
    assert "you used Z as if it were the activation" in tests["sigmoid_backward"]["output"]
    assert "linear_backward/no_1_over_m" in tests["linear_backward"]["tags"]
    assert "sandbox: none" in proc.stdout  # sandbox = "off" in this zip's course.toml


@pytest.mark.notebook
def test_visibility_from_course_toml_is_applied(cho):
    data, _ = cho
    assert {t["name"]: t["visibility"] for t in data["tests"]} == {
        "relu_backward": "visible", "sigmoid_backward": "after_due_date", "linear_backward": "after_due_date",
        "linear_activation_backward": "after_due_date", "L_model_backward": "after_published",
        "update_parameters": "after_due_date"}
    assert "points" not in data["output"]


def test_a_missing_notebook_gets_zero_and_a_message(zips, tmp_path):
    data, proc = run_autograder(zips[DEEP], tmp_path, {"answers.py": "print('hi')\n"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    check_our_results(data, DEEP)
    assert data["score"] == 0 and all(t["score"] == 0 for t in data["tests"])
    assert f"No notebook found in your submission: upload your {DEEP}.ipynb" in data["output"]
    assert "answers.py" in data["output"]


def test_a_notebook_that_is_not_valid_json_gets_zero_and_a_message(zips, tmp_path):
    data, proc = run_autograder(zips[CONV], tmp_path, {f"{CONV}.ipynb": student("fay_invalid", CONV)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    check_our_results(data, CONV)
    assert data["score"] == 0
    assert all("not valid JSON" in t["output"] for t in data["tests"]), data
    assert "not valid JSON" in data["output"]


def test_an_autograder_that_cannot_start_still_writes_results(zips, tmp_path):
    data, proc = run_autograder(zips[DEEP], tmp_path, {f"{DEEP}.ipynb": student("ada_correct")},
                                python=str(tmp_path / "no-such-python"))
    assert proc.returncode != 0
    check_gradescope_format(data)
    assert data["score"] == 0 and "could not start" in data["output"] and "tell your instructor" in data["output"]
