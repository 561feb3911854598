"""Start the notebook's kernel by forking the worker, not by starting a new Python.

A kernel started the usual way (``python -m ipykernel_launcher``) spends about 0.25 s of
CPU importing ipykernel, and 0.2 s of that is jupyter_client, zmq, traitlets and asyncio,
which the worker has already imported to talk to it. :class:`ForkProvisioner` is a
jupyter_client provisioner that forks the worker instead and runs the kernel in the
child, with those modules already loaded: the same kernel (ipykernel's own
``IPKernelApp``, its own zmq context and event loop, a new session, the launch's
environment and working folder), about a quarter less CPU per notebook.

The child shares nothing live with the worker: it closes every inherited file but the
three standard ones, takes a new event loop, and freezes the garbage collector on the
worker's objects, so that no object of the worker's (a zmq socket, an event loop) is ever
finalized in it; it leaves with ``os._exit``. Both run in the same sandbox, as the same
user: the kernel can read nothing through the fork that it could not read before.

:class:`ForkedKernel` stands in for the ``subprocess.Popen`` that jupyter_client keeps
of a kernel (poll, wait, signals), so that interrupts, restarts and shutdown work as
with a launched kernel; once killed, it is waited for at once rather than at
jupyter_client's next 0.1 s poll.

:class:`QuickReadyClient` is jupyter_client's asynchronous client without the 0.2 s
it idles once the kernel is ready (it waits for IOPub to stay silent that long, to drop
the kernel_info request's status messages; nbclient ignores messages of other requests
anyway). Both waits were a fifth of a notebook's wall-clock time.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sys
import time
from typing import Any

from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.provisioning import LocalProvisioner

__all__ = ["ForkProvisioner", "ForkedKernel", "QuickReadyClient", "preload"]

#: How long the client waits for IOPub to connect after the kernel_info reply (as
#: jupyter_client does), and for a message still on its way once the kernel is ready.
IOPUB_CONNECT_WAIT = 0.2
IOPUB_DRAIN_WAIT = 0.005


def preload() -> None:
    """Import the kernel's modules in the worker, before any fork."""
    import ipykernel.kernelapp  # noqa: F401


class ForkedKernel:
    """The part of ``subprocess.Popen`` jupyter_client uses, for a forked child."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere (the worker clears zombies)
                self.returncode = -signal.SIGKILL
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"kernel {self.pid} still running after {timeout} s")
            time.sleep(0.01)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def _kernel_arguments(cmd: list[str]) -> list[str]:
    """The kernel's own arguments in a launch command ``[python, -m, ipykernel_launcher, ...]``."""
    if "-m" in cmd:
        at = cmd.index("-m")
        if at + 1 < len(cmd) and cmd[at + 1] in ("ipykernel_launcher", "ipykernel"):
            return list(cmd[at + 2:])
    raise ValueError(f"not an ipykernel launch command: {cmd!r}")


def _close_inherited_files() -> None:
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 1024))
    for fd in fds:
        if fd > 2:
            try:
                os.close(fd)
            except OSError:
                pass


def _run_child(arguments: list[str], env: dict[str, str], cwd: str | None) -> None:
    """In the forked child: become a fresh kernel process, run the kernel, never return."""
    code = 1
    try:
        gc.freeze()  # the worker's objects are never collected (nor finalized) here
        os.setsid()
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
            signal.signal(signum, signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL)
        _close_inherited_files()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        os.environ.clear()
        os.environ.update(env)
        if cwd:
            os.chdir(cwd)
        if sys.path and sys.path[0] in ("", os.getcwd()):
            del sys.path[0]
        asyncio.set_event_loop(asyncio.new_event_loop())
        # ipykernel reads its parent's pid from the environment when it is imported,
        # which was in the worker before the fork: say it again
        arguments = [*arguments, f"--IPKernelApp.parent_handle={os.getppid()}"]
        sys.argv = ["ipykernel_launcher", *arguments]
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=arguments)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - report and leave; never return into the worker's stack
        try:
            import traceback

            traceback.print_exc()
        except BaseException:  # noqa: BLE001
            pass
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:  # noqa: BLE001
            pass
        os._exit(code)


class QuickReadyClient(AsyncKernelClient):
    """An asynchronous kernel client whose ``wait_for_ready`` returns as soon as the
    kernel answers kernel_info and IOPub is connected."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:  # noqa: D401 - jupyter_client API
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                msg = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                pass
            else:
                if msg["msg_type"] == "kernel_info_reply":
                    try:  # IOPub connected: the request's status message arrives
                        await self.iopub_channel.get_msg(timeout=IOPUB_CONNECT_WAIT)
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(msg)
                        break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")
        while True:  # what IOPub holds already: the request's last status message
            try:
                await self.iopub_channel.get_msg(timeout=IOPUB_DRAIN_WAIT)
            except Empty:
                break


class ForkProvisioner(LocalProvisioner):
    """A LocalProvisioner that forks the current process into the kernel."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        arguments = _kernel_arguments(cmd)
        env = dict(kwargs.get("env") or os.environ)
        env["JPY_PARENT_PID"] = str(os.getpid())
        cwd = kwargs.get("cwd")
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _run_child(arguments, env, None if cwd is None else str(cwd))
        self.process = ForkedKernel(pid)  # type: ignore[assignment]
        self.pid = pid
        self.pgid = pid  # the child made its own session
        self.cwd = cwd
        return self.connection_info

    async def kill(self, restart: bool = False) -> None:
        """SIGKILL, then reap the kernel at once (it dies in a millisecond or so)."""
        await super().kill(restart)
        if self.process is not None:
            try:
                self.process.wait(timeout=0.5)
            except TimeoutError:
                pass  # jupyter_client goes on waiting in its own way
