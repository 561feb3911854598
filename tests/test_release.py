"""The student bundle (``make release``, grader/release.py; docs/release.md).

Is it what a student needs (the notebooks as they are, the public checks, an installable
``grader check``), and nothing an instructor must keep (the reference, the hidden seed,
the hidden-case plan, the mistakes catalog)? Does it install into a fresh virtual
environment and check a notebook there with the repository out of reach? Does the build
refuse a tree that would leak?
"""

from __future__ import annotations

import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import numpy
import pytest

import solutions
from grader.cases import DEFAULT_SEED, HIDDEN_PLAN, SPEED_PLAN
from grader.exercises import EXERCISES, NOTEBOOKS
from grader.mistakes import all_mistakes
from grader.release import DIST_NAME, STUDENT_MODULES, main, release, release_version

ROOT = Path(__file__).resolve().parents[1]
VERSION = release_version(ROOT)
FOLDER = f"{DIST_NAME}-{VERSION}"

#: Paths no bundle may hold: the reference, the instructor's side of the grader.
FORBIDDEN_PREFIXES = ("solutions/", "grader/mistakes/", "grader/author/", "grader/render/", "course.toml")
FORBIDDEN_MODULES = ("cases", "hidden", "reference", "mutants", "cli", "run", "gradebook", "incremental", "release")


# --- the bundle ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """The zip ``make release`` writes, built once for the module."""
    dest, _ = release(ROOT, tmp_path_factory.mktemp("dist"))
    return dest


@pytest.fixture(scope="module")
def members(bundle) -> dict[str, bytes]:
    """The bundle's files, by their path inside its folder."""
    with zipfile.ZipFile(bundle) as zf:
        names = zf.namelist()
        assert all(n.startswith(FOLDER + "/") for n in names), names
        return {n[len(FOLDER) + 1:]: zf.read(n) for n in names}


def test_two_builds_are_byte_identical(bundle, tmp_path):
    again, _ = release(ROOT, tmp_path)
    assert again.name == f"{FOLDER}.zip" == bundle.name
    assert again.read_bytes() == bundle.read_bytes()


def test_entries_are_sorted_with_fixed_timestamps(bundle):
    with zipfile.ZipFile(bundle) as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


def test_the_notebooks_ship_exactly_as_they_are_in_the_checkout(members):
    notebooks = sorted(p for p in members if p.startswith("assignments/"))
    assert notebooks == sorted(f"assignments/{stem}.ipynb" for stem in NOTEBOOKS)
    for path in notebooks:
        assert members[path] == (ROOT / path).read_bytes(), path


def test_the_bundle_holds_the_student_package_and_nothing_of_the_instructor(members):
    modules = sorted(p for p in members if p.startswith("grader/") and p.endswith(".py"))
    assert modules == sorted(STUDENT_MODULES)
    for p in STUDENT_MODULES:
        assert members[p] == (ROOT / p).read_bytes(), p
    assert members["grader/data/public_cases.json"] == (ROOT / "grader/data/public_cases.json").read_bytes()
    for path in members:
        assert not path.startswith(FORBIDDEN_PREFIXES), path
    for name in FORBIDDEN_MODULES:
        assert f"grader/{name}.py" not in members
    assert {"README.md", "pyproject.toml", "MANIFEST.json", "grader/data/grading_profile.json"} <= set(members)


def test_the_manifest_lists_every_other_file_with_its_sha256(members):
    import hashlib

    manifest = json.loads(members["MANIFEST.json"])
    assert manifest["release"] == VERSION
    listed = {e["path"]: e for e in manifest["files"]}
    assert set(listed) == set(members) - {"MANIFEST.json"}
    for path, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(members[path]).hexdigest(), path
        assert entry["size"] == len(members[path])


def test_the_readme_says_how_to_install_and_check(members):
    readme = members["README.md"].decode()
    for step in (f"unzip {FOLDER}.zip", "python3 -m venv", "pip install", "jupyter lab", "grader check"):
        assert step in readme, step
    pyproject = members["pyproject.toml"].decode()
    assert 'grader = "grader.student_cli:main"' in pyproject and f'version = "{VERSION}"' in pyproject


