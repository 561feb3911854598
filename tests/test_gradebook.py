"""The gradebook, incremental grading and the exports.

Is a version 1 gradebook migrated in place, its grades kept? Does each grading of a
notebook stay in its history? Is an unchanged notebook reused, and one whose bytes, or
whose grader, changed graded again, and every one with --force? Are the long, wide and
Canvas CSVs exactly what a spreadsheet and Canvas expect, with no cell a spreadsheet
would run as a formula? Does grading a class twice run nothing the second time?
"""

from __future__ import annotations

import csv
import hashlib
import io
import sqlite3
from pathlib import Path

import pytest

from grader.cli import main
from grader.config import ConfigError, CourseConfig, load_config
from grader.export import (CANVAS_IDENTITY, CanvasStudent, RosterError, canvas_csv, grades_csv, read_roster,
                           safe_cell, wide_csv)
from grader.grade import Submission
from grader.gradebook import (GradebookError, Grading, StoredGrade, history, latest_grades, latest_results,
                              open_gradebook, record_run)
from grader.incremental import decide, file_info, grader_key
from grader.results import Check, ExerciseResult, SubmissionResult

NB1, NB3 = "01_deep_nn_backward", "03_batchnorm_dropout_backward"
KEY = "k" * 64


def ex(name: str, score: float, max_score: float, feedback: str = "", status: str | None = None) -> ExerciseResult:
    checks = (Check("case1:out", "value", 1, score == max_score, "" if score == max_score else "case 1: wrong"),)
    status = status or ("passed" if score == max_score else "partial" if score else "failed")
    return ExerciseResult(name, status, score, max_score, feedback or f"{name}: {status}", checks, ("shape (5, 7)",))


def sub_result(student: str, assignment: str = NB3, scores=(3, 2, 2), sha: str = "ab" * 32,
               feedback: str = "") -> SubmissionResult:
    names = {NB3: ("batchnorm_backward", "batchnorm_backward_alt", "dropout_backward"),
             NB1: ("relu_backward", "sigmoid_backward")}[assignment]
    maxima = {NB3: (3, 2, 2), NB1: (1, 1)}[assignment]
    exercises = tuple(ex(n, float(s), float(m), feedback) for n, s, m in zip(names, scores, maxima))
    return SubmissionResult(student, assignment, f"class/{student}/{assignment}.ipynb", sha, exercises,
                            notes=("a note",), output="printed", duration=1.5)


# --- schema ----------------------------------------------------------------------------

V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT NOT NULL,
    submissions_dir TEXT NOT NULL, config_source TEXT, mode TEXT NOT NULL);
CREATE TABLE submissions (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id),
    student TEXT NOT NULL, assignment TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL,
    graded_at TEXT NOT NULL, score REAL NOT NULL, max_score REAL NOT NULL, duration REAL NOT NULL,
    notes TEXT NOT NULL);
CREATE INDEX submissions_by_student ON submissions(student, assignment);
CREATE TABLE exercises (submission_id INTEGER NOT NULL REFERENCES submissions(id), exercise TEXT NOT NULL,
    status TEXT NOT NULL, score REAL NOT NULL, max_score REAL NOT NULL, feedback TEXT NOT NULL,
    PRIMARY KEY (submission_id, exercise));
CREATE TABLE checks (submission_id INTEGER NOT NULL REFERENCES submissions(id), exercise TEXT NOT NULL,
    check_id TEXT NOT NULL, kind TEXT NOT NULL, case_number INTEGER NOT NULL, passed INTEGER NOT NULL,
    weight REAL NOT NULL, message TEXT NOT NULL, PRIMARY KEY (submission_id, exercise, check_id));
CREATE VIEW latest AS SELECT s.* FROM submissions s WHERE s.id = (SELECT MAX(t.id) FROM submissions t
    WHERE t.student = s.student AND t.assignment = s.assignment);
INSERT INTO meta VALUES ('schema_version', '1');
INSERT INTO runs VALUES (1, '2026-01-01T00:00:00+00:00', '2026-01-01T00:01:00+00:00', 'class', NULL, 'hidden');
INSERT INTO submissions VALUES (1, 1, 'ann', '01_deep_nn_backward', 'class/ann/01.ipynb', 'aa', '2026-01-01',
    1.5, 2, 3.0, '["cell 2 raised"]');
