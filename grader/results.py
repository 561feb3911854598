"""Typed grading results: a check, an exercise, a submission.

Every output (the terminal summary, grades.csv, gradebook.db, the feedback pages, the
class report, ``grader check --json``) is a rendering of these values.

Status of an exercise, from best to worst:

* ``passed``: every check passed;
* ``partial``: some checks passed;
* ``failed``: the function ran but no check passed;
* ``not_implemented``: it returned None (the placeholders are still there);
* ``error``: it raised on every case;
* ``missing``: the function is not defined after running the notebook (graded cell
  deleted or renamed, or a syntax error in it);
* ``timeout``: it did not finish within the time limit;
* ``not_run``: the notebook could not be run at all (not valid JSON, kernel died).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Check", "Finding", "ExerciseResult", "SubmissionResult", "STATUSES", "FINDING_KINDS"]

STATUSES = ("passed", "partial", "failed", "not_implemented", "error", "missing", "timeout", "not_run")

#: What a finding is, from most to least specific:
#: ``mistake`` (a catalogued mistake reproduces the output: grader/mistakes/),
#: ``blame`` (the output is wrong because a helper the function calls is wrong),
#: ``pattern`` (the error has a simple shape: a factor, a sign, a transpose, a shape),
#: ``contract`` (the function breaks a rule of the spec: it changes its inputs, draws a
#: new random mask, is only close to the expected values).
FINDING_KINDS = ("mistake", "blame", "pattern", "contract")


@dataclass(frozen=True)
class Check:
    """One graded check.

    Attributes:
        id: stable identifier, e.g. ``"case2:dW"`` or ``"case2:grad:dW"``.
        kind: ``"value"`` (output against the reference) or ``"gradient"`` (output
            against a numerical gradient of the forward pass).
        case: 1-based number of the case.
        passed: whether it passed.
        message: what went wrong, for the student (empty when passed).
        weight: its share of the exercise's points, relative to the other checks.
        detail: JSON-ready data for renderers (comparison numbers, error info).
    """

    id: str
    kind: str
    case: int
    passed: bool
    message: str = ""
    weight: float = 1.0
    detail: dict = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "case": self.case, "passed": self.passed,
                "message": self.message, "weight": self.weight, "detail": self.detail}

    @classmethod
    def from_dict(cls, d: dict) -> "Check":
        return cls(d["id"], d["kind"], int(d["case"]), bool(d["passed"]), d.get("message", ""),
                   float(d.get("weight", 1.0)), dict(d.get("detail") or {}))


@dataclass(frozen=True)
class Finding:
    """What the grader found out about a wrong exercise, beyond which checks fail.

    Attributes:
        kind: one of :data:`FINDING_KINDS`.
        id: stable identifier, for counting across a class: ``"linear_backward/no_1_over_m"``
            (a catalogued mistake), ``"pattern/transpose"``, ``"blame/relu_backward"``,
            ``"contract/changes_input"``.
        title: what the student did, as a phrase that follows "N% of the class ...",
            e.g. ``"forgot the 1/m in dW and db"``.
        hint: what to do about it, one or two sentences.
        outputs: the outputs it explains (``("dW", "db")``; ``()`` for the whole function).
        cases: the 1-based cases where it was seen.
        costs_points: False for a flag that costs nothing (the result is still right).
    """

    kind: str
    id: str
    title: str
    hint: str = ""
    outputs: tuple[str, ...] = ()
    cases: tuple[int, ...] = ()
    costs_points: bool = True

    def to_dict(self) -> dict:
        return {"kind": self.kind, "id": self.id, "title": self.title, "hint": self.hint,
                "outputs": list(self.outputs), "cases": list(self.cases), "costs_points": self.costs_points}

    @classmethod
    def from_dict(cls, d: dict) -> "Finding":
        return cls(d["kind"], d["id"], d["title"], d.get("hint", ""), tuple(d.get("outputs", ())),
                   tuple(int(c) for c in d.get("cases", ())), bool(d.get("costs_points", True)))


@dataclass(frozen=True)
class ExerciseResult:
    """The grade of one graded function in one submission.

    Attributes:
        exercise: the function's name.
        status: one of :data:`STATUSES`.
        score / max_score: points earned and available.
        feedback: the summary sentence(s) for the student.
        checks: every check, in order.
        case_labels: description of each case (index 0 is case 1).
        duration: seconds spent running the student's function on the cases.
        findings: named mistakes, blame, error patterns and contract flags, most
            specific first (see :class:`Finding`).
        speed: for a timed exercise (grader/speed.py), ``{"case", "seconds",
            "reference_seconds", "ratio", "fast_enough", "points", "max_points"}``;
            None otherwise.
    """

    exercise: str
    status: str
    score: float
    max_score: float
    feedback: str
    checks: tuple[Check, ...] = ()
    case_labels: tuple[str, ...] = ()
    duration: float = 0.0
    findings: tuple[Finding, ...] = ()
    speed: dict | None = field(default=None, compare=False)

    def to_dict(self) -> dict:
        return {
            "exercise": self.exercise,
            "status": self.status,
            "score": self.score,
            "max_score": self.max_score,
            "feedback": self.feedback,
            "checks": [c.to_dict() for c in self.checks],
            "case_labels": list(self.case_labels),
            "duration": self.duration,
            "findings": [f.to_dict() for f in self.findings],
            "speed": self.speed,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "ExerciseResult":
        return cls(d["exercise"], d["status"], float(d["score"]), float(d["max_score"]), d.get("feedback", ""),
                   tuple(Check.from_dict(c) for c in d.get("checks", ())), tuple(d.get("case_labels", ())),
                   float(d.get("duration", 0.0)), tuple(Finding.from_dict(f) for f in d.get("findings", ())),
                   d.get("speed"))


@dataclass(frozen=True)
class SubmissionResult:
    """The grade of one notebook of one student.

    Attributes:
        student: the folder name under SUBMISSIONS.
        assignment: the notebook's stem, e.g. ``"02_conv_pool_backward"``.
        path: the submitted file.
        sha256: hash of the file's bytes.
        exercises: one result per graded function of the assignment.
        notes: notebook-level remarks (cells that raised, timeouts, a missing graded cell).
        cell_errors: errors raised by the notebook's cells while it ran, capped.
        output: the notebook's printed output, capped (for the feedback page).
        duration: seconds for the whole submission.
        execution_time: seconds spent running the notebook and the cases in the kernel.
    """

    student: str
    assignment: str
    path: str
    sha256: str
    exercises: tuple[ExerciseResult, ...]
    notes: tuple[str, ...] = ()
    cell_errors: tuple[dict, ...] = ()
    output: str = ""
    duration: float = 0.0
    execution_time: float = 0.0

    @property
    def score(self) -> float:
        return round(sum(e.score for e in self.exercises), 4)

    @property
    def max_score(self) -> float:
        return round(sum(e.max_score for e in self.exercises), 4)

    @property
    def passed(self) -> bool:
        return all(e.status == "passed" for e in self.exercises)

    def to_dict(self) -> dict:
        return {
            "student": self.student,
            "assignment": self.assignment,
            "path": self.path,
            "sha256": self.sha256,
            "score": self.score,
            "max_score": self.max_score,
            "passed": self.passed,
            "exercises": [e.to_dict() for e in self.exercises],
            "notes": list(self.notes),
            "cell_errors": list(self.cell_errors),
            "output": self.output,
            "duration": self.duration,
            "execution_time": self.execution_time,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "SubmissionResult":
        """The inverse of :meth:`to_dict` (the gradebook stores results this way)."""
        return cls(d["student"], d["assignment"], d["path"], d["sha256"],
                   tuple(ExerciseResult.from_dict(e) for e in d["exercises"]),
                   tuple(d.get("notes", ())), tuple(d.get("cell_errors", ())), d.get("output", ""),
                   float(d.get("duration", 0.0)), float(d.get("execution_time", 0.0)))
