"""The grader's plumbing without a kernel: discovery, configuration, untrusted files, outputs."""

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from grader.cli import main
from grader.codec import Opaque
from grader.config import ConfigError, CourseConfig, load_config
from grader.grade import InstructorError, Submission, find_submissions, grade_submission, match_assignment, public_case_set
from grader.gradebook import latest_rows, open_gradebook, record_run
from grader.harness import sanitize
from grader.job import UntrustedFileError, read_json, read_npz
from grader.outputs import CSV_COLUMNS, grades_csv
from grader.results import Check, ExerciseResult, SubmissionResult


# --- finding submissions ---------------------------------------------------------------

def touch(path: Path, text: str = "{}") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "name, stem",
    [("01_deep_nn_backward.ipynb", "01_deep_nn_backward"),
     ("02_conv_pool_backward (1).ipynb", "02_conv_pool_backward"),
     ("03_batchnorm_dropout_backward-alice.ipynb", "03_batchnorm_dropout_backward"),
     ("homework.ipynb", None), ("01_deep_nn_backward.py", None)],
)
def test_match_assignment(name, stem):
    assert match_assignment(name) == stem


def test_find_submissions_sorts_and_warns(tmp_path):
    touch(tmp_path / "bob" / "01_deep_nn_backward.ipynb")
    touch(tmp_path / "alice" / "02_conv_pool_backward.ipynb")
    touch(tmp_path / "alice" / "02_conv_pool_backward (copy).ipynb")
    touch(tmp_path / "alice" / "scratch.ipynb")
    touch(tmp_path / "alice" / "notes.txt")
    subs, warnings = find_submissions(tmp_path)
    assert [(s.student, s.assignment) for s in subs] == [("alice", "02_conv_pool_backward"), ("bob", "01_deep_nn_backward")]
    assert any("scratch.ipynb: not one of the assignments" in w for w in warnings)
    assert any("a second file for 02_conv_pool_backward" in w for w in warnings)
    only, _ = find_submissions(tmp_path, "01_deep_nn_backward")
    assert [s.student for s in only] == ["bob"]


@pytest.mark.parametrize("setup, only, message", [
    (None, None, "does not exist"),
    ("empty", None, "no notebooks of the course found"),
    ("one", "04_transformers", "unknown assignment"),
])
def test_instructor_mistakes_raise(tmp_path, setup, only, message):
    root = tmp_path / "subs"
    if setup:
        root.mkdir()
    if setup == "one":
        touch(root / "a" / "01_deep_nn_backward.ipynb")
    with pytest.raises(InstructorError, match=message):
        find_submissions(root, only)


@pytest.mark.parametrize("argv, message", [
    (["grade", "/no/such/folder"], "does not exist"),
    (["check", "/no/such.ipynb"], "does not exist"),
    (["grade", ".", "--config", "/no/course.toml"], "does not exist"),
])
def test_cli_instructor_mistakes_exit_2_with_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("grader: ") and message in err


def test_cli_check_of_an_unknown_notebook_exits_2(tmp_path, capsys):
    nb = touch(tmp_path / "homework.ipynb", json.dumps({"cells": [], "nbformat": 4}))
    assert main(["check", str(nb)]) == 2
    assert "cannot tell which assignment" in capsys.readouterr().err


# --- configuration -----------------------------------------------------------------------

def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_config(None)
    assert cfg.source is None and cfg.points["conv_backward"] == 4


def test_a_course_file_overrides_some_keys(tmp_path):
    f = touch(tmp_path / "course.toml", '[course]\nseed = 42\n[points]\nconv_backward = 10\n[limits]\ncell_timeout = 5\n')
    cfg = load_config(f)
    assert (cfg.seed, cfg.points["conv_backward"], cfg.points["relu_backward"]) == (42, 10.0, 1)
    assert cfg.limits.cell_timeout == 5 and cfg.limits.notebook_timeout == 600