INSERT INTO exercises VALUES (1, 'relu_backward', 'passed', 1, 1, 'All 1 checks pass.');
INSERT INTO exercises VALUES (1, 'sigmoid_backward', 'partial', 0.5, 1, '1 of 2 checks pass.');
INSERT INTO checks VALUES (1, 'relu_backward', 'case1:dZ', 'value', 1, 1, 1.0, '');
INSERT INTO checks VALUES (1, 'sigmoid_backward', 'case1:dZ', 'value', 1, 1, 1.0, '');
INSERT INTO checks VALUES (1, 'sigmoid_backward', 'case1:grad:dZ', 'gradient', 1, 0, 1.0, 'case 1: wrong');
"""


def v1_gradebook(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    conn.close()
    return path


def test_a_version_1_gradebook_is_migrated_in_place_and_keeps_its_grades(tmp_path):
    conn = open_gradebook(v1_gradebook(tmp_path / "gradebook.db"))
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("2",)
    columns = {r[1] for r in conn.execute("PRAGMA table_info(submissions)")}
    assert {"submitted_at", "grader_key", "forced", "result"} <= columns
    assert {"grader_key", "force", "graded", "reused"} <= {r[1] for r in conn.execute("PRAGMA table_info(runs)")}
    # the old row is there, through the re-created view too, with the new columns empty
    assert conn.execute("SELECT student, score, submitted_at, grader_key, forced, result FROM latest").fetchall() \
        == [("ann", 1.5, None, None, 0, None)]
    # an export rebuilds its result from the exercises and checks tables
    [old] = latest_results(conn)
    assert (old.student, old.assignment, old.score, old.max_score, old.notes) \
        == ("ann", NB1, 1.5, 2.0, ("cell 2 raised",))
    assert [(e.exercise, e.status, len(e.checks), sum(c.passed for c in e.checks)) for e in old.exercises] \
        == [("relu_backward", "passed", 1, 1), ("sigmoid_backward", "partial", 2, 1)]
    # it kept no result, so it cannot be reused: the next grade regrades it
    stored = latest_grades(conn)[("ann", NB1)]
    assert stored == StoredGrade("aa", None, None)
    assert decide("aa", KEY, stored, force=False).reason == "not_stored"
    # and new runs append as usual
    record_run(conn, [Grading(sub_result("ann", NB1, (1, 1), sha="aa"), "2026-02-01T00:00:00+00:00")], "class",
               None, "2026-02-01T00:00:00+00:00", grader_key=KEY)
    assert [h.score for h in history(conn, "ann", NB1)] == [1.5, 2.0]
    conn.close()
    again = open_gradebook(tmp_path / "gradebook.db")  # opening a v2 file changes nothing
    assert again.execute("SELECT COUNT(*) FROM submissions").fetchone() == (2,)
    again.close()


@pytest.mark.parametrize("setup, message", [
    ("missing", "no gradebook at"),
    ("newer", "has gradebook schema 3"),
    ("garbage", "is not a gradebook"),
    ("other", "not a gradebook"),
])
def test_an_unusable_gradebook_is_refused(tmp_path, setup, message):
    path = tmp_path / "gradebook.db"
    if setup == "newer":
        open_gradebook(path).close()
        conn = sqlite3.connect(path)
        conn.execute("UPDATE meta SET value = '3'")
        conn.commit()
        conn.close()
    elif setup == "garbage":
        path.write_bytes(b"this is not SQLite" * 100)
    elif setup == "other":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE photos (id INTEGER)")
        conn.close()
    with pytest.raises(GradebookError, match=message):
        open_gradebook(path, create=False)
    if setup == "missing":
        assert not path.exists()


def test_results_round_trip_through_the_gradebook(tmp_path):
    conn = open_gradebook(tmp_path / "g.db")
    r = sub_result("ann", feedback="line one\nline two")
    record_run(conn, [Grading(r, "2026-03-01T10:00:00+00:00")], "class", None, "2026-03-01T10:00:00+00:00",
               grader_key=KEY)
    stored = latest_grades(conn)[("ann", NB3)]
    assert stored.sha256 == r.sha256 and stored.grader_key == KEY
    assert stored.result.to_dict() == r.to_dict()
    assert latest_results(conn)[0].to_dict() == r.to_dict()
    conn.close()


def test_history_keeps_every_grading_and_no_reuse(tmp_path):
    conn = open_gradebook(tmp_path / "g.db")
    first = sub_result("ann", scores=(1, 0, 0), sha="11" * 32)
    second = sub_result("ann", scores=(3, 2, 2), sha="22" * 32)
    record_run(conn, [Grading(first, "2026-03-01T10:00:00+00:00")], "class", None, "t1", grader_key=KEY)
    record_run(conn, [Grading(second, "2026-03-02T10:00:00+00:00")], "class", None, "t2", grader_key=KEY)
    record_run(conn, [], "class", None, "t3", grader_key=KEY, reused=1)  # nothing changed: no new row
    record_run(conn, [Grading(second, "2026-03-02T10:00:00+00:00", forced=True)], "class", None, "t4",
               grader_key=KEY, force=True)
    record_run(conn, [sub_result("bob")], "class", None, "t5")  # someone else's
    h = history(conn, "ann", NB3)
    assert [(e.run_id, e.sha256[:2], e.score, e.max_score, e.submitted_at, e.forced) for e in h] == [
        (1, "11", 1.0, 7.0, "2026-03-01T10:00:00+00:00", False),
        (2, "22", 7.0, 7.0, "2026-03-02T10:00:00+00:00", False),
        (4, "22", 7.0, 7.0, "2026-03-02T10:00:00+00:00", True),
    ]
    assert all(e.grader_key == KEY and e.graded_at for e in h)
    assert conn.execute("SELECT id, graded, reused, force FROM runs ORDER BY id").fetchall() == [
        (1, 1, 0, 0), (2, 1, 0, 0), (3, 0, 1, 0), (4, 1, 0, 1), (5, 1, 0, 0)]
    assert history(conn, "nobody", NB3) == []
    conn.close()


# --- the reuse decision ----------------------------------------------------------------

STORED = StoredGrade("aa" * 32, KEY, sub_result("ann", sha="aa" * 32))


@pytest.mark.parametrize("sha, key, stored, force, reason", [
    ("aa" * 32, KEY, STORED, False, "unchanged"),
    ("bb" * 32, KEY, STORED, False, "changed"),
    ("aa" * 32, "other-key", STORED, False, "grader_changed"),
    ("aa" * 32, KEY, STORED, True, "forced"),
    ("bb" * 32, KEY, STORED, True, "changed"),
    ("aa" * 32, KEY, None, False, "new"),
    ("", KEY, StoredGrade("", KEY, STORED.result), False, "unreadable"),
    ("aa" * 32, KEY, StoredGrade("aa" * 32, None, None), False, "not_stored"),
])
def test_decide(sha, key, stored, force, reason):
    d = decide(sha, key, stored, force)
    assert d.reason == reason
    assert d.grade == (reason != "unchanged")
    assert d.forced == (reason == "forced")
    assert (d.reuse is STORED.result) == (reason == "unchanged")


def test_the_grader_key_follows_everything_that_affects_grades(monkeypatch, tmp_path):
    base = CourseConfig()
    key = grader_key(base, sandboxed=True)
    assert grader_key(CourseConfig(), sandboxed=True) == key
    changed = [
        grader_key(CourseConfig(seed=base.seed + 1), True),
        grader_key(CourseConfig(points={**base.points, "conv_backward": 6}), True),
        grader_key(base.with_limits(cell_timeout=61), True),
        grader_key(base.with_sandbox(memory_mb=2048), True),
        grader_key(base, sandboxed=False),
    ]
    assert key not in changed and len(set(changed)) == len(changed)
    # the roster and the source of the configuration do not count
    assert grader_key(CourseConfig(source="elsewhere.toml", roster=Path("r.csv")), True) == key

    import grader.cases
    import grader.incremental

    monkeypatch.setitem(grader.cases.HIDDEN_PLAN, "relu_backward", [((5, 11),)])
    assert grader_key(base, True) != key
    monkeypatch.undo()
    source = tmp_path / "solutions" / "dense.py"
    source.parent.mkdir()
    source.write_text("x = 1\n")
    monkeypatch.setattr(grader.incremental, "source_files", lambda: [("solutions/dense.py", source)])
    before = grader_key(base, True)
    source.write_text("x = 2\n")
    assert grader_key(base, True) != before


def test_file_info_hashes_the_bytes_and_gives_the_time_in_utc(tmp_path):
    f = tmp_path / "nb.ipynb"
    f.write_bytes(b"{}")
    info = file_info(f)
    assert info.sha256 == hashlib.sha256(b"{}").hexdigest()
    assert info.submitted_at.endswith("+00:00")
    assert file_info(tmp_path / "gone.ipynb").sha256 == ""


# --- grade_class with a stand-in grader (no kernel) ------------------------------------

@pytest.fixture
def fake_grading(monkeypatch):
    """grade_submission replaced by a fast stand-in; the list of what it graded."""
    import grader.run

    graded = []

    def fake(sub: Submission, case_set, config, **kwargs) -> SubmissionResult:
        graded.append((sub.student, sub.assignment))
        data = sub.path.read_bytes()
        score = float(len(data) % 3)
        return SubmissionResult(sub.student, sub.assignment, str(sub.path), hashlib.sha256(data).hexdigest(),
                                (ex("relu_backward", min(score, 1.0), 1.0),))

    monkeypatch.setattr(grader.run, "grade_submission", fake)
    monkeypatch.setattr(grader.run, "hidden_case_set", lambda assignment, config: None)
    return graded


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def regrade(root: Path, db: Path, config=CourseConfig(), **kwargs):
    from grader.run import grade_class

    conn = open_gradebook(db)
    try:
        run = grade_class(root, config, sandboxed=False, previous=latest_grades(conn), **kwargs)
        record_run(conn, run.gradings, str(root), None, "now", grader_key=run.grader_key, reused=run.reused)
    finally:
        conn.close()
    return run


def test_only_new_or_changed_notebooks_are_graded(tmp_path, fake_grading):
    root, db = tmp_path / "class", tmp_path / "gradebook.db"
    write(root / "ann" / f"{NB1}.ipynb", '{"cells": []}')
    write(root / "ann" / f"{NB3}.ipynb", '{"cells": [] }')
    write(root / "bob" / f"{NB1}.ipynb", '{"cells": []  }')

    first = regrade(root, db)
    assert len(fake_grading) == 3 and first.reused == 0
    fake_grading.clear()

    second = regrade(root, db)
    assert fake_grading == [] and second.reused == 3
    assert [r.to_dict() for r in second.results] == [r.to_dict() for r in first.results]

    write(root / "bob" / f"{NB1}.ipynb", '{"cells": [], "x": 1}')          # bob resubmits
    write(root / "cat" / f"{NB3}.ipynb", '{"cells": []}')                  # cat is new
    third = regrade(root, db)
    assert fake_grading == [("bob", NB1), ("cat", NB3)] and third.reused == 2
    assert [(r.student, r.assignment) for r in third.results] == [
        ("ann", NB1), ("ann", NB3), ("bob", NB1), ("cat", NB3)]
    fake_grading.clear()

    only = regrade(root, db, assignment=NB3)  # --assignment still filters
    assert fake_grading == [] and [r.assignment for r in only.results] == [NB3, NB3]

    forced = regrade(root, db, force=True)
    assert len(fake_grading) == 4 and forced.reused == 0
    assert all(g.forced for g in forced.gradings)
    fake_grading.clear()

    regrade(root, db, config=CourseConfig(seed=99))  # another grader key: everything again
    assert len(fake_grading) == 4
    conn = open_gradebook(db)
    assert [h.forced for h in history(conn, "ann", NB1)] == [False, True, False]
    conn.close()


def test_a_renamed_file_with_the_same_bytes_is_reused_at_its_new_path(tmp_path, fake_grading):
    root, db = tmp_path / "class", tmp_path / "gradebook.db"
    old = write(root / "ann" / f"{NB1}.ipynb", '{"cells": []}')
    regrade(root, db)
    new = old.with_name(f"{NB1} (1).ipynb")
    old.rename(new)
    run = regrade(root, db)
    assert run.reused == 1 and run.results[0].path == str(new)


def test_nothing_to_grade_needs_no_sandbox(tmp_path, fake_grading, monkeypatch):
    import grader.run
    from grader.sandbox import SandboxUnavailable

    root = tmp_path / "class"
    write(root / "ann" / f"{NB1}.ipynb", '{"cells": []}')
    monkeypatch.setattr(grader.run, "check_sandbox", lambda limits: None)
    first = grader.run.grade_class(root, CourseConfig(), sandboxed=True)
    previous = {("ann", NB1): StoredGrade(first.results[0].sha256, first.grader_key, first.results[0])}

    def no_bwrap(limits):
        raise SandboxUnavailable("no bwrap here")

    monkeypatch.setattr(grader.run, "check_sandbox", no_bwrap)
    again = grader.run.grade_class(root, CourseConfig(), sandboxed=True, previous=previous)
    assert again.reused == 1
    with pytest.raises(SandboxUnavailable):
        grader.run.grade_class(root, CourseConfig(), sandboxed=True, previous=previous, force=True)


# --- exports ---------------------------------------------------------------------------

def small_class() -> list[SubmissionResult]:
    return [sub_result("bob", NB1, (0, 1)), sub_result("ann", NB3, (3, 2, 2)), sub_result("ann", NB1, (1, 0.5))]


def test_the_long_csv():
    assert grades_csv(small_class()) == (
        "student,assignment,exercise,score,max_score,status,checks_passed,checks_total,feedback\n"
        "ann,01_deep_nn_backward,relu_backward,1,1,passed,1,1,relu_backward: passed\n"
        "ann,01_deep_nn_backward,sigmoid_backward,0.5,1,partial,0,1,sigmoid_backward: partial\n"
        "ann,03_batchnorm_dropout_backward,batchnorm_backward,3,3,passed,1,1,batchnorm_backward: passed\n"
        "ann,03_batchnorm_dropout_backward,batchnorm_backward_alt,2,2,passed,1,1,batchnorm_backward_alt: passed\n"
        "ann,03_batchnorm_dropout_backward,dropout_backward,2,2,passed,1,1,dropout_backward: passed\n"
        "bob,01_deep_nn_backward,relu_backward,0,1,failed,0,1,relu_backward: failed\n"
        "bob,01_deep_nn_backward,sigmoid_backward,1,1,passed,1,1,sigmoid_backward: passed\n"
    )


def test_the_wide_csv_has_one_row_per_student():
    a, b = NB1, NB3
    assert wide_csv(small_class()) == (
        f"student,{a},{a}/relu_backward,{a}/sigmoid_backward,"
        f"{b},{b}/batchnorm_backward,{b}/batchnorm_backward_alt,{b}/dropout_backward,total,max_score\n"
        "ann,1.5,1,0.5,7,3,2,2,8.5,9\n"
        "bob,1,0,1,,,,,1,9\n"
    )


def test_the_canvas_csv_without_a_roster_names_students_by_folder():
    assert canvas_csv(small_class()) == (
        f"Student,ID,SIS User ID,SIS Login ID,Section,{NB1},{NB3}\n"
        "Points Possible,,,,,2,7\n"
        "ann,,,,,1.5,7\n"
        "bob,,,,,1,\n"
    )


def test_the_canvas_csv_with_a_roster():
    roster = {"ann": CanvasStudent("Lovelace, Ada", "1001", "U1", "ada@uni.edu", "S1"),
              "bob": CanvasStudent("", "", "", "bob@uni.edu", "")}
    rows = list(csv.reader(io.StringIO(canvas_csv(small_class(), roster))))
    assert rows == [
        list(CANVAS_IDENTITY) + [NB1, NB3],
        ["Points Possible", "", "", "", "", "2", "7"],
        ["Lovelace, Ada", "1001", "U1", "ada@uni.edu", "S1", "1.5", "7"],
        ["bob", "", "", "bob@uni.edu", "", "1", ""],
    ]


def test_no_cell_is_a_formula_for_a_spreadsheet():
    evil = [sub_result("@alice", NB1, (1, 0), feedback='=HYPERLINK("http://evil","x")\nline 2'),
            sub_result("+bob", NB1, (1, 1), feedback="-2+3"),
            sub_result("\tcat", NB1, (1, 1), feedback="@SUM(A1)")]
    roster = {"@alice": CanvasStudent("=cmd|' /C calc'!A0", "-1", "+2", "@x", "=S")}
    for text in (grades_csv(evil), wide_csv(evil), canvas_csv(evil, roster)):
        cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], text
        assert any(c.startswith("'") for c in cells)
    feedback = {row[0]: row[-1] for row in csv.reader(io.StringIO(grades_csv(evil)))}
    assert feedback == {"student": "feedback", "'+bob": "'-2+3", "'\tcat": "'@SUM(A1)",
                        "'@alice": """'=HYPERLINK("http://evil","x") | line 2"""}
    assert safe_cell(-1.5) == "-1.5" and safe_cell("-1.5") == "'-1.5" and safe_cell("a=b") == "a=b"
    assert safe_cell(None) == "" and safe_cell(2.0) == "2"


