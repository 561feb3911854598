"""A real Jupyter server for the tests, and a client that runs a notebook through it the way
JupyterLab does: the REST API for contents and sessions, the kernel websocket for code.

:func:`start_server` starts ``python -m jupyter_server`` on 127.0.0.1 (a free port the OS
picks, a random token), with its root, runtime, data, config and IPython dirs under a
temporary folder, so nothing reads or writes the user's home. :func:`stop_server` asks
it to shut down (``POST /api/shutdown``), terminates it if it does not, and kills any
kernel it leaves behind. :func:`execute_cells` is the kernel side of "Run All": one
``execute_request`` per code cell over ``/api/kernels/<id>/channels``, the outputs
collected from iopub until the kernel is idle again.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import psutil

#: Seconds to wait for the server to answer, for a reply to one cell, for a whole notebook.
STARTUP_TIMEOUT = 90
CELL_TIMEOUT = 180
NOTEBOOK_TIMEOUT = 600

#: Environment variables that would point the server at the user's own Jupyter set-up.
_FOREIGN_ENV = ("JUPYTER_TOKEN", "JUPYTER_PORT", "JUPYTER_PORT_RETRIES", "JUPYTER_CONFIG_PATH",
                "JUPYTER_PATH", "JUPYTER_SERVER_ROOT", "JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR",
                "JUPYTER_CONFIG_DIR", "IPYTHONDIR", "MPLCONFIGDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME",
                "XDG_DATA_HOME", "XDG_STATE_HOME", "npm_config_cache")


class JupyterError(AssertionError):
    """The server or a kernel did not do what Jupyter does; the message says what."""


@dataclass
class JupyterServer:
    """A running server: ``url`` is ``http://127.0.0.1:<port>``."""

    proc: subprocess.Popen
    url: str
    token: str
    root: Path
    runtime: Path
    log: Path
    kernels: set[int] = field(default_factory=set)

    def log_tail(self, n: int = 4000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-n:] if self.log.exists() else ""

    def request(self, method: str, path: str, body: dict | None = None, timeout: float = 60) -> tuple[int, bytes]:
        """(status, body) of one HTTP request, the token in the Authorization header."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Authorization": f"token {self.token}",
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def api(self, method: str, path: str, body: dict | None = None, expect: int = 200):
        """The JSON answer of a REST call that must return ``expect``."""
        status, data = self.request(method, path, body)
        if status != expect:
            raise JupyterError(f"{method} {path}: HTTP {status}, expected {expect}: {data[:1000]!r}")
        return json.loads(data) if data else None

    def ws_url(self, kernel_id: str, session_id: str) -> str:
        return f"ws{self.url[4:]}/api/kernels/{kernel_id}/channels?session_id={session_id}"

    def remember_kernels(self) -> None:
        """Note the pids of the server's kernels, to kill them if the server leaves them."""
        try:
            self.kernels.update(p.pid for p in psutil.Process(self.proc.pid).children(recursive=True))
        except psutil.NoSuchProcess:
            pass


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _FOREIGN_ENV}
    for name, var in (("runtime", "JUPYTER_RUNTIME_DIR"), ("data", "JUPYTER_DATA_DIR"),
                      ("config", "JUPYTER_CONFIG_DIR"), ("ipython", "IPYTHONDIR"), ("mpl", "MPLCONFIGDIR"),
                      # caches of what the server's extensions call (jupyter_lsp runs `npm prefix`)
                      ("xdg/cache", "XDG_CACHE_HOME"), ("xdg/config", "XDG_CONFIG_HOME"),
                      ("xdg/data", "XDG_DATA_HOME"), ("xdg/state", "XDG_STATE_HOME"), ("npm", "npm_config_cache")):
        (tmp / name).mkdir(parents=True, exist_ok=True)
        env[var] = str(tmp / name)
    # the kernel is the test's own Python (jupyter_client maps a kernelspec's "python" to it)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start_server(root: Path, tmp: Path) -> JupyterServer:
    """A Jupyter server serving ``root``, its state under ``tmp``; fails with its log if it
    does not answer within :data:`STARTUP_TIMEOUT` seconds."""
    token = secrets.token_hex(24)
    env = _env(tmp)
    log = tmp / "server.log"
    cmd = [sys.executable, "-m", "jupyter_server", "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0",
           "--ServerApp.port_retries=0", "--ServerApp.open_browser=False", "--ServerApp.allow_root=True",
           f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    server = JupyterServer(proc, "", token, root, Path(env["JUPYTER_RUNTIME_DIR"]), log)
    try:
        _wait_until_up(server)
    except BaseException:
        stop_server(server)
        raise
    return server


def _wait_until_up(server: JupyterServer) -> None:
    info = server.runtime / f"jpserver-{server.proc.pid}.json"
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise JupyterError(f"the Jupyter server exited with status {server.proc.returncode}:\n{server.log_tail()}")
        if not server.url and info.exists():
            try:
                port = json.loads(info.read_text(encoding="utf-8"))["port"]
            except (ValueError, KeyError):  # being written
                port = None
            if port:
                server.url = f"http://127.0.0.1:{port}"
        if server.url:
            try:
                if server.request("GET", "/api/status", timeout=5)[0] == 200:
                    return
            except OSError:
                pass
        time.sleep(0.2)
    raise JupyterError(f"the Jupyter server did not answer within {STARTUP_TIMEOUT} s:\n{server.log_tail()}")


def stop_server(server: JupyterServer) -> list[int]:
    """Shut the server down as a user does (``POST /api/shutdown``), terminate or kill it
    if it does not exit, and kill every kernel it left; the pids that had to be killed."""
    server.remember_kernels()
    killed = []
    if server.proc.poll() is None:
        if server.url:
            try:
                server.request("POST", "/api/shutdown", timeout=10)
            except OSError:
                pass
        try:
            server.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            killed.append(server.proc.pid)
            server.proc.terminate()
            try:
                server.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.proc.kill()
                server.proc.wait(timeout=10)
    leftovers = []
    for pid in server.kernels:
        try:
            leftovers.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(leftovers, timeout=15)
    for p in alive:
        try:
            p.kill()
            killed.append(p.pid)
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=10)
    return killed


