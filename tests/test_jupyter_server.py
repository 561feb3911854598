"""The notebooks in a real Jupyter server, driven the way JupyterLab drives them.

A Jupyter server runs on 127.0.0.1 with a token, serving a temporary folder that holds the
solved and the blank notebooks (:mod:`jupyter_helpers`). Each notebook is loaded with
``GET /api/contents``, given a kernel with ``POST /api/sessions``, run cell by cell over the
kernel websocket, and saved with ``PUT /api/contents``.

Does a solved notebook run every cell without an error, each self-check printing its pass
line? Does a blank notebook run top to bottom too, each self-check saying what is missing?
Does saving through Jupyter keep a valid notebook with the same cell ids, and leave an
unchanged notebook byte for byte what the builder wrote? Does JupyterLab's page load? Does
shutting the server down leave no kernel behind?
"""

from __future__ import annotations

import json
import shutil
import urllib.parse

import nbformat
import psutil
import pytest

from grader.exercises import NOTEBOOKS
from jupyter_helpers import execute_cells, start_server, stop_server
from notebook_helpers import ROOT, STEMS, built, errors, has_image, selfchecks, text_of
from test_notebook_format import assert_valid

pytestmark = [pytest.mark.notebook, pytest.mark.jupyter]

PUBLIC = json.loads((ROOT / "grader" / "data" / "public_cases.json").read_text(encoding="utf-8"))["exercises"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the module, its root holding ``solved/<stem>.ipynb`` (the build with
    the reference in every block) and ``blank/<stem>.ipynb`` (the committed notebook)."""
    tmp = tmp_path_factory.mktemp("jupyter")
    root = tmp / "root"
    for stem in STEMS:
        (root / "solved").mkdir(parents=True, exist_ok=True)
        (root / "blank").mkdir(exist_ok=True)
        (root / "solved" / f"{stem}.ipynb").write_text(nbformat.writes(built(stem, solved=True)) + "\n", encoding="utf-8")
        shutil.copyfile(ROOT / "assignments" / f"{stem}.ipynb", root / "blank" / f"{stem}.ipynb")
    srv = start_server(root, tmp / "state")
    yield srv
    killed = stop_server(srv)
    assert not killed, f"processes had to be killed after POST /api/shutdown: {killed}\n{srv.log_tail()}"


def _path(path: str) -> str:
    return urllib.parse.quote(path)


def open_and_run(server, path: str):
    """Load ``path`` as JupyterLab does, run every code cell in a kernel of its own session,
    and return the notebook with the outputs in its cells, and each cell's execute_reply."""
    model = server.api("GET", f"/api/contents/{_path(path)}?type=notebook&content=1")
    assert (model["type"], model["format"], model["path"]) == ("notebook", "json", path)
    nb = nbformat.from_dict(model["content"])
    on_disk = json.loads((server.root / path).read_text(encoding="utf-8"))
    assert [c.id for c in nb.cells] == [c["id"] for c in on_disk["cells"]]
    session = server.api("POST", "/api/sessions", {"path": path, "name": path.rsplit("/", 1)[-1],
                                                   "type": "notebook", "kernel": {"name": "python3"}}, expect=201)
    try:
        assert session["kernel"]["name"] == "python3"
        code = [c for c in nb.cells if c.cell_type == "code"]
        runs = execute_cells(server, session["kernel"]["id"], [c.source for c in code])
    finally:
        server.api("DELETE", f"/api/sessions/{session['id']}", expect=204)
    for cell, run in zip(code, runs):
        cell.outputs = run.outputs
        cell.execution_count = run.reply.get("execution_count")
    return nb, [run.reply for run in runs]


def _cells_without_outputs(nb: dict) -> list[dict]:
    return [{k: v for k, v in c.items() if k not in ("outputs", "execution_count")} for c in nb["cells"]]


@pytest.mark.parametrize("stem", STEMS)
def test_a_solved_notebook_runs_in_jupyter_passes_every_selfcheck_and_saves(server, stem):
    path = f"solved/{stem}.ipynb"
    before = json.loads((server.root / path).read_text(encoding="utf-8"))
    nb, replies = open_and_run(server, path)
    assert errors(nb) == []
    assert [r["status"] for r in replies] == ["ok"] * len(replies), replies
    verdicts = selfchecks(nb)
    assert sorted(verdicts) == sorted(NOTEBOOKS[stem])
    for name, text in verdicts.items():
        n = len(PUBLIC[name])
        expected = f"✅ {name} passes " + ("its public check." if n == 1 else f"all {n} public checks.")
        assert text.splitlines()[0] == expected, text
        assert "❌" not in text and "Traceback" not in text, text
    demo = [c for c in nb.cells if c.cell_type == "code" and "demo" in c.metadata.get("tags", [])]
    assert any(has_image(c) for c in demo), "the demo shows no figure"

    # save it as JupyterLab does (Ctrl-S): the file keeps its cells and ids, gains the outputs
    server.api("PUT", f"/api/contents/{_path(path)}", {"type": "notebook", "format": "json", "content": nb})
    saved_text = (server.root / path).read_text(encoding="utf-8")
    saved = assert_valid(saved_text, f"{path} saved by Jupyter")
    assert _cells_without_outputs(saved) == _cells_without_outputs(before)
    checks = [c for c in nbformat.reads(saved_text, as_version=4).cells if "selfcheck" in c.metadata.get("tags", [])]
    assert [text_of(c).split("\n", 1)[0] for c in checks] == [
        verdicts[name].split("\n", 1)[0] for name in NOTEBOOKS[stem]]
    again = server.api("GET", f"/api/contents/{_path(path)}?type=notebook&content=1")["content"]
    assert [c["id"] for c in again["cells"]] == [c["id"] for c in before["cells"]]


@pytest.mark.parametrize("stem", STEMS)
def test_a_blank_notebook_runs_in_jupyter_top_to_bottom_and_every_selfcheck_fails(server, stem):
    nb, replies = open_and_run(server, f"blank/{stem}.ipynb")
    assert errors(nb) == []
    assert [r["status"] for r in replies] == ["ok"] * len(replies), replies
    verdicts = selfchecks(nb)
    assert sorted(verdicts) == sorted(NOTEBOOKS[stem])
    for name, text in verdicts.items():
        assert text.startswith(f"❌ {name} is not implemented yet (it returned None)."), text
        assert "✅" not in text and "Traceback" not in text, text


def test_saving_an_unchanged_notebook_through_jupyter_rewrites_the_same_bytes(server):
    """Open and save without an edit: Jupyter writes exactly what the builder wrote."""
    path = f"blank/{STEMS[0]}.ipynb"
    original = (server.root / path).read_bytes()
    model = server.api("GET", f"/api/contents/{_path(path)}?type=notebook&content=1")
    server.api("PUT", f"/api/contents/{_path(path)}", {"type": "notebook", "format": "json",
                                                        "content": model["content"]})
    assert (server.root / path).read_bytes() == original


def test_jupyterlab_page_loads(server):
    """JupyterLab (in the test extra) serves its page from the same server."""
    status, body = server.request("GET", "/lab")
    page = body.decode("utf-8", errors="replace")
    assert status == 200, page[:2000]
    assert "jupyter-config-data" in page and "JupyterLab" in page, page[:2000]


def test_shutting_the_server_down_leaves_no_kernel_behind(tmp_path):
    (tmp_path / "root").mkdir()
    server = start_server(tmp_path / "root", tmp_path / "state")
    try:
        kernel = server.api("POST", "/api/kernels", {"name": "python3"}, expect=201)
        assert [k["id"] for k in server.api("GET", "/api/kernels")] == [kernel["id"]]
        server.remember_kernels()
        kernels = [psutil.Process(pid) for pid in server.kernels]
        assert any("ipykernel" in " ".join(p.cmdline()) for p in kernels), [p.cmdline() for p in kernels]
        assert server.request("POST", "/api/shutdown")[0] == 200
        assert server.proc.wait(timeout=120) == 0, server.log_tail()
        _, alive = psutil.wait_procs(kernels, timeout=60)
        assert alive == [], [p.cmdline() for p in alive]
        assert list(server.runtime.glob("jpserver-*")) == []
    finally:
        killed = stop_server(server)
    assert killed == []
