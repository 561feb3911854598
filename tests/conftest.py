"""Shared pytest set-up: the ``sandbox`` marker.

Tests marked ``sandbox`` need bubblewrap. Where it cannot run they are skipped with the
reason, except in CI (``CI=true``), where a missing sandbox is a failure: CI installs
bubblewrap itself and must never pass by skipping.
"""

import os

import pytest


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
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        raise pytest.UsageError(f"CI must run the sandbox tests, but {reason}")
    for item in marked:
        item.add_marker(pytest.mark.skip(reason=reason))
