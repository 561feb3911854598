"""``python -m grader.author validate``: does every test of every exercise test something?

A check that the blank notebook passes is vacuous: it would give points for the
placeholders. A check that the solved notebook fails would take points from a correct
answer. So, for each notebook, four gradings with the grader's own functions
(:func:`grader.grade.grade_submission` on the case sets of ``grader grade`` and
``grader check``), without the sandbox (the code is the author's own), as many at a time
as ``--workers``:

========  ============================================  ==========================================
version   what                                          expected
========  ============================================  ==========================================
blank     ``assignments/<stem>.ipynb`` as shipped        every hidden-case, gradient and public
          (placeholders in)                             check fails, 0 points, "not implemented yet"
solved    the sources built with the reference's code   every check passes, full marks, no finding
          in the blocks (``build --solved``)
========  ============================================  ==========================================

Before that, every registration of every exercise (grader/author/registry.py) and every
case of every plan are checked, and the committed notebooks must be up to date: a
problem there is the author's to fix first (exit status 2). Speed feedback is left out
(timings vary); ``grader grade`` times the solved notebook like any other.

Exit status: 0 all as expected; 1 some exercise is not (each named, with the check);
2 an author's mistake (a missing registration, an unknown notebook, a stale notebook).
"""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping

from grader.config import CourseConfig
from grader.exercises import NOTEBOOKS
from grader.grade import Submission, grade_submission, hidden_case_set, public_case_set
from grader.results import ExerciseResult, SubmissionResult

__all__ = ["VERSIONS", "KINDS", "ExerciseReport", "NotebookReport", "Validation", "validate", "render",
           "exercise_problems", "main"]

VERSIONS = ("blank", "solved")
KINDS = ("hidden", "public")
_SHOWN = 4  # check ids named per problem