# --------------------------------------------------------------------------- the kernel websocket


def _message(msg_type: str, content: dict, session: str, channel: str = "shell") -> dict:
    """A Jupyter message in the websocket's JSON form (no subprotocol: one message per text frame)."""
    return {
        "header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "test", "session": session,
                   "date": datetime.now(timezone.utc).isoformat(), "version": "5.3"},
        "parent_header": {}, "metadata": {}, "content": content, "buffers": [], "channel": channel,
    }


@dataclass
class CellRun:
    """What the kernel answered to one cell: its ``execute_reply`` content and its outputs."""

    reply: dict
    outputs: list


async def _read(conn, deadline: float, what: str) -> dict:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise JupyterError(f"no answer to {what} within the time limit")
    try:
        raw = await asyncio.wait_for(conn.read_message(), remaining)
    except asyncio.TimeoutError:
        raise JupyterError(f"no answer to {what} within the time limit") from None
    if raw is None:
        raise JupyterError(f"the kernel websocket closed while waiting for {what}")
    return json.loads(raw)


async def _request(conn, msg: dict, what: str, wait_idle: bool = True) -> tuple[dict, list]:
    """Send a shell request; its reply's content and the iopub outputs it caused, once
    both the reply and (``wait_idle``) the kernel's ``idle`` status for it have arrived."""
    await conn.write_message(json.dumps(msg))
    msg_id, deadline = msg["header"]["msg_id"], time.monotonic() + CELL_TIMEOUT
    reply, outputs, idle = None, [], not wait_idle
    while reply is None or not idle:
        got = await _read(conn, deadline, what)
        if got.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = got["header"]["msg_type"]
        if got["channel"] == "shell" and kind.endswith("_reply"):
            reply = got["content"]
        elif got["channel"] == "iopub":
            if kind == "status":
                idle = got["content"]["execution_state"] == "idle"
            elif kind in ("stream", "execute_result", "display_data", "error"):
                outputs.append(nbformat.v4.output_from_msg(got))
            elif kind == "clear_output":
                outputs.clear()
    return reply, outputs


async def _execute_cells(server: JupyterServer, kernel_id: str, codes: list[str]) -> list[CellRun]:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    session = uuid.uuid4().hex
    conn = await asyncio.wait_for(websocket_connect(
        HTTPRequest(server.ws_url(kernel_id, session), headers={"Authorization": f"token {server.token}"}),
        max_message_size=64 * 2**20), STARTUP_TIMEOUT)
    try:
        # as JupyterLab does on connecting: wait for the kernel's kernel_info_reply
        info, _ = await _request(conn, _message("kernel_info_request", {}, session), "kernel_info_request",
                                 wait_idle=False)
        if info.get("status") != "ok":
            raise JupyterError(f"kernel_info_request: {info}")
        runs = []
        for i, code in enumerate(codes):
            content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                       "allow_stdin": False, "stop_on_error": True}
            reply, outputs = await _request(conn, _message("execute_request", content, session), f"code cell {i}")
            runs.append(CellRun(reply, outputs))
        return runs
    finally:
        conn.close()


def execute_cells(server: JupyterServer, kernel_id: str, codes: list[str]) -> list[CellRun]:
    """Run each code in order in the kernel, through the server's kernel websocket."""
    server.remember_kernels()
    return asyncio.run(asyncio.wait_for(_execute_cells(server, kernel_id, codes), NOTEBOOK_TIMEOUT))