@pytest.mark.parametrize("text, message", [
    ("[course\n", "not valid TOML"),
    ("[grading]\n", "unknown section"),
    ("[points]\nconv_forward = 3\n", "unknown exercise"),
    ("[points]\nrelu_backward = -1\n", "must be a number"),
    ("[limits]\ncell_timeout = 'long'\n", "must be a number"),
    ("[limits]\nmemory = 3\n", "unknown key"),
])
def test_bad_course_files_are_config_errors(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(touch(tmp_path / "course.toml", text))


# --- reading untrusted files -------------------------------------------------------------

def test_read_json_refuses_links_and_oversized_files(tmp_path):
    real = touch(tmp_path / "real.json", '{"a": 1}')
    assert read_json(real) == {"a": 1}
    (tmp_path / "link.json").symlink_to(real)
    with pytest.raises(UntrustedFileError, match="cannot be opened safely"):
        read_json(tmp_path / "link.json")
    with pytest.raises(UntrustedFileError, match="more than"):
        read_json(real, limit=3)
    with pytest.raises(UntrustedFileError, match="was not written"):
        read_json(tmp_path / "absent.json")
    with pytest.raises(UntrustedFileError, match="not valid JSON"):
        read_json(touch(tmp_path / "bad.json", "{"))


def npz_bytes(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_read_npz_loads_plain_arrays(tmp_path):
    p = tmp_path / "ok.npz"
    p.write_bytes(npz_bytes(a0=np.arange(6.0).reshape(2, 3), a1=np.array([True])))
    got = read_npz(p)
    assert np.array_equal(got["a0"], np.arange(6.0).reshape(2, 3)) and got["a1"].dtype == bool


def test_read_npz_refuses_pickles(tmp_path):
    p = tmp_path / "pickle.npz"
    p.write_bytes(npz_bytes(a0=np.array([{"x": 1}], dtype=object)))
    with pytest.raises(UntrustedFileError, match="Python objects"):
        read_npz(p)


def test_read_npz_checks_declared_shapes_before_decompressing(tmp_path):
    p = tmp_path / "big.npz"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("a0.npy", "w", force_zip64=True) as fh:
            np.lib.format.write_array_header_1_0(fh, {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**3)})
            fh.write(b"\0" * 1024)
    p.write_bytes(buf.getvalue())
    with pytest.raises(UntrustedFileError, match="too large"):
        read_npz(p)


def test_read_npz_refuses_garbage(tmp_path):
    p = touch(tmp_path / "junk.npz", "not a zip")
    with pytest.raises(UntrustedFileError, match="not a valid npz"):
        read_npz(p)


# --- what the harness sends back ---------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (np.float32(2.5), 2.5),
    ((np.ones(2, dtype=np.float16),), (np.ones(2),)),
    (object(), Opaque("a object")),
    (np.array([1 + 2j]), Opaque("an array of dtype complex128")),
    (np.zeros(10), Opaque("an array of shape (10,), too large to check")),
    ({"__x": 1}, {"x": 1}),
])
def test_sanitize(value, expected):
    got = sanitize(value, max_elements=5)
    if isinstance(expected, tuple):
        assert got[0].dtype == np.float64 and np.array_equal(got[0], expected[0])
    else:
        assert got == expected


# --- outputs -----------------------------------------------------------------------------

def result(student="ann", score=1.0):
    checks = (Check("case1:dZ", "value", 1, True), Check("case1:grad:dZ", "gradient", 1, score == 1.0, "case 1: wrong"))
    ex = ExerciseResult("relu_backward", "passed" if score == 1.0 else "partial", score, 1.0,
                        "All 2 checks pass." if score == 1.0 else "1 of 2 checks pass.\ncase 1: wrong", checks, ("shape (5, 7)",))
    return SubmissionResult(student, "01_deep_nn_backward", f"{student}/01.ipynb", "ab" * 32, (ex,))


def test_grades_csv_has_the_spec_columns_and_one_line_feedback():
    text = grades_csv([result("bob", 0.5), result("ann")])
    lines = text.splitlines()
    assert lines[0].split(",")[:7] == ["student", "assignment", "exercise", "score", "max_score", "status", "checks_passed"]
    assert tuple(lines[0].split(",")) == CSV_COLUMNS
    assert lines[1].startswith("ann,01_deep_nn_backward,relu_backward,1,1,passed,2,2,")
    assert lines[2].endswith("1 of 2 checks pass. | case 1: wrong")
    assert len(lines) == 3


