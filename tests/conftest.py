"""Shared pytest set-up: the ``sandbox`` marker.

Tests marked ``sandbox`` need bubblewrap. Where it cannot run they are skipped with the
reason, except in CI (``CI=true``), where each of them fails with that reason: CI
installs bubblewrap itself and must never pass by skipping.
"""

import os

import pytest

_UNAVAILABLE = pytest.StashKey[str]()


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_collection_modifyitems(config, items):
    from grader.config import SandboxLimits
    from grader.sandbox import SandboxUnavailable, check_sandbox

    marked = [item for item in items if item.get_closest_marker("sandbox")]
    if not marked:
        return
    try:
        check_sandbox(SandboxLimits())
        return
    except SandboxUnavailable as exc:
        reason = str(exc)
    for item in marked:
        if _in_ci():
            item.stash[_UNAVAILABLE] = reason
        else:
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_runtest_setup(item):
    reason = item.stash.get(_UNAVAILABLE, None)
    if reason is not None:
        pytest.fail(f"CI must run the sandbox tests, but {reason}", pytrace=False)
