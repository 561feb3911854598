"""The gradebook: an SQLite file that keeps every grading (docs/grading.md has the schema).

Each ``grader grade`` appends a run. A notebook graded in that run gets a new
``submissions`` row holding its file's hash, its modification time, the grader's key and
the whole result as JSON; a notebook reused unchanged (same bytes, same grader key) gets
none, so the rows of a (student, assignment) are its regrade history. The view
``latest`` holds the newest grading of every (student, assignment).

A version 1 file (no stored results, no grader keys) is migrated in place when opened.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from grader.results import Check, ExerciseResult, SubmissionResult

__all__ = [
    "SCHEMA",
    "SCHEMA_VERSION",
    "GradebookError",
    "Grading",
    "StoredGrade",
    "HistoryEntry",
    "open_gradebook",
    "record_run",
    "latest_rows",
    "latest_grades",
    "latest_results",
    "history",
]

SCHEMA_VERSION = 2

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id              INTEGER PRIMARY KEY,
    started_at      TEXT NOT NULL,     -- ISO 8601, UTC
    finished_at     TEXT NOT NULL,
    submissions_dir TEXT NOT NULL,
    config_source   TEXT,              -- the course.toml used, or NULL for the defaults
    mode            TEXT NOT NULL,     -- 'hidden' (grader grade)
    grader_key      TEXT,              -- v2: see submissions.grader_key (NULL in v1 rows)
    force           INTEGER NOT NULL DEFAULT 0,  -- v2: 1 when run with --force
    graded          INTEGER,           -- v2: notebooks graded in this run (NULL in v1 rows)
    reused          INTEGER NOT NULL DEFAULT 0   -- v2: unchanged notebooks whose result was reused
);
CREATE TABLE IF NOT EXISTS submissions (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER NOT NULL REFERENCES runs(id),
    student      TEXT NOT NULL,
    assignment   TEXT NOT NULL,        -- notebook stem, e.g. 02_conv_pool_backward
    path         TEXT NOT NULL,
    sha256       TEXT NOT NULL,        -- of the notebook's bytes ('' if unreadable)
    graded_at    TEXT NOT NULL,
    score        REAL NOT NULL,
    max_score    REAL NOT NULL,
    duration     REAL NOT NULL,        -- seconds, whole submission
    notes        TEXT NOT NULL,        -- JSON list of notebook-level notes
    submitted_at TEXT,                 -- v2: the file's modification time, ISO 8601 UTC
    grader_key   TEXT,                 -- v2: hash of everything that affects grades
    forced       INTEGER NOT NULL DEFAULT 0,  -- v2: 1 = regraded by --force though unchanged
    result       TEXT                  -- v2: SubmissionResult.to_dict() as JSON (NULL in v1 rows)
);
CREATE INDEX IF NOT EXISTS submissions_by_student ON submissions(student, assignment);
CREATE TABLE IF NOT EXISTS exercises (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    exercise      TEXT NOT NULL,       -- the graded function's name
    status        TEXT NOT NULL,       -- passed, partial, failed, not_implemented, error, missing, timeout, not_run
    score         REAL NOT NULL,
    max_score     REAL NOT NULL,
    feedback      TEXT NOT NULL,
    PRIMARY KEY (submission_id, exercise)
);
CREATE TABLE IF NOT EXISTS checks (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    exercise      TEXT NOT NULL,
    check_id      TEXT NOT NULL,       -- e.g. case2:dW, case2:grad:dW
    kind          TEXT NOT NULL,       -- value or gradient
    case_number   INTEGER NOT NULL,
    passed        INTEGER NOT NULL,    -- 0 or 1
    weight        REAL NOT NULL,
    message       TEXT NOT NULL,
    PRIMARY KEY (submission_id, exercise, check_id)
);
"""

LATEST_VIEW = """
CREATE VIEW IF NOT EXISTS latest AS
    SELECT s.* FROM submissions s
    WHERE s.id = (SELECT MAX(t.id) FROM submissions t
                  WHERE t.student = s.student AND t.assignment = s.assignment)
"""

#: Version 1 -> 2: the columns v2 added, with their declarations.
_V2_COLUMNS = {
    "runs": [("grader_key", "TEXT"), ("force", "INTEGER NOT NULL DEFAULT 0"), ("graded", "INTEGER"),
             ("reused", "INTEGER NOT NULL DEFAULT 0")],
    "submissions": [("submitted_at", "TEXT"), ("grader_key", "TEXT"), ("forced", "INTEGER NOT NULL DEFAULT 0"),
                    ("result", "TEXT")],
}