def test_gradebook_keeps_history_and_a_latest_view(tmp_path):
    conn = open_gradebook(tmp_path / "g.db")
    record_run(conn, [result("ann", 0.5)], "subs", None, "2026-01-01T00:00:00+00:00")
    record_run(conn, [result("ann", 1.0)], "subs", None, "2026-01-02T00:00:00+00:00")
    assert latest_rows(conn) == [("ann", "01_deep_nn_backward", 1.0, 1.0)]
    assert conn.execute("SELECT COUNT(*) FROM submissions").fetchone() == (2,)
    assert conn.execute("SELECT COUNT(*) FROM checks").fetchone() == (4,)
    conn.close()
    again = open_gradebook(tmp_path / "g.db")
    assert again.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("2",)


# --- a notebook that is not valid JSON never reaches a kernel ----------------------------

def test_invalid_json_is_graded_zero_without_running_anything(tmp_path):
    nb = touch(tmp_path / "fay" / "02_conv_pool_backward.ipynb", '{"cells": [')

    def no_worker(*args, **kwargs):
        raise AssertionError("a worker was started")

    r = grade_submission(Submission("fay", "02_conv_pool_backward", nb), public_case_set("02_conv_pool_backward"),
                         CourseConfig(), run=no_worker)
    assert [e.status for e in r.exercises] == ["not_run"] * 4
    assert r.score == 0 and r.max_score == 9
    assert "not valid JSON" in r.exercises[0].feedback and "line 1, column" in r.notes[0]


def test_no_link_is_followed_anywhere_below_the_job_folder(tmp_path):
    from grader.job import read_outputs

    job = tmp_path / "job"
    elsewhere = tmp_path / "classmate" / "out"
    touch(elsewhere / "relu_backward.json", '{"defined": true, "cases": []}')
    (elsewhere / "relu_backward.npz").write_bytes(npz_bytes())
    job.mkdir()
    (job / "out").symlink_to(elsewhere)  # a student points its results at someone else's
    with pytest.raises(UntrustedFileError, match="cannot be opened safely"):
        read_outputs(job, "relu_backward")


def test_disk_usage_counts_blocks_follows_no_link_and_stops_at_a_flood(tmp_path):
    from grader.execute import disk_usage

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "data").write_bytes(b"x" * (1 << 20))
    with open(tmp_path / "sparse", "wb") as f:  # 1 TB apparent size, almost no blocks
        f.truncate(1 << 40)
    (tmp_path / "link").symlink_to("/usr")
    used = disk_usage(tmp_path)
    assert (1 << 20) <= used < (4 << 20)
    for i in range(30):
        (tmp_path / f"f{i}").touch()
    assert disk_usage(tmp_path, max_entries=20) == float("inf")


def test_the_execution_record_is_typed_at_the_boundary(tmp_path):
    from grader.job import read_execution

    job = tmp_path / "job"
    job.mkdir()
    forged = {"fatal": 3, "truncated": "yes", "output": "x" * 100,
              "cells": [{"index": "one", "status": "error", "first_line": ["#"], "error": {"ename": 1}},
                        "not a cell", {"index": True, "status": "weird"}],
              "exercises": {"relu_backward": {"status": ["ok"]}, "x": 5}}
    (job / "execution.json").write_text(json.dumps(forged))
    rec = read_execution(job, output_limit=10)
    assert rec["fatal"] is None and rec["truncated"] is False and rec["output"] == "x" * 10
    assert rec["cells"] == [
        {"index": 0, "first_line": "", "status": "error", "time": 0.0,
         "error": {"ename": "", "evalue": "", "traceback": ""}},
        {"index": 0, "first_line": "", "status": "unknown", "time": 0.0, "error": None},
    ]
    assert rec["exercises"] == {"relu_backward": {"status": None}}