@dataclass(frozen=True)
class ExerciseReport:
    """One exercise of one notebook: its four results, by ``(version, kind)``, and what
    is not as expected about them."""

    notebook: str
    exercise: str
    results: Mapping[tuple[str, str], ExerciseResult]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class NotebookReport:
    """The exercises of one notebook, and the notebook's own problems (a cell that raised)."""

    notebook: str
    exercises: tuple[ExerciseReport, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems and all(e.ok for e in self.exercises)


@dataclass(frozen=True)
class Validation:
    notebooks: tuple[NotebookReport, ...]
    workers: int
    seconds: float

    @property
    def ok(self) -> bool:
        return all(n.ok for n in self.notebooks)

    def offending(self) -> list[str]:
        """One line per problem, naming the notebook or exercise."""
        lines = []
        for nb in self.notebooks:
            lines += [f"{nb.notebook}: {p}" for p in nb.problems]
            lines += [f"{e.exercise}: {p}" for e in nb.exercises for p in e.problems]
        return lines


def _ids(checks) -> str:
    ids = [c.id for c in checks]
    return ", ".join(ids[:_SHOWN]) + (f" and {len(ids) - _SHOWN} more" if len(ids) > _SHOWN else "")


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


def exercise_problems(version: str, kind: str, r: ExerciseResult | None, gradient: bool) -> list[str]:
    """What is wrong with one result: for the blank version, every check must fail, score 0,
    status not_implemented; for the solved one, every check must pass with full marks and
    no finding, and the hidden cases must include a gradient check when the exercise has one."""
    what = f"the {version} notebook, {kind} cases"
    if r is None:
        return [f"{what}: no result at all"]
    checks = r.checks
    if not checks:
        return [f"{what}: no check ran ({r.status}: {_first_line(r.feedback)})"]
    if version == "blank":
        passed = [c for c in checks if c.passed]
        problems = []
        if passed:
            problems.append(f"{what}: the placeholders pass {len(passed)} of {len(checks)} checks ({_ids(passed)}): "
                            "vacuous tests; put that code inside a START/END block, or make the cases tell it apart")
        elif r.score > 0:
            problems.append(f"{what}: scores {r.score:g} of {r.max_score:g} with no check passed")
        if r.status != "not_implemented" and not passed:
            problems.append(f"{what}: the placeholders do not read as 'not implemented yet' (status {r.status}: "
                            f"{_first_line(r.feedback)})")
        return problems
    failed = [c for c in checks if not c.passed]
    problems = []
    if failed:
        problems.append(f"{what}: fails {len(failed)} of {len(checks)} checks ({_ids(failed)}): "
                        f"{_first_line(failed[0].message)}")
    elif r.score != r.max_score or r.status != "passed":
        problems.append(f"{what}: {r.status}, {r.score:g} of {r.max_score:g} points")
    if kind == "hidden" and gradient and not any(c.kind == "gradient" for c in checks):
        problems.append(f"{what}: no gradient check ran, but grader/reference.py has a gradient spec for it")
    for f in r.findings:
        problems.append(f"{what}: the reference is flagged: {f.id} ({f.title})")
    return problems


def validate(stems: list[str], blank: Mapping[str, Path], solved: Mapping[str, Path], config: CourseConfig,
             workers: int = 1) -> Validation:
    """Grade the blank and the solved notebook of each of ``stems`` on the hidden and the
    public cases, and say what is not as expected. ``blank[stem]`` and ``solved[stem]``
    are notebook files; nothing is written but scratch folders."""
    from grader.reference import gradient_exercises

    start = time.monotonic()
    config = replace(config, speed=replace(config.speed, enabled=False))
    case_sets = {(stem, "hidden"): hidden_case_set(stem, config) for stem in stems}
    case_sets.update({(stem, "public"): public_case_set(stem) for stem in stems})
    jobs = [(stem, version, kind) for stem in stems for version in VERSIONS for kind in KINDS]
    paths = {"blank": blank, "solved": solved}

    def run(job: tuple[str, str, str]) -> SubmissionResult:
        stem, version, kind = job
        sub = Submission(student=version, assignment=stem, path=Path(paths[version][stem]))
        return grade_submission(sub, case_sets[(stem, kind)], config, sandbox=None)

    workers = max(1, min(workers, len(jobs)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="validate") as pool:
        results = dict(zip(jobs, pool.map(run, jobs)))

    with_gradient = gradient_exercises()
    notebooks = []
    for stem in stems:
        nb_problems: list[str] = []
        for version in VERSIONS:
            notes = dict.fromkeys(n for kind in KINDS for n in results[(stem, version, kind)].notes)
            nb_problems += [f"the {version} notebook: {note}" for note in notes]
        reports = []
        for name in NOTEBOOKS[stem]:
            by = {}
            problems: list[str] = []
            for version in VERSIONS:
                for kind in KINDS:
                    r = next((e for e in results[(stem, version, kind)].exercises if e.exercise == name), None)
                    if r is not None:
                        by[(version, kind)] = r
                    problems += exercise_problems(version, kind, r, name in with_gradient)
            reports.append(ExerciseReport(stem, name, by, tuple(problems)))
        notebooks.append(NotebookReport(stem, tuple(reports), tuple(nb_problems)))
    return Validation(tuple(notebooks), workers, time.monotonic() - start)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _cell(r: ExerciseResult | None) -> str:
    if r is None:
        return "-"
    return f"{sum(c.passed for c in r.checks)}/{len(r.checks)}"


def render(v: Validation) -> str:
    """The report: per notebook a table of checks passed (blank and solved, hidden and
    public cases), each problem under it, then a verdict."""
    cols = [("blank", "hidden"), ("solved", "hidden"), ("blank", "public"), ("solved", "public")]
    width = max([len(e.exercise) for nb in v.notebooks for e in nb.exercises] + [len("exercise")]) + 2
    lines = []
    for nb in v.notebooks:
        lines.append(f"{nb.notebook}: checks passed")
        lines.append("  " + "exercise".ljust(width) + "".join(f"{k} {ver}".rjust(15) for ver, k in cols) + "  verdict")
        for e in nb.exercises:
            cells = "".join(_cell(e.results.get(col)).rjust(15) for col in cols)
            lines.append("  " + e.exercise.ljust(width) + cells + "  " + ("ok" if e.ok else "FAIL"))
        for p in nb.problems:
            lines.append(f"  ✗ {p}")
        for e in nb.exercises:
            lines += [f"  ✗ {e.exercise}: {p}" for p in e.problems]
        lines.append("")
    n_ex = sum(len(nb.exercises) for nb in v.notebooks)
    gradings = f"{len(v.notebooks) * len(VERSIONS) * len(KINDS)} gradings, {v.workers} at a time, {v.seconds:.1f} s"
    if v.ok:
        lines.append(f"{_plural(len(v.notebooks), 'notebook')}, {_plural(n_ex, 'exercise')}: every check fails "
                     f"on the blank notebooks and passes on the solved ones ({gradings})")
    else:
        bad = [e.exercise for nb in v.notebooks for e in nb.exercises if not e.ok]
        bad_nb = [nb.notebook for nb in v.notebooks if nb.problems]
        named = ", ".join(bad + bad_nb)
        lines.append(f"NOT AS EXPECTED: {named} ({gradings})")
    return "\n".join(lines)


def _stem(text: str) -> str:
    """A notebook given as its stem or as a path to its .ipynb."""
    name = Path(text).name
    return name[: -len(".ipynb")] if name.endswith(".ipynb") else name


def main(root: Path, notebooks: list[str] | None, workers: int | None, config_path: Path | None) -> int:
    """The command: checks, builds the solved notebooks, validates, prints; an exit status."""
    import sys

    import nbformat

    from grader.author.__main__ import build, sources
    from grader.author.notebooks import build_notebook
    from grader.author.registry import case_problems, course_problems
    from grader.config import ConfigError, load_config
    from grader.run import default_workers

    def author_error(lines: list[str]) -> int:
        for line in lines:
            print(f"grader.author validate: {line}", file=sys.stderr)
        return 2

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        return author_error([str(exc)])
    stems = list(dict.fromkeys(_stem(n) for n in notebooks)) if notebooks else list(NOTEBOOKS)
    unknown = [s for s in stems if s not in NOTEBOOKS]
    if unknown:
        return author_error([f"unknown notebook {s!r}; known: {', '.join(NOTEBOOKS)}" for s in unknown])
    problems = course_problems(root) + case_problems(config.seed)
    if problems:
        return author_error(problems + ["fix these registrations first (docs/adding-an-exercise.md)"])
    if build(root, None, solved=False, check=True):
        return author_error(["the committed notebooks are out of date: run `make notebooks` first"])
    srcs = {p.stem: p for p in sources(root)}
    with tempfile.TemporaryDirectory(prefix="grader-validate-") as tmp:
        solved = {}
        for stem in stems:
            src = srcs[stem]
            nb = build_notebook(src.read_text(encoding="utf-8"), solved=True, where=str(src.relative_to(root)))
            solved[stem] = Path(tmp) / f"{stem}.ipynb"
            solved[stem].write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
        blank = {stem: root / "assignments" / f"{stem}.ipynb" for stem in stems}
        result = validate(stems, blank, solved, config, workers or default_workers())
    print(render(result))
    return 0 if result.ok else 1
