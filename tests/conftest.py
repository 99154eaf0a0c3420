"""Shared pytest setup. Each part below belongs to one area of the suite; keep them apart."""

# --- Prefect (tests/flows): environment before anything imports prefect ---------------
# Prefect reads its settings when it is imported, so these must be set first. The
# session's Prefect home is a temporary directory: tests never touch ~/.prefect.
import atexit
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_PREFECT_HOME = tempfile.mkdtemp(prefix="liaison-prefect-home-")
atexit.register(shutil.rmtree, _PREFECT_HOME, True)
for _key, _value in {
    "PREFECT_HOME": _PREFECT_HOME,
    "PREFECT_RESULTS_LOCAL_STORAGE_PATH": os.path.join(_PREFECT_HOME, "storage"),
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_EXTRA_LOGGERS": "liaison",
}.items():
    os.environ.setdefault(_key, _value)

# The repository root on sys.path however pytest was started (`pytest` or `python -m
# pytest`): tests import helpers as `tests.<dir>.<module>`, and under the prepend import
# mode tests/ itself is on the path, where tests/flows would pass for a namespace package
# `flows` unless the real (regular) package is findable too.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.append(_ROOT)


# --- Rules cache (engine/store/rules_cache.py): a directory of the session's own, so
# tests never read or write the developer's ~/.cache/liaison.
_RULES_CACHE = tempfile.mkdtemp(prefix="liaison-cache-")
atexit.register(shutil.rmtree, _RULES_CACHE, True)
os.environ["LIAISON_CACHE_DIR"] = _RULES_CACHE


# --- Hypothesis: no per-example deadline --------------------------------------------
# Speed is measured in bench/, never in tests; on two shared cores an example can take
# far longer than hypothesis' 200 ms default without anything being wrong.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("liaison", deadline=None)
_hypothesis_settings.load_profile("liaison")

def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/flows runs real flows: mark it `prefect`."""
    for item in items:
        if "/tests/flows/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.prefect)


@pytest.fixture(scope="session")
def prefect_backend() -> Iterator[str]:
    """One Prefect API for the whole session, started only if a prefect test runs.

    With PREFECT_API_URL set (a developer's long-lived `prefect server start`) it is
    reused; otherwise one `prefect_test_harness` serves every flow test.
    """
    if os.environ.get("PREFECT_API_URL"):
        yield os.environ["PREFECT_API_URL"]
        return
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield "harness"


@pytest.fixture(autouse=True)
def _prefect_for_marked(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("prefect"):
        request.getfixturevalue("prefect_backend")


# --- end Prefect -----------------------------------------------------------------------
