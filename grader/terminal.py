"""What the grader prints: progress while grading, then a summary a person reads at a glance."""

from __future__ import annotations

from collections import defaultdict

from rich.console import Console
from rich.table import Table

from grader.exercises import NOTEBOOKS
from grader.results import SubmissionResult

__all__ = ["summary_tables", "check_report", "STATUS_WORDS"]

STATUS_WORDS = {
    "passed": "passed",
    "partial": "partial",
    "failed": "failed",
    "not_implemented": "not implemented",
    "error": "raised an error",
    "missing": "missing",
    "timeout": "timed out",
    "not_run": "not run",
}
_MARK = {"passed": "✅", "partial": "🟡"}


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def _short(assignment: str) -> str:
    return assignment.split("_", 1)[0]


def summary_tables(results: list[SubmissionResult]) -> list[Table]:
    """A table of students × notebooks, and one of exercises with their pass rates."""
    assignments = [a for a in NOTEBOOKS if any(r.assignment == a for r in results)]
    by_student: dict[str, dict[str, SubmissionResult]] = defaultdict(dict)
    for r in results:
        by_student[r.student][r.assignment] = r
    grades = Table(title="Grades", title_justify="left",
                   caption="  ".join(f"{_short(a)} = {a}" for a in assignments), caption_justify="left")
    grades.add_column("student", no_wrap=True)
    for a in assignments:
        grades.add_column(_short(a), justify="right", no_wrap=True)
    grades.add_column("total", justify="right", no_wrap=True)
    for student in sorted(by_student):
        row, total, total_max = [student], 0.0, 0.0
        for a in assignments:
            r = by_student[student].get(a)
            if r is None:
                row.append("—")
                continue
            total, total_max = total + r.score, total_max + r.max_score
            cell = f"{_fmt(r.score)}/{_fmt(r.max_score)}"
            row.append(f"[red]{cell} ⚠[/red]" if r.notes and r.score < r.max_score else cell)
        row.append(f"{_fmt(total)}/{_fmt(total_max)}")
        grades.add_row(*row)

    exercises = Table(title="Exercises", title_justify="left")
    exercises.add_column("exercise", no_wrap=True)
    exercises.add_column("passed", justify="right", no_wrap=True)
    exercises.add_column("mean", justify="right", no_wrap=True)
    exercises.add_column("problems")
    for a in assignments:
        rs = [r for r in results if r.assignment == a]
        names = [n for n in NOTEBOOKS[a] if any(e.exercise == n for r in rs for e in r.exercises)]
        for k, name in enumerate(names):
            es = [e for r in rs for e in r.exercises if e.exercise == name]
            n_pass = sum(e.status == "passed" for e in es)
            mean = sum(e.score for e in es) / len(es)
            problems: dict[str, int] = defaultdict(int)
            for e in es:
                if e.status != "passed":
                    problems[STATUS_WORDS.get(e.status, e.status)] += 1
            text = ", ".join(f"{word} {n}" for word, n in sorted(problems.items(), key=lambda kv: -kv[1]))
            exercises.add_row(f"{_short(a)} {name}", f"{n_pass}/{len(es)}",
                              f"{_fmt(mean)}/{_fmt(es[0].max_score)}", text, end_section=k == len(names) - 1)
    return [grades, exercises]


def check_report(result: SubmissionResult) -> str:
    """``grader check``'s plain-text report: one line per exercise, then what is wrong."""
    lines = [f"grader check: {result.path} ({result.assignment}, public cases)", ""]
    width = max(len(e.exercise) for e in result.exercises)
    for e in result.exercises:
        passed = sum(c.passed for c in e.checks)
        mark = _MARK.get(e.status, "❌")
        lines.append(f"{mark} {e.exercise:<{width}}  {passed}/{len(e.checks)} checks  {STATUS_WORDS[e.status]}")
    for note in result.notes:
        lines.append(f"⚠️  {note}")
    for e in result.exercises:
        shown = e.feedback.splitlines() if e.status != "passed" else [
            l for l in e.feedback.splitlines() if l.startswith("Note:")]
        if shown:
            lines += ["", f"{e.exercise}:"] + ["  " + l for l in shown]
    n_pass = sum(e.status == "passed" for e in result.exercises)
    lines += ["", f"{n_pass} of {len(result.exercises)} exercises pass "
                  f"({_fmt(result.score)}/{_fmt(result.max_score)} points on the public cases)."]
    return "\n".join(lines)


def console(quiet: bool = False) -> Console:
    return Console(quiet=quiet, highlight=False)
