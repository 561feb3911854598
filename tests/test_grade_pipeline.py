"""Grading real notebooks in real kernels (fixture notebooks made from the assignments).

Does a solved notebook get full marks on the hidden cases? A blank one 0, with "not
implemented yet"? Does an infinite loop cost only its exercise? Does a cell that kills
the kernel, or prints megabytes, leave the rest graded? Is a deleted or broken graded
cell reported by name? Does the wall-clock limit kill the worker and its kernel?
"""

import json
import time

import psutil
import pytest

from grader.cli import main
from grader.config import CourseConfig
from grader.exercises import NOTEBOOKS
from grader.grade import Submission, grade_submission, hidden_case_set
from notebook_helpers import STEMS, built, delete_graded, edit_graded, insert_code, write_nb

pytestmark = pytest.mark.notebook
CONFIG = CourseConfig().with_limits(cell_timeout=10, notebook_timeout=120)


def grade(path, stem, config=CONFIG):
    return grade_submission(Submission(path.parent.name, stem, path), hidden_case_set(stem, config), config)


def statuses(result):
    return {e.exercise: e.status for e in result.exercises}


@pytest.mark.parametrize("stem", STEMS)
def test_a_solved_notebook_gets_full_marks_on_the_hidden_cases(stem, tmp_path):
    r = grade(write_nb(built(stem, solved=True), tmp_path / "ada" / f"{stem}.ipynb"), stem)
    assert statuses(r) == {n: "passed" for n in NOTEBOOKS[stem]}, [e.feedback for e in r.exercises]
    assert r.score == r.max_score > 0
    assert r.notes == ()


def test_a_blank_notebook_gets_zero_and_not_implemented(tmp_path):
    stem = "02_conv_pool_backward"
    r = grade(write_nb(built(stem, solved=False), tmp_path / "ben" / f"{stem}.ipynb"), stem)
    assert set(statuses(r).values()) == {"not_implemented"}
    assert r.score == 0
    assert all("not implemented yet" in e.feedback for e in r.exercises)


@pytest.fixture(scope="module")
def troubled(tmp_path_factory):
    """Notebook 03, solved, with: a cell that prints 5 MB, a cell that kills its kernel,
    a demo cell that would sleep for minutes, and a dropout_backward that loops forever."""
    stem = "03_batchnorm_dropout_backward"
    nb = built(stem, solved=True)
    insert_code(nb, 1, "print('x' * 5_000_000)")
    insert_code(nb, 2, "import os\nos._exit(3)")
    insert_code(nb, len(nb.cells), "import time\ntime.sleep(600)", tags=("demo",))
    edit_graded(nb, "dropout_backward", '    mode = dropout_param["mode"]\n',
                '    mode = dropout_param["mode"]\n    while True:\n        pass\n')
    path = write_nb(nb, tmp_path_factory.mktemp("troubled") / "cal" / f"{stem}.ipynb")
    config = CourseConfig().with_limits(cell_timeout=3, notebook_timeout=120, output_limit=20_000)
    start = time.monotonic()
    result = grade(path, stem, config)
    return result, time.monotonic() - start


def test_an_infinite_loop_costs_only_its_exercise(troubled):
    r, _ = troubled
    s = statuses(r)
    assert s["dropout_backward"] == "timeout"
    assert "interrupted after the time limit" in r.exercises[2].feedback
    assert s["batchnorm_backward"] == s["batchnorm_backward_alt"] == "passed"


def test_a_cell_that_kills_the_kernel_is_skipped_and_noted(troubled):
    r, _ = troubled
    assert any("killed the kernel" in n for n in r.notes), r.notes


def test_output_is_capped(troubled):
    r, _ = troubled
    assert len(r.output) <= 20_000
    assert any("output limit" in n for n in r.notes)


def test_demo_cells_are_skipped(troubled):
    _, seconds = troubled
    assert seconds < 60  # the demo cell would sleep 600 s


