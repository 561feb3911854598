"""The gradebook: an SQLite file that keeps every grading run (docs/grading.md has the schema).

Each ``grader grade`` appends a run; a submission graded again gets a new row, so the
history of a student's grades is kept. The view ``latest`` holds the newest grade of
every (student, assignment).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from grader.results import SubmissionResult

__all__ = ["SCHEMA", "open_gradebook", "record_run", "latest_rows"]

SCHEMA_VERSION = 1

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
    mode            TEXT NOT NULL      -- 'hidden' (grader grade)
);
CREATE TABLE IF NOT EXISTS submissions (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES runs(id),
    student    TEXT NOT NULL,
    assignment TEXT NOT NULL,          -- notebook stem, e.g. 02_conv_pool_backward
    path       TEXT NOT NULL,
    sha256     TEXT NOT NULL,          -- of the notebook's bytes ('' if unreadable)
    graded_at  TEXT NOT NULL,
    score      REAL NOT NULL,
    max_score  REAL NOT NULL,
    duration   REAL NOT NULL,          -- seconds, whole submission
    notes      TEXT NOT NULL           -- JSON list of notebook-level notes
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
CREATE VIEW IF NOT EXISTS latest AS
    SELECT s.* FROM submissions s
    WHERE s.id = (SELECT MAX(t.id) FROM submissions t
                  WHERE t.student = s.student AND t.assignment = s.assignment);
"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def open_gradebook(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) a gradebook and check its schema version."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript(SCHEMA)
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None:
        conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        conn.commit()
    elif int(row[0]) != SCHEMA_VERSION:
        conn.close()
        raise ValueError(f"{path} has gradebook schema {row[0]}, this grader writes {SCHEMA_VERSION}")
    return conn


def record_run(
    conn: sqlite3.Connection,
    results: Iterable[SubmissionResult],
    submissions_dir: str,
    config_source: str | None,
    started_at: str,
    mode: str = "hidden",
) -> int:
    """Append one grading run with all its results, in one transaction. Returns the run id."""
    with conn:
        run_id = conn.execute(
            "INSERT INTO runs (started_at, finished_at, submissions_dir, config_source, mode) VALUES (?, ?, ?, ?, ?)",
            (started_at, _now(), submissions_dir, config_source, mode),
        ).lastrowid
        for r in results:
            sid = conn.execute(
                "INSERT INTO submissions (run_id, student, assignment, path, sha256, graded_at, score, max_score,"
                " duration, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, r.student, r.assignment, r.path, r.sha256, _now(), r.score, r.max_score,
                 r.duration, json.dumps(list(r.notes))),
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
