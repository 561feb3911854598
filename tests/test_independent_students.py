"""An independent corpus of hand-written students (tests/students/) against the grader's diagnosis.

Every file of tests/students/ is one imaginary student, written by hand without looking at
the grader's own mistake variants, in the styles students really use (loops, einsum, other
equivalent formulas, in-place edits on copies, helper calls or inlined logic). Its ``EXPECT``
says, per exercise, what the grader must say (tests/students/README.md):

* ``"correct"``: full marks and no finding at all (only the free contract flags the file
  lists in ``FLAGS``): a correct implementation is never charged with a mistake;
* a catalogued mistake id: the grader names that very mistake (a finding of kind
  ``mistake``) and the score is below the maximum;
* ``"blame/..."``: a wrong result caused by the student's own helper is blamed on it;
* ``"contract/..."``: a broken rule of the spec is flagged.

Each file is run with ``exec`` in a namespace that starts as the reference's functions, so the
student's functions override them and look their helpers up in that very namespace: the
one :func:`grader.mutants.judge_in_process` records helper calls in.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from grader.mutants import judge_in_process, reference_namespace
from grader.results import ExerciseResult

STUDENTS = Path(__file__).parent / "students"
CHARGING_KINDS = ("mistake", "blame", "pattern")


def load_student(path: Path) -> dict:
    """The student's namespace: the reference's functions, overridden by the file's."""
    ns = dict(reference_namespace())
    ns["__name__"] = f"student_{path.stem}"
    ns["__file__"] = str(path)
    exec(compile(path.read_text(), str(path), "exec"), ns)
    return ns


def _corpus() -> list[tuple[str, str, object, tuple[str, ...], str | None]]:
    rows = []
    for path in sorted(STUDENTS.glob("*.py")):
        ns = load_student(path)
        flags, xfail = ns.get("FLAGS", {}), ns.get("XFAIL", {})
        for exercise, expectation in ns["EXPECT"].items():
            rows.append((path.stem, exercise, expectation, tuple(flags.get(exercise, ())), xfail.get(exercise)))
    return rows


CORPUS = _corpus()


#: The course's configured seed, and another one: a name must not depend on the draw.
SEEDS = (None, 2024)


@functools.lru_cache(maxsize=None)
def graded(stem: str, exercise: str, seed: int | None = None) -> ExerciseResult:
    """Grade one exercise of one student on the hidden cases (a fresh namespace each time)."""
    return judge_in_process(exercise, load_student(STUDENTS / f"{stem}.py"), seed=seed)


def normalize(expectation) -> dict:
    """An expectation as a dict: kind, id, match, title_contains, score."""
    if isinstance(expectation, dict):
        blame = {"forbid_kinds": ["mistake"]} if expectation.get("kind") == "blame" else {}
        return {"match": "exact", "title_contains": None, "score": "below", **blame, **expectation}
    if expectation == "correct":
        return {"kind": "correct"}
    if expectation.startswith("blame/"):
        # the caller itself is right: blamed on the helper, never charged with a mistake of its own
        return {"kind": "blame", "id": expectation, "match": "prefix", "title_contains": None, "score": "below",
                "forbid_kinds": ["mistake"]}
    if expectation.startswith("contract/"):
        return {"kind": "contract", "id": expectation, "match": "exact", "title_contains": None, "score": "below"}
    return {"kind": "mistake", "id": expectation, "match": "exact", "title_contains": None, "score": "below"}


def _id_matches(finding_id: str, wanted: str, match: str) -> bool:
    return {"exact": finding_id == wanted, "prefix": finding_id.startswith(wanted),
            "contains": wanted in finding_id}[match]


