"""Headless Chromium (Debian's) driven by Playwright against a live `liaison serve` app.

Never `playwright install`: the browser is /usr/bin/chromium. Without it these tests
skip, unless LIAISON_REQUIRE_BROWSER=1 (CI), where they fail instead.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.api.tokens import create_token
from engine.terms import Role
from tests.reports.conftest import store  # noqa: F401  (the shared session fixture)

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


# Package scope, not session: Playwright's sync API leaves its event loop marked as
# running in the main thread while it is open, which would make later tests (Prefect's
# flows) believe they run inside an event loop.
@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("LIAISON_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and LIAISON_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="package")
def server(store) -> Iterator[str]:  # noqa: F811
    """The app served by uvicorn on a free local port, in a background thread."""
    import uvicorn

    from engine.api.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(store.url), host="127.0.0.1", port=port,
                                        log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def no_axe_violations(page) -> None:
    """axe-core on the page as it stands: zero violations of any impact."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    assert [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in found] == []


@pytest.fixture()
def signed_in(browser, server, store):  # noqa: F811
    """signed_in(role, area=None, cps_area=None) -> a page signed in with a new token."""
    contexts = []

    def make(role: str, area: str | None = None, cps_area: str | None = None):
        token = create_token(store.engine, Role(role), area, cps_area).token
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{server}/dashboard/login")
        page.fill("#token", token)
        page.click("button[type=submit]")
        landing = "today" if role in ("force_data_team", "cps_unit", "isva_service") else "board"
        page.wait_for_url(f"{server}/dashboard/{landing}")
        return page

    yield make
    for c in contexts:
        c.close()