# --- the roster ------------------------------------------------------------------------

def test_a_canvas_export_with_a_folder_column_is_a_roster(tmp_path):
    path = write(tmp_path / "roster.csv",
                 "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Essay 1 (101),Folder\n"
                 "    Points Possible,,,,,10.00,\n"
                 '"Lovelace, Ada",1001,U1,ada@uni.edu,S1,9,ada\n'
                 "Test Student,99,,,,,\n"
                 "Babbage,1002,U2,cb@uni.edu,S2,,  charles  \n")
    assert read_roster(path) == {
        "ada": CanvasStudent("Lovelace, Ada", "1001", "U1", "ada@uni.edu", "S1"),
        "charles": CanvasStudent("Babbage", "1002", "U2", "cb@uni.edu", "S2"),
    }
    minimal = write(tmp_path / "min.csv", "folder,sis login id\nada,ada@uni.edu\n")
    assert read_roster(minimal) == {"ada": CanvasStudent(sis_login_id="ada@uni.edu")}


@pytest.mark.parametrize("content, message", [
    (None, "does not exist"),
    (b"\xff\xfe\x00x", "not UTF-8"),
    (b"", "is empty"),
    (b"Student,ID\nAda,1\n", "has no 'folder' column"),
    (b"folder,Section\nada,S1\n", "needs at least one of the columns"),
    (b"folder,ID\nada,1\nada,2\n", "line 3: folder 'ada' appears twice"),
])
def test_a_bad_roster_is_refused(tmp_path, content, message):
    path = tmp_path / "roster.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(RosterError, match=message):
        read_roster(path)


