"""CORS for the client-side API (`/client/…`), which shops call from their web pages.

Only those paths: the server-side API is never meant for browsers (its keys are secret).
A preflight carries no credentials, so it is answered for any origin; the request that
follows is checked against its key's allowed origins (projects.auth.client_context), and a
disallowed origin gets a 403 whatever the browser would have done.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CLIENT_PREFIX = "/client/"
_ALLOW_HEADERS = "Content-Type, X-Client-Application-Id, X-Client-Token, Idempotency-Key"
_EXPOSE_HEADERS = "X-Rate-Limit-Limit, X-Rate-Limit-Remaining, X-Rate-Limit-Retry, Retry-After"


class ClientCorsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(CLIENT_PREFIX):
            await self.app(scope, receive, send)
            return
        origin = _header(scope, b"origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method"):
            await send(
                {
                    "type": "http.response.start",
                    "status": 204,
                    "headers": [
                        *_allow(origin),
                        (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
                        (b"access-control-allow-headers", _ALLOW_HEADERS.encode()),
                        (b"access-control-max-age", b"600"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    *_allow(origin),
                    (b"access-control-expose-headers", _EXPOSE_HEADERS.encode()),
                ]
            await send(message)

        await self.app(scope, receive, send_with_cors)


def _allow(origin: str) -> list[tuple[bytes, bytes]]:
    return [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin")]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None
