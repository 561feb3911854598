"""Shared pytest set-up: the ``sandbox``, ``browser`` and ``jupyter`` markers.

Tests marked ``sandbox`` need bubblewrap; tests marked ``browser`` need a headless
Chromium (:func:`find_chromium`; their ``chromium`` fixture is its path); tests marked
``jupyter`` need jupyter_server (the ``test`` extra installs it). Where it is
missing they are skipped with the reason, except in CI (``CI=true``), where each of them
fails with that reason: CI installs all three itself and must never pass by skipping.
"""

import importlib
import os
import shutil

import pytest

_UNAVAILABLE = pytest.StashKey[str]()

#: The names a Chromium binary goes by, in the order they are tried.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def find_chromium() -> str | None:
    """The path of a Chromium (or Chrome) binary on PATH, or None."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def _sandbox_unavailable() -> str | None:
    from grader.config import SandboxLimits
    from grader.sandbox import SandboxUnavailable, check_sandbox

    try:
        check_sandbox(SandboxLimits())
    except SandboxUnavailable as exc:
        return str(exc)
    return None


def _browser_unavailable() -> str | None:
    if find_chromium():
        return None
    return f"no Chromium found (tried {', '.join(CHROMIUM_NAMES)}; apt-get install chromium)"


def _jupyter_unavailable() -> str | None:
    try:
        importlib.import_module("jupyter_server.serverapp")
        importlib.import_module("tornado.websocket")
    except ImportError as exc:
        return f"jupyter_server cannot be imported ({exc}; pip install -e '.[test]')"
    return None


_NEEDS = {"sandbox": _sandbox_unavailable, "browser": _browser_unavailable, "jupyter": _jupyter_unavailable}


def pytest_collection_modifyitems(config, items):
    for marker, unavailable in _NEEDS.items():
        marked = [item for item in items if item.get_closest_marker(marker)]
        if not marked:
            continue
        reason = unavailable()
        if reason is None:
            continue
        for item in marked:
            if _in_ci():
                item.stash[_UNAVAILABLE] = f"CI must run the {marker} tests, but {reason}"
            else:
                item.add_marker(pytest.mark.skip(reason=reason))


def pytest_runtest_setup(item):
    reason = item.stash.get(_UNAVAILABLE, None)
    if reason is not None:
        pytest.fail(reason, pytrace=False)


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium binary of the ``browser`` tests."""
    path = find_chromium()
    if path is None:  # only without the marker: the marker skips or fails first
        pytest.skip(_browser_unavailable())
    return path
