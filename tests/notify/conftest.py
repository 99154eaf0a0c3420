"""Fixtures: a real SMTP server and a real HTTP receiver per test, and the environment
that points the notifier at them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.flows.conftest import pg_url  # noqa: F401  (a PostgreSQL store per test)
from tests.notify.sinks import HttpSink, SmtpSink

HOOK_SECRET = "SOUTH_WALES_POLICE_TEAMS_WEBHOOK"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpSink]:
    sink = SmtpSink()
    monkeypatch.setenv("LIAISON_SMTP_URL", sink.start())
    yield sink
    sink.stop()


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpSink]:
    sink = HttpSink()
    monkeypatch.setenv(HOOK_SECRET, sink.start())
    yield sink
    sink.stop()

