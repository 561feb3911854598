"""Parity between ``grader check`` and grading (grader/parity.py; docs/release.md).

Does the comparison stay quiet when the environments match (patch releases included),
and name both values when Python, numpy, a tolerance, the public seed or the release
differ? Does ``grader check`` in the instructor's checkout compare with course.toml?
Does ``[tolerance]`` change how grading compares, and is the hidden seed never recorded?
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from notebook_helpers import built, write_nb

from grader.case import Case
from grader.cli import main
from grader.config import ConfigError, CourseConfig, Tolerance, load_config
from grader.judge import judge_exercise
from grader.parity import (
    Parity,
    Profile,
    ProfileError,
    compare_profiles,
    grading_profile,
    read_profile,
    render_parity,
    this_environment,
)

BASE = Profile(python="3.11.9", numpy="1.26.4", rtol=1e-7, atol_scale=1e-9, public_seed=2024, release="0.1.0",
               source="test")


def settings(warnings) -> list[tuple[str, str, str]]:
    return [(w.setting, w.yours, w.grading) for w in warnings]


def test_the_same_environment_gives_no_warning():
    assert compare_profiles(BASE, replace(BASE, source="grading")) == ()


@pytest.mark.parametrize("field, yours, grading", [
    ("numpy", "1.26.4", "1.26.0"),
    ("python", "3.11.9", "3.11.2"),
    ("python", "3.11.9", "3.11"),       # a declared grading environment may name only major.minor
    ("numpy", "2.1.3", "2.1"),
])
def test_a_patch_release_is_no_difference(field, yours, grading):
    assert compare_profiles(replace(BASE, **{field: yours}), replace(BASE, **{field: grading})) == ()


@pytest.mark.parametrize("yours, grading", [("2.1.3", "1.26.4"), ("1.25.2", "1.26.4"), ("2.0.0rc1", "2.1.0")])
def test_another_numpy_major_or_minor_warns_naming_both(yours, grading):
    warnings = compare_profiles(replace(BASE, numpy=yours), replace(BASE, numpy=grading))
    assert settings(warnings) == [("numpy", yours, grading)]
    message = warnings[0].message
    assert message.startswith(f"your numpy is {yours}; grading uses {grading}: results can differ in the last digits")
    assert f'pip install "numpy=={grading}"' in message


def test_another_python_warns_naming_both():
    warnings = compare_profiles(replace(BASE, python="3.12.1"), BASE)
    assert settings(warnings) == [("python", "3.12.1", "3.11.9")]
    assert "your Python is 3.12.1; grading uses 3.11.9" in warnings[0].message
    assert "Python 3.11" in warnings[0].message


@pytest.mark.parametrize("field", ["rtol", "atol_scale"])
def test_another_tolerance_warns_naming_both_values_and_which_is_stricter(field):
    looser = compare_profiles(BASE, replace(BASE, **{field: getattr(BASE, field) * 10}))
    stricter = compare_profiles(BASE, replace(BASE, **{field: getattr(BASE, field) / 10}))
    yours = f"{getattr(BASE, field):g}"
    assert settings(looser) == [(field, yours, f"{getattr(BASE, field) * 10:g}")]
    assert settings(stricter) == [(field, yours, f"{getattr(BASE, field) / 10:g}")]
    assert f"this check compares with {field} {yours}; grading uses {field} {getattr(BASE, field) * 10:g}" \
        in looser[0].message
    assert "more lenient" in looser[0].message and "stricter" in stricter[0].message


def test_the_public_seed_the_release_and_the_dtype_are_compared():
    grading = replace(BASE, public_seed=7, release="0.2.0", dtype="float32")
    assert settings(compare_profiles(BASE, grading)) == [
        ("dtype", "float64", "float32"), ("public_seed", "2024", "7"), ("release", "0.1.0", "0.2.0")]
    unknown = replace(BASE, public_seed=None, release=None)
    assert compare_profiles(unknown, grading)[1:] == ()  # unknown on one side: nothing to compare


def test_the_comparison_is_symmetric_in_what_it_flags():
    other = replace(BASE, numpy="2.0.1", python="3.12.0", rtol=1e-6)
    assert [w.setting for w in compare_profiles(BASE, other)] == [w.setting for w in compare_profiles(other, BASE)]


def test_the_text_rendering_lists_every_warning_or_says_it_matches():
    same = Parity(BASE, replace(BASE, source="the grading profile of release 0.1.0"), ())
    assert render_parity(same).endswith("as in grading (the grading profile of release 0.1.0).")
    grading = replace(BASE, numpy="2.1.3", rtol=1e-6)
    text = render_parity(Parity(BASE, grading, compare_profiles(BASE, grading)))
    assert "Parity warnings" in text and "your numpy is 1.26.4; grading uses 2.1.3" in text and "rtol 1e-06" in text


def test_a_profile_round_trips_through_its_file_without_its_source(tmp_path):
    data = BASE.to_dict(source=False)
    assert "source" not in data and data["format"] == 1
    (tmp_path / "p.json").write_text(json.dumps(data))
    assert replace(read_profile(tmp_path / "p.json"), source="test") == BASE


@pytest.mark.parametrize("content, message", [
    (None, "does not exist"),
    ("{not json", "not a grading profile"),
    ("[]", "expected a JSON object"),
    (json.dumps({"format": 1, "python": "3.11"}), "has no 'numpy'"),
    (json.dumps({**BASE.to_dict(source=False), "rtol": "small"}), "'rtol'"),
    (json.dumps({**BASE.to_dict(source=False), "format": 2}), "format 2"),
])
def test_a_bad_profile_is_a_one_line_error(tmp_path, content, message):
    path = tmp_path / "p.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ProfileError, match=message):
        read_profile(path)


def test_the_environment_records_no_hidden_seed():
    config = CourseConfig(seed=987654321, source="course.toml")
    env = this_environment(config)
    assert env.course_config is True and env.numpy == np.__version__ and env.dtype == "float64"
    assert "987654321" not in json.dumps(env.to_dict())
    assert "987654321" not in json.dumps(grading_profile(config).to_dict())


def test_in_the_checkout_grading_is_the_local_configuration(tmp_path):
    (tmp_path / "course.toml").write_text('[tolerance]\nrtol = 1e-6\n[environment]\nnumpy = "1.26.4"\n')
    config = load_config(tmp_path / "course.toml")
    profile = grading_profile(config)
    assert (profile.numpy, profile.rtol, profile.course_config) == ("1.26.4", 1e-6, True)
    assert profile.source == f"the configuration {tmp_path / 'course.toml'}"
    assert grading_profile(CourseConfig()).source == "the default configuration"


# --- course.toml -----------------------------------------------------------------------------

def test_tolerance_and_environment_are_read_from_course_toml(tmp_path):
    path = tmp_path / "course.toml"
    path.write_text('[tolerance]\nrtol = 1e-6\natol_scale = 1e-8\n[environment]\npython = "3.11"\nnumpy = "1.26.4"\n')
    config = load_config(path)
    assert config.tolerance == Tolerance(rtol=1e-6, atol_scale=1e-8)
    assert (config.environment.python, config.environment.numpy) == ("3.11", "1.26.4")
    assert CourseConfig.from_dict(config.to_dict()).tolerance == config.tolerance  # for a Dask worker


@pytest.mark.parametrize("text, message", [
    ("[tolerance]\nrtol = 0\n", "between 0 and 1"),
    ("[tolerance]\nrtol = true\n", "between 0 and 1"),
    ("[tolerance]\ntol = 1e-7\n", "unknown key 'tol'"),
    ('[environment]\nnumpy = "latest"\n', "must be a version"),
    ("[environment]\npython = 3.11\n", "must be a version"),
    ('[environment]\nscipy = "1.0"\n', "unknown key 'scipy'"),
])
def test_bad_tolerance_or_environment_is_a_config_error(tmp_path, text, message):
    (tmp_path / "course.toml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path / "course.toml")


def test_the_tolerance_decides_a_value_check():
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    got = expected * (1 + 1e-6)
    case = Case("relu_backward", "shape (2, 2)", (expected, expected))
    record = {"defined": True, "cases": [{"output": got}]}

    def status(tolerance):
        return judge_exercise("relu_backward", [case], [expected], record, "ok", 1.0, [], True,
                              tolerance=tolerance).status

    assert status((1e-7, 1e-9)) == "failed"
    assert status((1e-5, 1e-9)) == "passed"


# --- grader check in the instructor's checkout --------------------------------------------------

@pytest.mark.notebook
def test_check_in_the_checkout_warns_when_course_toml_declares_another_grading_numpy(tmp_path, capsys,
                                                                                      monkeypatch):
    stem = "03_batchnorm_dropout_backward"
    notebook = write_nb(built(stem, solved=True), tmp_path / "me" / f"{stem}.ipynb")
    other = "1.26.4" if not np.__version__.startswith("1.26.") else "2.1.3"
    config = tmp_path / "course.toml"
    config.write_text(f'[environment]\nnumpy = "{other}"\n[tolerance]\nrtol = 1e-6\n')

    assert main(["check", str(notebook), "--config", str(config), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["parity"]["environment"]["rtol"] == 1e-6  # the check itself uses the course's tolerance
    assert [(w["setting"], w["yours"], w["grading"]) for w in data["parity"]["warnings"]] == [
        ("numpy", np.__version__, other)]
    monkeypatch.chdir(notebook.parent)  # no ./course.toml: the defaults
    assert main(["check", str(notebook)]) == 0
    assert "as in grading (the default configuration)" in capsys.readouterr().out
