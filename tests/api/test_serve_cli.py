"""`liaison serve` starts the app: the OpenAPI document and the sign-in page answer."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_liaison_serve_answers_on_the_given_port(store):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    liaison = Path(sys.executable).parent / "liaison"
    proc = subprocess.Popen([str(liaison), "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--db", store.url], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                schema = httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"serve did not start: {proc.communicate()}") from None
                time.sleep(0.2)
        assert schema.status_code == 200 and "/api/cases/{case_id}" in schema.json()["paths"]
        login = httpx.get(f"http://127.0.0.1:{port}/dashboard/login", timeout=5)
        assert login.status_code == 200 and 'name="token"' in login.text
        assert httpx.get(f"http://127.0.0.1:{port}/api/flags", timeout=5).status_code == 401
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
