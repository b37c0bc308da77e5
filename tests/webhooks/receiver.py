"""A real HTTP receiver for webhook tests: uvicorn on a free port, in its own thread.

Each test takes an `Inbox` (its own URL path) that records every request and answers with
scripted replies (status, headers, delay), then 200 once the script runs out.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    # The receiver being slow (real time, on the receiver's side; business time never sleeps).
    delay: float = 0.0
    body: bytes = b"ok"


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, object]:
        value = orjson.loads(self.body)
        assert isinstance(value, dict)
        return value


@dataclass
class Inbox:
    url: str
    replies: deque[Reply] = field(default_factory=deque)
    default: Reply = field(default_factory=Reply)
    requests: list[Received] = field(default_factory=list)
    in_flight: dict[str, int] = field(default_factory=dict)
    # The most requests for one webhook-id that were ever being handled at the same time.
    max_overlap: int = 0

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    @property
    def ids(self) -> list[str]:
        return [r.headers["webhook-id"] for r in self.requests]


class Receiver:
    def __init__(self) -> None:
        self._inboxes: dict[str, Inbox] = {}
        self._names = itertools.count()
        self._lock = threading.Lock()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        app = Starlette(routes=[Route("/{name}", self._handle, methods=["POST"])])
        self._server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._server.serve()), daemon=True
        )

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("receiver did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def inbox(self, host: str = "127.0.0.1") -> Inbox:
        name = f"in{next(self._names)}"
        inbox = Inbox(url=f"http://{host}:{self.port}/{name}")
        self._inboxes[name] = inbox
        return inbox

    async def _handle(self, request: Request) -> Response:
        inbox = self._inboxes.get(request.path_params["name"])
        if inbox is None:
            return Response(status_code=404)
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        key = headers.get("webhook-id", "")
        with self._lock:
            inbox.requests.append(Received(headers, body))
            inbox.in_flight[key] = inbox.in_flight.get(key, 0) + 1
            inbox.max_overlap = max(inbox.max_overlap, inbox.in_flight[key])
            reply = inbox.replies.popleft() if inbox.replies else inbox.default
        try:
            if reply.delay:
                await asyncio.sleep(reply.delay)
        finally:
            with self._lock:
                inbox.in_flight[key] -= 1
        return Response(reply.body, status_code=reply.status, headers=reply.headers)