class GradebookError(Exception):
    """The gradebook cannot be used: not a gradebook, a newer schema, missing (exit status 2)."""


@dataclass(frozen=True)
class Grading:
    """One notebook graded in a run, as the gradebook records it.

    Attributes:
        result: the grade.
        submitted_at: the file's modification time, ISO 8601 UTC (None if unknown).
        forced: the file and the grader were unchanged; ``--force`` regraded it anyway.
    """

    result: SubmissionResult
    submitted_at: str | None = None
    forced: bool = False


@dataclass(frozen=True)
class StoredGrade:
    """The newest grading of one notebook, as stored: what the reuse decision needs.

    Attributes:
        sha256: the hash of the bytes that were graded.
        grader_key: the grader key it was graded with (None for a version 1 row).
        result: the whole result (None for a version 1 row, which did not keep it).
    """

    sha256: str
    grader_key: str | None
    result: SubmissionResult | None


@dataclass(frozen=True)
class HistoryEntry:
    """One grading of a notebook (a row of ``submissions``)."""

    run_id: int
    graded_at: str
    submitted_at: str | None
    sha256: str
    score: float
    max_score: float
    grader_key: str | None
    forced: bool


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def _migrate_v1(conn: sqlite3.Connection) -> None:
    """Version 1 -> 2 in place, in one transaction: add the v2 columns (NULL or 0 in old
    rows) and re-create the view ``latest`` over them. Old rows keep their grades; having
    no stored result, they are regraded by the next ``grader grade``."""
    conn.commit()
    conn.execute("BEGIN")
    try:
        for table, columns in _V2_COLUMNS.items():
            have = _columns(conn, table)
            for name, decl in columns:
                if name not in have:
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {decl}")
        conn.execute("DROP VIEW IF EXISTS latest")
        conn.execute(LATEST_VIEW)
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


def open_gradebook(path: Path, create: bool = True) -> sqlite3.Connection:
    """Open a gradebook, creating it if needed (``create``), migrating a version 1 file.

    Raises:
        GradebookError: the file does not exist (and not ``create``), is not an SQLite
            gradebook, or has a schema newer than this grader's.
    """
    path = Path(path)
    if not create and not path.is_file():
        raise GradebookError(f"no gradebook at {path} (grader grade writes one into its --out folder)")
    try:
        conn = sqlite3.connect(path)
    except sqlite3.Error as exc:
        raise GradebookError(f"{path}: cannot open the gradebook ({exc})") from None
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        row = (conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
               if "meta" in tables else None)
        if row is None and tables - {"meta"}:
            raise GradebookError(f"{path} is an SQLite file but not a gradebook (no schema version)")
        if row is not None:
            version = int(row[0]) if str(row[0]).isdigit() else -1
            if version > SCHEMA_VERSION:
                raise GradebookError(f"{path} has gradebook schema {version}; this grader reads up to "
                                     f"{SCHEMA_VERSION}: use a newer grader")
            if version == 1:
                _migrate_v1(conn)
            elif version != SCHEMA_VERSION:
                raise GradebookError(f"{path} has unknown gradebook schema {version}")
        conn.executescript(SCHEMA + LATEST_VIEW + ";")
        if row is None:
            with conn:
                conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise GradebookError(f"{path} is not a gradebook ({exc})") from None
    except GradebookError:
        conn.close()
        raise
    return conn


