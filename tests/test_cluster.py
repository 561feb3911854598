"""grader grade --dask: the same grading on a Dask cluster (a LocalCluster on loopback)."""

from __future__ import annotations

import shutil

import pytest

from grader.cli import main
from grader.config import CourseConfig, load_config
from grader.run import grade_class
from notebook_helpers import ROOT, timing_free

distributed = pytest.importorskip("distributed", reason="dask.distributed is a test dependency")
pytestmark = [pytest.mark.notebook]

STUDENTS = ("ada_correct", "cho_mistakes")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, host="127.0.0.1", dashboard_address=None,
                                  processes=True) as c:
        yield c


@pytest.fixture(scope="module")
def small_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    for student in STUDENTS:
        (root / student).mkdir()
        shutil.copy(ROOT / "examples" / "class" / student / "01_deep_nn_backward.ipynb", root / student)
        shutil.copy(ROOT / "examples" / "class" / student / "03_batchnorm_dropout_backward.ipynb", root / student)
    return root


def test_the_config_travels_as_plain_data():
    config = load_config(None)
    assert CourseConfig.from_dict(config.to_dict()) == config


def test_a_dask_cluster_grades_like_this_machine(cluster, small_class):
    local = grade_class(small_class, load_config(None), sandboxed=False, workers=2)
    seen = []
    remote = grade_class(small_class, load_config(None), sandboxed=False, dask=cluster.scheduler_address,
                         on_result=seen.append)
    assert [timing_free(r) for r in remote.results] == [timing_free(r) for r in local.results]
    assert [r.path for r in remote.results] == [str(p) for p in sorted(small_class.glob("*/*.ipynb"))]
    assert len(seen) == 4


@pytest.mark.sandbox
def test_dask_workers_sandbox_locally(cluster, small_class, tmp_path):
    out = tmp_path / "grades"
    assert main(["grade", str(small_class), "--out", str(out), "--dask", cluster.scheduler_address, "--quiet"]) == 0
    assert (out / "grades.csv").read_text().count("\n") == 1 + 2 * (6 + 3)


def test_an_unreachable_scheduler_is_a_one_line_error(small_class, capsys):
    assert main(["grade", str(small_class), "--out", "/tmp/unused-grades", "--dask", "tcp://127.0.0.1:9", "--quiet",
                 "--force"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("grader: cannot reach the Dask scheduler at tcp://127.0.0.1:9") and err.count("\n") == 1