def test_a_syntax_error_and_a_deleted_cell_are_named(tmp_path):
    stem = "01_deep_nn_backward"
    nb = built(stem, solved=True)
    edit_graded(nb, "linear_backward", "np.dot(dZ, A_prev.T) / m", "np.dot(dZ, A_prev.T / m")
    delete_graded(nb, "update_parameters")
    r = grade(write_nb(nb, tmp_path / "eve" / f"{stem}.ipynb"), stem)
    s = statuses(r)
    assert s["linear_backward"] == "missing"
    assert "its cell raised SyntaxError" in r.exercises[2].feedback
    assert s["update_parameters"] == "missing"
    assert "deleted or renamed" in r.exercises[5].feedback
    assert s["relu_backward"] == s["sigmoid_backward"] == "passed"
    # callers of the broken helper fail with the NameError they hit, located in their cell
    assert s["linear_activation_backward"] == "error"
    assert "NameError" in r.exercises[3].feedback


def test_the_wall_clock_limit_kills_the_worker_and_its_kernel(tmp_path):
    stem = "03_batchnorm_dropout_backward"
    nb = built(stem, solved=True)
    insert_code(nb, 1, "import time\nfor _ in range(100):\n    time.sleep(1)")
    path = write_nb(nb, tmp_path / "tim" / f"{stem}.ipynb")
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    config = CourseConfig().with_limits(cell_timeout=60, notebook_timeout=6)
    start = time.monotonic()
    r = grade(path, stem, config)
    assert time.monotonic() - start < 30
    assert set(statuses(r).values()) == {"timeout"}
    assert any("longer than 6 s" in n for n in r.notes)
    time.sleep(0.5)
    leftover = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
    assert leftover == []
    assert not any(str(tmp_path) in " ".join(p.cmdline()) for p in psutil.process_iter(["cmdline"])
                   if p.info["cmdline"])


def test_grader_check_exits_0_on_a_solved_notebook_and_1_on_a_blank_one(tmp_path, capsys):
    stem = "03_batchnorm_dropout_backward"
    solved = write_nb(built(stem, solved=True), tmp_path / "me" / f"{stem}.ipynb")
    blank = write_nb(built(stem, solved=False), tmp_path / "me2" / "my homework.ipynb")
    assert main(["check", str(solved)]) == 0
    out = capsys.readouterr().out
    assert "3 of 3 exercises pass" in out
    assert main(["check", str(blank), "--json"]) == 1  # the assignment is told from the graded cells
    data = json.loads(capsys.readouterr().out)
    assert data["assignment"] == stem
    assert {e["status"] for e in data["exercises"]} == {"not_implemented"}


def test_a_loop_that_swallows_interrupts_costs_only_its_cell_and_its_exercise(tmp_path):
    stem = "03_batchnorm_dropout_backward"
    nb = built(stem, solved=True)
    stubborn = "    while True:\n        try:\n            pass\n        except KeyboardInterrupt:\n            pass\n"
    insert_code(nb, 1, "while True:\n    try:\n        pass\n    except KeyboardInterrupt:\n        pass")
    edit_graded(nb, "dropout_backward", '    mode = dropout_param["mode"]\n',
                '    mode = dropout_param["mode"]\n' + stubborn)
    config = CourseConfig().with_limits(cell_timeout=2, notebook_timeout=120)
    r = grade(write_nb(nb, tmp_path / "sam" / f"{stem}.ipynb"), stem, config)
    assert statuses(r) == {"batchnorm_backward": "passed", "batchnorm_backward_alt": "passed",
                           "dropout_backward": "timeout"}, [e.feedback for e in r.exercises]
    assert any("cell 2" in n and "interrupted after the time limit" in n for n in r.notes), r.notes


def test_a_notebook_that_fills_its_folder_is_stopped(tmp_path):
    stem = "03_batchnorm_dropout_backward"
    nb = built(stem, solved=True)
    insert_code(nb, 1, "import time\nfor i in range(40):\n"
                       "    open(f'fill{i}', 'wb').write(b'x' * (8 << 20))\n    time.sleep(0.1)")
    config = CourseConfig().with_limits(cell_timeout=30, notebook_timeout=120).with_sandbox(job_mb=32)
    start = time.monotonic()
    r = grade(write_nb(nb, tmp_path / "fil" / f"{stem}.ipynb"), stem, config)
    assert time.monotonic() - start < 20
    assert r.notes[0] == "the notebook wrote more than 32 MB into its folder (or too many files) and was stopped"
    assert set(statuses(r).values()) == {"not_run"}
