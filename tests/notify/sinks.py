"""Real receivers for the notifier's tests: an SMTP server (aiosmtpd) and an HTTP server
(the standard library's), both in the test process, each with a programmable fault."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpSink:
    """Collects every message it accepts. `mode` decides the reply to DATA:
    `accept`, `refuse-temp` (451), `refuse-perm` (550), `slow` (sleep, then accept),
    `kill` (SIGKILL the process in `kill_pid`, then accept: the send happened, the
    sender never hears)."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.mode = "accept"
        self.sleep = 0.0
        self.kill_pid: int | None = None
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.mode == "refuse-temp":
            return "451 4.3.0 try again later"
        if self.mode == "refuse-perm":
            return "550 5.1.1 mailbox unavailable"
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.received.append(msg)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        if self.mode == "slow":
            import asyncio

            await asyncio.sleep(self.sleep)
        if self.mode == "kill" and self.kill_pid is not None:
            os.kill(self.kill_pid, signal.SIGKILL)
            self.mode = "accept"
        return "250 2.0.0 queued"

    def start(self) -> str:
        self.controller.start()
        return f"smtp://127.0.0.1:{self.controller.port}"

    def stop(self) -> None:
        self.controller.stop()


class HttpSink:
    """A webhook receiver: records each request's headers and JSON body, then answers
    with `status` (a callable may pick it per request), or SIGKILLs `kill_pid` first."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], Any]] = []
        self.status: int | Callable[[int], int] = 200
        self.kill_pid: int | None = None
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                sink.requests.append(({k.lower(): v for k, v in self.headers.items()},
                                      json.loads(body)))
                if sink.kill_pid is not None:
                    os.kill(sink.kill_pid, signal.SIGKILL)
                    sink.kill_pid = None
                    time.sleep(0.2)
                code = sink.status(len(sink.requests)) if callable(sink.status) else sink.status
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook?key=secret-key"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