def problems(result: ExerciseResult, expectation, flags: tuple[str, ...] = ()) -> list[str]:
    """What is wrong with what the grader said, given what it should have said (empty: all good)."""
    want = normalize(expectation)
    out = []
    full = result.score >= result.max_score - 1e-9
    if want["kind"] == "correct":
        if not full:
            out.append(f"a correct implementation lost points: {result.score:g}/{result.max_score:g}")
        for f in result.findings:
            if f.kind in CHARGING_KINDS:
                out.append(f"a correct implementation was charged: {f.kind} {f.id!r} ({f.title})")
            elif f.costs_points:
                out.append(f"a correct implementation got a costly contract flag: {f.id!r} ({f.title})")
            elif f.id not in flags:
                out.append(f"unexpected flag on a correct implementation: {f.id!r} ({f.title})")
        got_ids = {f.id for f in result.findings}
        out += [f"expected the free flag {flag!r}" for flag in flags if flag not in got_ids]
        return out
    forbidden = [f for f in result.findings for bad in want.get("forbid", ()) if f.id.startswith(bad)]
    forbidden += [f for f in result.findings if f.kind in want.get("forbid_kinds", ())]
    out += [f"the grader said {f.kind} {f.id!r} ({f.title}), which does not apply here" for f in forbidden]
    if want["kind"] == "wrong":  # wrong, no catalogued name expected: only the score and "forbid"
        if full:
            out.append(f"expected a score below the maximum, got full marks {result.score:g}/{result.max_score:g}")
        return out
    matching = [f for f in result.findings
                if f.kind == want["kind"] and _id_matches(f.id, want["id"], want["match"])
                and (want["title_contains"] is None or want["title_contains"] in f.title)]
    if not matching:
        how = {"exact": "", "prefix": " (id starting with it)", "contains": " (id containing it)"}[want["match"]]
        title = f", title containing {want['title_contains']!r}" if want["title_contains"] else ""
        out.append(f"expected a {want['kind']} finding {want['id']!r}{how}{title}; not found")
    if want["score"] == "below" and full:
        out.append(f"expected a score below the maximum, got full marks {result.score:g}/{result.max_score:g}")
    if want["score"] == "full" and not full:
        out.append(f"expected full marks, got {result.score:g}/{result.max_score:g}")
    return out


def describe(result: ExerciseResult) -> str:
    """What the grader said, for a failure message."""
    lines = [f"{result.exercise}: status {result.status}, score {result.score:g}/{result.max_score:g}",
             "findings:" if result.findings else "findings: none"]
    for f in result.findings:
        lines.append(f"  - {f.kind} {f.id!r}: {f.title} (outputs {list(f.outputs)}, cases {list(f.cases)}, "
                     f"costs_points={f.costs_points})")
    lines.append(f"feedback: {result.feedback}")
    failed = [c for c in result.checks if not c.passed]
    if failed:
        lines.append(f"failed checks ({len(failed)}/{len(result.checks)}):")
        lines += [f"  - {c.id}: {c.message}" for c in failed[:8]]
    return "\n".join(lines)


def _param(stem, exercise, expectation, flags, xfail):
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    return pytest.param(stem, exercise, expectation, flags, marks=marks, id=f"{stem}::{exercise}")


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: "course_seed" if s is None else f"seed{s}")
@pytest.mark.parametrize("stem,exercise,expectation,flags", [_param(*row) for row in CORPUS])
def test_the_grader_says_what_the_student_did(stem, exercise, expectation, flags, seed):
    result = graded(stem, exercise, seed)
    found = problems(result, expectation, flags)
    assert not found, (f"student {stem}, expected {expectation!r}:\n  " + "\n  ".join(found)
                       + "\n\nthe grader said:\n" + describe(result))


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: "course_seed" if s is None else f"seed{s}")
def test_no_correct_student_is_charged_with_a_mistake(seed):
    """Across the corpus: no correct exercise gets a mistake, blame or pattern finding."""
    charged = []
    for stem, exercise, expectation, _, xfail in CORPUS:
        if expectation != "correct" or xfail:
            continue
        result = graded(stem, exercise, seed)
        bad = [f"{f.kind} {f.id}" for f in result.findings if f.kind in CHARGING_KINDS]
        if bad or result.score < result.max_score - 1e-9:
            charged.append(f"{stem}::{exercise}: {result.score:g}/{result.max_score:g} {bad}")
    assert not charged, "correct students charged:\n" + "\n".join(charged)


def test_the_corpus_is_broad_and_names_only_catalogued_mistakes():
    from grader.exercises import EXERCISES
    from grader.mistakes import all_mistakes

    catalog = {m.key for m in all_mistakes()}
    by_exercise: dict[str, set[str]] = {}
    for stem, exercise, expectation, _, _ in CORPUS:
        assert exercise in EXERCISES, f"{stem}: unknown exercise {exercise!r}"
        want = normalize(expectation)
        if want["kind"] == "mistake":
            assert want["id"] in catalog, f"{stem}: {want['id']!r} is not in the grader's catalog"
            assert want["id"].split("/")[0] == exercise, f"{stem}: {want['id']!r} is not a mistake of {exercise}"
        by_exercise.setdefault(exercise, set()).add(want["kind"])
    for exercise in EXERCISES:
        kinds = by_exercise.get(exercise, set())
        assert "correct" in kinds, f"no correct student for {exercise}"
        assert kinds - {"correct"}, f"no wrong student for {exercise}"


def test_feedback_never_calls_a_wrong_value_1_times_the_expected():
    """A "k times the expected ones" hint with k printed as 1 tells the student nothing."""
    said = []
    for stem, exercise, _, _, _ in CORPUS:
        result = graded(stem, exercise)
        said += [f"{stem}::{exercise}: {line.strip()}" for line in result.feedback.splitlines()
                 if "are 1 times the expected" in line]
    assert not said, "\n".join(said)
