"""Security headers on every response, as a plain ASGI middleware (no per-request task).

- a Content-Security-Policy that allows no script and nothing from elsewhere (the
  dashboard is server-rendered with inline CSS and SVG); the interactive API docs at
  /docs get the policy they need for their script from the CDN;
- `X-Frame-Options: DENY` and `frame-ancestors 'none'`: no page can be framed;
- `Referrer-Policy: no-referrer`: a case id in a URL never travels to another site;
- `X-Content-Type-Options: nosniff`;
- `Cache-Control: no-store` unless the endpoint set its own (the national snapshot is
  revalidated by ETag): case-level pages and JSON never sit in a cache.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
DOCS_CSP = ("default-src 'none'; script-src 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
            "https://fastapi.tiangolo.com; connect-src 'self'; frame-ancestors 'none'; "
            "base-uri 'none'")
FIXED = [(b"x-frame-options", b"DENY"), (b"referrer-policy", b"no-referrer"),
         (b"x-content-type-options", b"nosniff")]


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = (DOCS_CSP if scope.get("path") == "/docs" else CSP).encode()

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _v in headers}
                headers += [(k, v) for k, v in FIXED if k not in names]
                headers.append((b"content-security-policy", csp))
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