def test_the_roster_can_come_from_course_toml(tmp_path):
    write(tmp_path / "course" / "course.toml", '[canvas]\nroster = "people/roster.csv"\n')
    assert load_config(tmp_path / "course" / "course.toml").roster == tmp_path / "course" / "people" / "roster.csv"
    write(tmp_path / "bad.toml", '[canvas]\nroster = "r.csv"\ncolumns = 1\n')
    with pytest.raises(ConfigError, match=r"\[canvas\]: unknown key 'columns'"):
        load_config(tmp_path / "bad.toml")


# --- the command line ------------------------------------------------------------------

def one_line_error(capsys, *fragments):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("grader: "), err
    for f in fragments:
        assert f in err, err


@pytest.fixture
def gradebook_dir(tmp_path):
    out = tmp_path / "grades"
    out.mkdir()
    conn = open_gradebook(out / "gradebook.db")
    record_run(conn, small_class(), "class", None, "then", grader_key=KEY)
    conn.close()
    return out


def test_grader_export_writes_each_format_from_the_latest_grades(gradebook_dir, tmp_path, capsys):
    assert main(["export", "--out", str(gradebook_dir), "--format", "long"]) == 0
    assert capsys.readouterr().out == grades_csv(small_class())
    target = tmp_path / "exports" / "wide.csv"
    assert main(["export", "--gradebook", str(gradebook_dir / "gradebook.db"), "--format", "wide",
                 "-o", str(target)]) == 0
    assert target.read_text() == wide_csv(small_class())
    roster = write(tmp_path / "roster.csv", "folder,Student,ID\nann,\"Lovelace, Ada\",1001\n")
    assert main(["export", "--out", str(gradebook_dir), "--format", "canvas", "--roster", str(roster)]) == 0
    assert '"Lovelace, Ada",1001,,,,1.5,7' in capsys.readouterr().out.splitlines()
    config = write(tmp_path / "course.toml", '[canvas]\nroster = "roster.csv"\n')
    assert main(["export", "--out", str(gradebook_dir), "--format", "canvas", "--config", str(config)]) == 0
    assert '"Lovelace, Ada",1001,,,,1.5,7' in capsys.readouterr().out.splitlines()


