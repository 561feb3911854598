"""Speed feedback: a student's vectorizable exercise timed against the reference."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest

from grader.config import ConfigError, SpeedConfig, load_config
from grader.results import ExerciseResult
from grader.run import grade_class
from grader.speed import apply_speed
from notebook_helpers import ROOT

LABEL = "A_prev (8, 16, 16, 8)"


def result(status="passed", score=4.0):
    return ExerciseResult("conv_backward", status, score, 4.0, "All 18 checks pass.")


def test_a_slow_function_is_told_how_much_slower_and_loses_nothing():
    r = apply_speed(result(), 0.38, 0.001, LABEL, "ok", SpeedConfig())
    assert (r.score, r.max_score) == (4.0, 4.0)
    assert "your conv_backward took 380.0 ms, 380× the 1.0 ms of a vectorized version" in r.feedback
    assert "loop only over the f x f kernel offsets" in r.feedback
    assert r.speed["ratio"] == pytest.approx(380) and not r.speed["fast_enough"]


def test_a_fast_function_is_told_so():
    r = apply_speed(result(), 0.0011, 0.001, LABEL, "ok", SpeedConfig())
    assert "1.1× a vectorized version: fast." in r.feedback and r.speed["fast_enough"]


def test_a_timeout_is_reported_and_nothing_else_changes():
    r = apply_speed(result(), None, 0.001, LABEL, "timeout", SpeedConfig(timeout=20))
    assert "did not finish within 20 s" in r.feedback and r.score == 4.0


def test_no_speed_note_for_an_exercise_that_is_not_there():
    r = result("not_implemented", 0.0)
    assert apply_speed(r, None, 0.001, LABEL, "ok", SpeedConfig()) is r
    assert apply_speed(result(), None, 0.001, LABEL, "error", SpeedConfig()).feedback == "All 18 checks pass."


@pytest.mark.parametrize("status, seconds, earned", [
    ("passed", 0.005, 1.0),    # 5x: within 20x
    ("passed", 0.5, 0.0),      # 500x: too slow
    ("partial", 0.001, 0.0),   # fast but wrong: no speed points
])
def test_speed_points_only_where_the_course_awards_them(status, seconds, earned):
    config = SpeedConfig(points={"conv_backward": 1.0}, max_ratio=20)
    r = apply_speed(result(status, 3.0), seconds, 0.001, LABEL, "ok", config)
    assert r.max_score == 5.0 and r.score == 3.0 + earned and r.speed["points"] == earned


def test_speed_configuration(tmp_path):
    toml = tmp_path / "course.toml"
    toml.write_text("[speed]\nenabled = false\nmax_ratio = 10\npoints = { pool_backward = 0.5 }\n")
    config = load_config(toml)
    assert (config.speed.enabled, config.speed.max_ratio, dict(config.speed.points)) == (False, 10.0, {"pool_backward": 0.5})
    toml.write_text("[speed]\npoints = { relu_backward = 1 }\n")
    with pytest.raises(ConfigError, match="not timed"):
        load_config(toml)
    toml.write_text("[speed]\nfast = 1\n")
    with pytest.raises(ConfigError, match="unknown key 'fast'"):
        load_config(toml)


@pytest.mark.notebook
def test_loops_are_timed_slower_than_the_vectorized_notebook(tmp_path):
    for student in ("ada_correct", "dev_loops"):
        (tmp_path / student).mkdir()
        shutil.copy(ROOT / "examples" / "class" / student / "02_conv_pool_backward.ipynb", tmp_path / student)
    results, _ = grade_class(tmp_path, load_config(None), sandboxed=False, workers=2)
    speed = {(r.student, e.exercise): e.speed for r in results for e in r.exercises if e.speed}
    assert speed[("dev_loops", "conv_backward")]["ratio"] > 30
    assert speed[("dev_loops", "pool_backward")]["ratio"] > 10
    assert speed[("ada_correct", "conv_backward")]["ratio"] < 5
    assert all(e.status == "passed" for r in results for e in r.exercises)


@pytest.mark.notebook
def test_speed_can_be_turned_off(tmp_path):
    (tmp_path / "ada").mkdir()
    shutil.copy(ROOT / "examples" / "class" / "ada_correct" / "03_batchnorm_dropout_backward.ipynb", tmp_path / "ada")
    config = replace(load_config(None), speed=SpeedConfig(enabled=False))
    results, _ = grade_class(tmp_path, config, sandboxed=False)
    assert all(e.speed is None and "Speed:" not in e.feedback for e in results[0].exercises)
