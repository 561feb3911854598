"""Smoke test of the benchmarks (bench/): they build what they time. Nothing is timed
and nothing is asserted about speed; ``make bench`` runs them (docs/benchmarks.md).

Does nbgrader's version of each notebook give a solved notebook full marks? Do the
benchmark's cases and their cut-down parts agree with the loop versions? Does the
summary call a target met only when it is?
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # bench/ is not an installed package
    sys.path.append(str(ROOT))

from bench import bench_nbgrader, naive  # noqa: E402
from bench.bench_class import TEMPLATES, generate_class  # noqa: E402
from bench.common import CASES, Case, build, reference, rel_diff, subset  # noqa: E402
from bench.run_all import summary, verdict  # noqa: E402
from grader.exercises import NOTEBOOKS  # noqa: E402

STEMS = sorted(NOTEBOOKS)


@pytest.mark.parametrize("stem", STEMS)
def test_nbgrader_version_of_a_notebook_gives_the_solved_one_full_marks(stem):
    nb = bench_nbgrader.source_notebook(stem)
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert [c.metadata["nbgrader"]["grade_id"] for c in tests] == [f"test_{n}" for n in NOTEBOOKS[stem]]
    assert not any("demo" in c.metadata.get("tags", []) or "selfcheck" in c.metadata.get("tags", [])
                   for c in nb.cells)
    ns: dict = {}
    for cell in nb.cells:  # as nbgrader's kernel would, with ada_correct's answers
        if cell.cell_type == "code":
            exec(compile(cell.source, f"<{stem}>", "exec"), ns)


def test_nbgrader_tests_fail_a_blank_notebook():
    nb = bench_nbgrader.source_notebook("01_deep_nn_backward")
    blank = bench_nbgrader.graded_cells(nbformat.read(ROOT / "examples" / "class" / "ben_blank" /
                                                      "01_deep_nn_backward.ipynb", as_version=4))
    ns: dict = {}
    failed = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        source = blank[meta["grade_id"]] if meta.get("solution") else cell.source
        try:
            exec(compile(source, "<blank>", "exec"), ns)
        except Exception:
            failed += 1
    assert failed == len(NOTEBOOKS["01_deep_nn_backward"])


def test_generated_class_has_every_template_in_turn(tmp_path):
    templates = generate_class(tmp_path, 5)
    assert list(templates.values()) == [*TEMPLATES, TEMPLATES[0]]
    assert len(list(tmp_path.glob("*/*.ipynb"))) == 15


@pytest.mark.parametrize("case", [c for c in CASES if c.size == "course"], ids=lambda c: f"{c.function} {c.shape}")
def test_course_cases_and_their_parts_match_the_loops(case: Case):
    args = build(case)
    loop = naive.batchnorm_backward if case.kind == "bn" else getattr(naive, case.function.split()[0])
    for part in (args, subset(case, args, 2)):
        assert rel_diff(loop(part[0], part[1], **part[2]), reference(case)(part[0], part[1], **part[2])) < 1e-12


def test_every_target_shape_is_a_case():
    assert {c.target for c in CASES} - {""} == {
        "conv A", "conv B", "max pool f=2", "max pool f=3", "batchnorm alt 256x64", "batchnorm alt 1024x512"}


def test_verdict_passes_only_when_the_goal_is_met():
    assert verdict(2.5, 2.0, True) == ("PASS", "by 1.25x")
    assert verdict(1.0, 2.0, True) == ("MISS", "short by 2.00x")
    assert verdict(0.5, 1.0, False) == ("PASS", "by 2.00x")
    assert verdict(3.0, 2.0, False) == ("MISS", "short by 1.50x")


def test_summary_skips_what_was_not_measured():
    rows = summary(None, None)
    assert len(rows) == 8 and {r[3] for r in rows} == {"SKIP"}
    target = next(c for c in CASES if c.target == "conv A")
    ref = {"rows": [{"case": target, "ref": 0.01, "torch": 0.02}], "peak": 100.0}
    klass = {"workers": 2, "rows": {"ours": {"rate": 3.0}, "nbgrader": {"rate": 0.5}}}
    verdicts = [r[3] for r in summary(ref, klass)]
    assert verdicts == ["PASS", "PASS", "PASS"] + ["SKIP"] * 5  # the other target shapes were not measured
