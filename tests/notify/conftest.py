"""Fixtures: a real SMTP server and a real HTTP receiver per test, and the environment
that points the notifier at them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL store in a fresh schema (dropped afterwards). Skips without
    LIAISON_TEST_POSTGRES_URL, unless LIAISON_REQUIRE_POSTGRES=1: then it fails."""
    import os
    import uuid

    from sqlalchemy import create_engine, text

    from engine.store.db import engine_for

    base = os.environ.get("LIAISON_TEST_POSTGRES_URL")
    if not base:
        if os.environ.get("LIAISON_REQUIRE_POSTGRES") == "1":
            pytest.fail("LIAISON_REQUIRE_POSTGRES=1 but LIAISON_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL: set LIAISON_TEST_POSTGRES_URL")
    schema = "notify_" + uuid.uuid4().hex[:12]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    try:
        yield url
    finally:
        engine_for(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