def test_the_grading_profile_records_the_grading_settings_and_no_hidden_seed(members):
    from grader.compare import ATOL_SCALE, RTOL

    profile = json.loads(members["grader/data/grading_profile.json"])
    public = json.loads(members["grader/data/public_cases.json"])
    assert profile == {"format": 1, "python": profile["python"], "numpy": numpy.__version__, "dtype": "float64",
                       "rtol": RTOL, "atol_scale": ATOL_SCALE, "public_seed": public["seed"], "release": VERSION,
                       "course_config": (ROOT / "course.toml").is_file()}
    assert profile["python"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}.")


def _code_lines(text: str) -> list[str]:
    """The lines of a text without whitespace, blank lines and comment lines."""
    return [n for n in (re.sub(r"\s+", "", line) for line in text.splitlines()) if n and not n.startswith("#")]


def _texts(members: dict[str, bytes]) -> dict[str, str]:
    """Every file as text; a notebook as the source of its cells, one after the other."""
    out = {}
    for path, data in members.items():
        text = data.decode("utf-8")
        if path.endswith(".ipynb"):
            text = "\n".join("".join(c["source"]) for c in json.loads(text)["cells"])
        out[path] = text
    return out


def _solved_blocks(name: str) -> list[list[str]]:
    """The START/END CODE blocks of a graded function's reference source, normalized."""
    blocks, current = [], None
    for line in inspect.getsource(getattr(solutions, name)).splitlines():
        if "### START CODE HERE ###" in line:
            current = []
        elif "### END CODE HERE ###" in line:
            blocks.append(_code_lines("\n".join(current)))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def test_no_file_holds_reference_code(members):
    texts = _texts(members)
    for path, text in texts.items():
        assert not re.search(r"(^|\s)(import\s+solutions|from\s+solutions\S*\s+import)\b", text, re.M), path
    checked = 0
    for name in EXERCISES:
        for block in _solved_blocks(name):
            if len(block) < 3:  # a line or two the teaching text may quote as a hint
                continue
            checked += 1
            needle = "\n".join(block)
            for path, text in texts.items():
                assert needle not in "\n".join(_code_lines(text)), f"{path} holds the solved code of {name}"
    assert checked >= 5  # the test looked at real blocks


def test_no_file_holds_a_hidden_case(members):
    texts = _texts(members)
    plan = [re.sub(r"\s+", "", repr(entry)) for cases in HIDDEN_PLAN.values() for entry in cases
            if len(entry) >= 5] + [re.sub(r"\s+", "", repr(entry)) for entry in SPEED_PLAN.values()]
    hints = [re.sub(r"\s+", " ", m.hint) for m in all_mistakes()]
    assert len(plan) >= 5 and len(hints) >= 20
    for path, text in texts.items():
        assert not re.search(rf"(?<![\w.]){DEFAULT_SEED}(?![\w.])", text), f"{path} holds the hidden seed"
        assert "HIDDEN_PLAN =" not in text and "SPEED_PLAN =" not in text, path
        squashed = re.sub(r"\s+", "", text).replace('"', "'")
        assert not [e for e in plan if e in squashed], f"{path} holds the hidden-case plan"
        spaced = re.sub(r"\s+", " ", text)
        assert not [h for h in hints if h in spaced], f"{path} holds the mistakes catalog"


# --- installed into a fresh virtual environment ---------------------------------------------

@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> Path:
    """The three notebooks with the reference code in their blocks."""
    out = tmp_path_factory.mktemp("solved")
    subprocess.run([sys.executable, "-m", "grader.author", "build", "--solved", str(out)], cwd=ROOT, check=True,
                   capture_output=True)
    return out


def _clean_env(bin_dir: Path) -> dict[str, str]:
    """No PYTHONPATH (or any PYTHON* setting), no active virtual environment, and the
    bundle's venv first on PATH: the repository cannot leak in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") and k != "VIRTUAL_ENV"}
    env["PATH"] = os.pathsep.join([str(bin_dir), "/usr/bin", "/bin"])
    return env


@pytest.fixture(scope="module")
def installed(bundle, tmp_path_factory) -> Path:
    """The bundle unzipped and ``pip install``-ed into a new virtual environment (once per
    module); returns the venv's bin folder. numpy is pinned to this environment's version,
    the grading profile's, so that a default check has nothing to warn about."""
    where = tmp_path_factory.mktemp("student")
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(where)
    env_dir = where / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / "bin"
    proc = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           str(where / FOLDER), f"numpy=={numpy.__version__}"],
                          cwd=where, env=_clean_env(bin_dir), capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return bin_dir