def test_grader_export_without_a_gradebook_exits_2(tmp_path, capsys):
    assert main(["export", "--out", str(tmp_path / "nothing"), "--format", "wide"]) == 2
    one_line_error(capsys, "no gradebook at", "gradebook.db")
    assert not (tmp_path / "nothing").exists()
    (tmp_path / "junk.db").write_bytes(b"junk" * 1000)
    assert main(["export", "--gradebook", str(tmp_path / "junk.db"), "--format", "long"]) == 2
    one_line_error(capsys, "is not a gradebook")


def test_a_bad_roster_exits_2_before_anything_is_graded(tmp_path, gradebook_dir, capsys):
    write(tmp_path / "class" / "ann" / f"{NB1}.ipynb", "{}")
    assert main(["grade", str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--no-sandbox",
                 "--roster", str(tmp_path / "none.csv")]) == 2
    one_line_error(capsys, "roster", "does not exist")
    assert not (tmp_path / "out").exists()
    bad = write(tmp_path / "bad.csv", "name,id\n")
    assert main(["export", "--out", str(gradebook_dir), "--format", "canvas", "--roster", str(bad)]) == 2
    one_line_error(capsys, "has no 'folder' column")


# --- the real pipeline, twice ----------------------------------------------------------

@pytest.mark.notebook
def test_grading_a_class_twice_runs_only_what_changed(tmp_path, monkeypatch, capsys):
    """Unsandboxed, as `grader grade --no-sandbox`: the second run starts no kernel and
    writes the same grades; a notebook whose bytes change is the only one graded again."""
    import grader.run
    from notebook_helpers import built, write_nb

    root, out = tmp_path / "class", tmp_path / "grades"
    write_nb(built(NB3, solved=True), root / "ann" / f"{NB3}.ipynb")
    bob = write_nb(built(NB3, solved=False), root / "bob" / f"{NB3}.ipynb")
    calls = []
    real = grader.run.grade_submission

    def counting(sub, *args, **kwargs):
        calls.append(sub.student)
        return real(sub, *args, **kwargs)

    monkeypatch.setattr(grader.run, "grade_submission", counting)
    argv = ["grade", str(root), "--out", str(out), "--no-sandbox"]
    names = ("grades.csv", "grades_wide.csv", "canvas.csv", f"feedback/ann/{NB3}.html", f"feedback/bob/{NB3}.html")

    assert main(argv + ["--quiet"]) == 0
    assert sorted(calls) == ["ann", "bob"]
    first = {n: (out / n).read_text(encoding="utf-8") for n in names}
    assert "ann,,,,,7\n" in first["canvas.csv"]

    calls.clear()
    capsys.readouterr()
    assert main(argv) == 0
    assert calls == []
    said = " ".join(capsys.readouterr().out.split())
    assert "2 unchanged notebooks reused (use --force to regrade)" in said
    assert {n: (out / n).read_text(encoding="utf-8") for n in names} == first

    bob.write_text(bob.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # new bytes, same notebook
    assert main(argv + ["--quiet"]) == 0
    assert calls == ["bob"]
    assert (out / "grades.csv").read_text(encoding="utf-8") == first["grades.csv"]

    conn = open_gradebook(out / "gradebook.db")
    assert len(history(conn, "ann", NB3)) == 1
    assert [h.sha256 == hashlib.sha256(bob.read_bytes()).hexdigest() for h in history(conn, "bob", NB3)] \
        == [False, True]
    assert conn.execute("SELECT graded, reused FROM runs ORDER BY id").fetchall() == [(2, 0), (0, 2), (1, 1)]
    conn.close()
