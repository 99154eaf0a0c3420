"""The API tests run against the reports' store (cohort → ingest → sweep) and a live app."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from engine.api.app import create_app
from engine.api.tokens import create_token
from engine.terms import Role
from tests.reports.conftest import pg_store, store  # noqa: F401  (shared session fixtures)


@pytest.fixture(scope="package")
def client(store):  # noqa: F811
    with TestClient(create_app(store.url)) as c:
        yield c


@pytest.fixture(scope="session")
def token(store):  # noqa: F811
    """token(role, area=None, cps_area=None) -> a fresh bearer token."""

    def make(role: str, area: str | None = None, cps_area: str | None = None) -> str:
        return create_token(store.engine, Role(role), area, cps_area).token

    return make


def bearer(tok: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tok}"}