def run_installed(bin_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    assert ROOT not in (cwd, *cwd.parents)
    return subprocess.run([str(a) for a in args], cwd=cwd, env=_clean_env(bin_dir), capture_output=True, text=True,
                          timeout=600)


def test_the_installed_package_is_the_bundles_and_cannot_reach_the_instructors_side(installed, tmp_path):
    code = ("import importlib, grader, grader.selfcheck, grader.student_cli\n"
            "print(grader.__file__)\n"
            "for m in ('solutions', 'grader.cases', 'grader.hidden', 'grader.reference', 'grader.mistakes',\n"
            "          'grader.cli', 'grader.mutants', 'grader.author'):\n"
            "    try:\n"
            "        importlib.import_module(m)\n"
            "    except ModuleNotFoundError:\n"
            "        print('missing', m)\n"
            "from grader.config import CourseConfig\n"
            "print('seed', CourseConfig().seed)\n")
    proc = run_installed(installed, installed / "python", "-c", code, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(str(installed.parent)), lines[0]
    assert sorted(lines[1:-1]) == sorted(f"missing {m}" for m in (
        "solutions", "grader.cases", "grader.hidden", "grader.reference", "grader.mistakes", "grader.cli",
        "grader.mutants", "grader.author"))
    assert lines[-1] == "seed None"


def test_instructor_verbs_say_they_are_for_instructors(installed, tmp_path):
    for command in ([installed / "grader", "--help"], [installed / "python", "-m", "grader", "--help"]):
        proc = run_installed(installed, *command, cwd=tmp_path)
        assert proc.returncode == 0 and "{check}" in proc.stdout and not re.search(r"\bgrade\b", proc.stdout)
    for verb in ("grade", "mutants", "export"):
        proc = run_installed(installed, installed / "grader", verb, "submissions", cwd=tmp_path)
        assert proc.returncode == 2
        assert proc.stderr.count("\n") == 1 and "for instructors" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.notebook
def test_installed_check_passes_a_solved_notebook(installed, solved, tmp_path):
    stem = "01_deep_nn_backward"
    proc = run_installed(installed, installed / "grader", "check", solved / f"{stem}.ipynb", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    n = len(NOTEBOOKS[stem])
    assert f"{n} of {n} exercises pass" in proc.stdout
    assert "as in grading (the grading profile of release" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


@pytest.mark.notebook
def test_installed_check_of_a_blank_notebook_names_every_failing_exercise(installed, tmp_path):
    stem = "02_conv_pool_backward"
    notebook = installed.parent.parent / FOLDER / "assignments" / f"{stem}.ipynb"
    proc = run_installed(installed, installed / "grader", "check", notebook, cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr and proc.stderr == ""
    assert f"0 of {len(NOTEBOOKS[stem])} exercises pass" in proc.stdout
    for name in NOTEBOOKS[stem]:
        assert re.search(rf"❌ {name}\s+0/\d+ checks\s+not implemented", proc.stdout), name


@pytest.mark.notebook
def test_installed_check_warns_when_grading_uses_another_numpy(installed, solved, tmp_path):
    code = "import grader, os; print(os.path.dirname(grader.__file__))"
    package = Path(run_installed(installed, installed / "python", "-c", code, cwd=tmp_path).stdout.strip())
    profile = json.loads((package / "data" / "grading_profile.json").read_text())
    other = "1.26.4" if not numpy.__version__.startswith("1.26.") else "2.1.3"
    (tmp_path / "newer.json").write_text(json.dumps({**profile, "numpy": other}))
    notebook = solved / "03_batchnorm_dropout_backward.ipynb"

    proc = run_installed(installed, installed / "grader", "check", notebook, "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    parity = json.loads(proc.stdout)["parity"]
    assert parity["warnings"] == []
    assert parity["environment"]["numpy"] == numpy.__version__ and parity["environment"]["release"] == VERSION
    assert parity["environment"]["public_seed"] == profile["public_seed"]
    assert parity["environment"]["course_config"] is False and "seed" not in parity["environment"]

    proc = run_installed(installed, installed / "grader", "check", notebook, "--json", "--profile",
                         tmp_path / "newer.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr  # a warning changes nothing of the result
    warnings = json.loads(proc.stdout)["parity"]["warnings"]
    assert [(w["setting"], w["yours"], w["grading"]) for w in warnings] == [("numpy", numpy.__version__, other)]
    proc = run_installed(installed, installed / "grader", "check", notebook, "--profile", tmp_path / "newer.json",
                         cwd=tmp_path)
    assert f"your numpy is {numpy.__version__}; grading uses {other}: results can differ in the last digits" \
        in proc.stdout


# --- refusing to build ----------------------------------------------------------------------

def _copy_tree(dest: Path) -> Path:
    """A copy of what a release reads: the grader and reference packages, the notebooks."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("grader", "solutions"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    (dest / "assignments").mkdir()
    for stem in NOTEBOOKS:
        shutil.copy(ROOT / "assignments" / f"{stem}.ipynb", dest / "assignments")
    shutil.copy(ROOT / "pyproject.toml", dest)
    return dest


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _course_seed_in(root: Path, path: Path) -> None:
    (root / "course.toml").write_text("[course]\nseed = 98765432\n")
    _append(path, "\n# 98765432\n")


def _cell_in_notebook(root: Path, source: str) -> None:
    path = root / "assignments" / f"{next(iter(NOTEBOOKS))}.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "code", "id": "leak", "metadata": {}, "execution_count": None, "outputs": [],
                        "source": source})
    path.write_text(json.dumps(nb), encoding="utf-8")


def _solved_notebook(stem: str):
    return lambda root, solved_dir: shutil.copy(solved_dir / f"{stem}.ipynb", root / "assignments")


@pytest.mark.parametrize("leak, message", [
    (lambda root, s: _append(root / "grader/compare.py", "\nimport solutions\n"), "imports the reference package"),
    (lambda root, s: _append(root / "grader/speed.py", f"\n# drawn with {DEFAULT_SEED}\n"), "hidden cases' seed"),
    (lambda root, s: _append(root / "grader/terminal.py", "\nHIDDEN_PLAN = {}\n"), "hidden-case plan"),
    (lambda root, s: _append(root / "grader/results.py", "".join(f"\n# {m.title}: {m.hint}" for m in all_mistakes())),
     "mistakes catalog"),
    (lambda root, s: _append(root / "grader/codec.py", "\n" + inspect.getsource(solutions.conv_backward)),
     "solved code of conv_backward"),
    *[(_solved_notebook(stem), "solved code of") for stem in NOTEBOOKS],
    (lambda root, s: _cell_in_notebook(root, "from solutions import relu_backward\n"), "imports the reference"),
    (lambda root, s: _cell_in_notebook(root, "# " + " ".join(f'"{m.hint}"' for m in all_mistakes())),
     "mistakes catalog"),
    (lambda root, s: _append(root / "grader/results.py", "\nimport grader.mutants\n"), "the instructor's side"),
    (lambda root, s: _append(root / "grader/results.py", "\nimport grader.bench_tools\n"), "does not ship"),
    (lambda root, s: _course_seed_in(root, root / "grader/judge.py"), "hidden cases' seed"),
], ids=["solutions-import", "default-seed", "plan", "catalog", "reference-code",
        *[f"solved-{stem[:2]}" for stem in NOTEBOOKS], "notebook-import", "notebook-catalog", "instructor-module", "unshipped-module", "course-seed"])
def test_a_leak_is_refused_in_one_line_with_exit_status_2(leak, message, tmp_path, solved, capsys):
    root = _copy_tree(tmp_path / "course")
    out = tmp_path / "dist"
    assert main(["--root", str(root), "--out", str(out)]) == 0  # the copy itself is clean
    shutil.rmtree(out)
    capsys.readouterr()
    leak(root, solved)
    assert main(["--root", str(root), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("release: refusing to build the bundle: ") and message in err, err
    assert not out.exists() or not any(out.iterdir())


def test_the_profile_records_the_course_configuration_and_not_its_seed(tmp_path):
    root = _copy_tree(tmp_path / "course")
    (root / "course.toml").write_text('[course]\nseed = 55512345\n[tolerance]\nrtol = 1e-6\n'
                                      '[environment]\nnumpy = "1.26.4"\npython = "3.12"\n')
    dest, files = release(root, tmp_path / "dist", version="2026.1")
    assert dest.name == f"{DIST_NAME}-2026.1.zip"
    profile = json.loads(next(f.data for f in files if f.path == "grader/data/grading_profile.json"))
    assert (profile["numpy"], profile["python"], profile["rtol"], profile["release"], profile["course_config"]) == (
        "1.26.4", "3.12", 1e-6, "2026.1", True)
    assert all(b"55512345" not in f.data for f in files)