def record_run(
    conn: sqlite3.Connection,
    results: Iterable[SubmissionResult | Grading],
    submissions_dir: str,
    config_source: str | None,
    started_at: str,
    mode: str = "hidden",
    *,
    grader_key: str | None = None,
    force: bool = False,
    reused: int = 0,
) -> int:
    """Append one grading run with the notebooks it graded, in one transaction.

    ``results`` are the notebooks graded in this run (plain results are recorded with
    no modification time); ``reused`` counts those whose stored result was reused, which
    get no new row. Returns the run id.
    """
    gradings = [g if isinstance(g, Grading) else Grading(g) for g in results]
    with conn:
        run_id = conn.execute(
            "INSERT INTO runs (started_at, finished_at, submissions_dir, config_source, mode, grader_key, force,"
            " graded, reused) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (started_at, _now(), submissions_dir, config_source, mode, grader_key, int(force), len(gradings),
             reused),
        ).lastrowid
        for g in gradings:
            r = g.result
            sid = conn.execute(
                "INSERT INTO submissions (run_id, student, assignment, path, sha256, graded_at, score, max_score,"
                " duration, notes, submitted_at, grader_key, forced, result)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, r.student, r.assignment, r.path, r.sha256, _now(), r.score, r.max_score,
                 r.duration, json.dumps(list(r.notes)), g.submitted_at, grader_key, int(g.forced),
                 json.dumps(r.to_dict())),
            ).lastrowid
            conn.executemany(
                "INSERT INTO exercises VALUES (?, ?, ?, ?, ?, ?)",
                [(sid, e.exercise, e.status, e.score, e.max_score, e.feedback) for e in r.exercises],
            )
            conn.executemany(
                "INSERT INTO checks VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(sid, e.exercise, c.id, c.kind, c.case, int(c.passed), c.weight, c.message)
                 for e in r.exercises for c in e.checks],
            )
    return int(run_id)


def latest_rows(conn: sqlite3.Connection) -> list[tuple]:
    """(student, assignment, score, max_score) of the newest grade of each notebook."""
    return conn.execute(
        "SELECT student, assignment, score, max_score FROM latest ORDER BY student, assignment"
    ).fetchall()


def _parse_result(text: str | None) -> SubmissionResult | None:
    if not text:
        return None
    try:
        return SubmissionResult.from_dict(json.loads(text))
    except (ValueError, KeyError, TypeError):
        return None


def latest_grades(conn: sqlite3.Connection) -> dict[tuple[str, str], StoredGrade]:
    """The newest stored grading of each (student, assignment), for the reuse decision.

    A row whose result was not kept (version 1) or cannot be read has ``result=None``.
    """
    return {
        (student, assignment): StoredGrade(sha, key, _parse_result(text))
        for student, assignment, sha, key, text in conn.execute(
            "SELECT student, assignment, sha256, grader_key, result FROM latest")
    }


def _rebuild(conn: sqlite3.Connection, sid: int, row: tuple) -> SubmissionResult:
    """A result from the exercises and checks tables, for a row without stored JSON (v1)."""
    student, assignment, path, sha, duration, notes = row
    checks: dict[str, list[Check]] = {}
    for exercise, cid, kind, case, passed, weight, message in conn.execute(
            "SELECT exercise, check_id, kind, case_number, passed, weight, message FROM checks"
            " WHERE submission_id = ? ORDER BY rowid", (sid,)):
        checks.setdefault(exercise, []).append(Check(cid, kind, int(case), bool(passed), message, float(weight)))
    exercises = tuple(
        ExerciseResult(name, status, float(score), float(max_score), feedback, tuple(checks.get(name, ())))
        for name, status, score, max_score, feedback in conn.execute(
            "SELECT exercise, status, score, max_score, feedback FROM exercises WHERE submission_id = ?"
            " ORDER BY rowid", (sid,)))
    try:
        note_list = tuple(str(n) for n in json.loads(notes))
    except (ValueError, TypeError):
        note_list = ()
    return SubmissionResult(student, assignment, path, sha, exercises, notes=note_list, duration=float(duration))


def latest_results(conn: sqlite3.Connection) -> list[SubmissionResult]:
    """The newest result of every (student, assignment), sorted: what ``grader export`` writes.

    Rows of a version 1 gradebook, which kept no result JSON, are rebuilt from their
    exercises and checks.
    """
    out = []
    for sid, student, assignment, path, sha, duration, notes, text in conn.execute(
            "SELECT id, student, assignment, path, sha256, duration, notes, result FROM latest"
            " ORDER BY student, assignment"):
        result = _parse_result(text)
        out.append(result or _rebuild(conn, sid, (student, assignment, path, sha, duration, notes)))
    return out


def history(conn: sqlite3.Connection, student: str, assignment: str) -> list[HistoryEntry]:
    """Every grading of one notebook, oldest first (reused runs add none)."""
    return [
        HistoryEntry(int(run_id), graded_at, submitted_at, sha, float(score), float(max_score), key, bool(forced))
        for run_id, graded_at, submitted_at, sha, score, max_score, key, forced in conn.execute(
            "SELECT run_id, graded_at, submitted_at, sha256, score, max_score, grader_key, forced"
            " FROM submissions WHERE student = ? AND assignment = ? ORDER BY id", (student, assignment))
    ]
