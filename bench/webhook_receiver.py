"""A counting webhook receiver for the webhook benchmarks: uvicorn in a thread, on a free port.

Counts requests and unique `webhook-id`s, can add latency per request, and notes how many
requests were being handled at any moment (to show a kill happened mid-flight).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass, field

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Counts:
    requests: int = 0
    in_flight: int = 0
    ids: set[str] = field(default_factory=set)
    event_ids: set[str] = field(default_factory=set)
    first_at: float | None = None
    last_at: float | None = None


class CountingReceiver:
    def __init__(self, *, delay: float = 0.0) -> None:
        self.delay = delay
        self.counts = Counts()
        self._lock = threading.Lock()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        app = Starlette(routes=[Route("/hook", self._handle, methods=["POST"])])
        self._server = uvicorn.Server(
            uvicorn.Config(
                app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False
            )
        )
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._server.serve()), daemon=True
        )

    def __enter__(self) -> CountingReceiver:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("receiver did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        event_id = str(orjson.loads(body).get("event", {}).get("id", ""))
        now = time.monotonic()
        with self._lock:
            c = self.counts
            c.in_flight += 1
            c.requests += 1
            c.ids.add(request.headers.get("webhook-id", ""))
            c.event_ids.add(event_id)
            c.first_at = c.first_at or now
            c.last_at = now
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
        finally:
            with self._lock:
                self.counts.in_flight -= 1
        return Response(b"ok")


def serve_standalone(port: int) -> None:
    """Run as its own process (`python bench/webhook_receiver.py PORT`), so the receiver does
    not share the benchmark's CPU; `GET /stats` returns the counts."""
    counts = Counts()

    async def hook(request: Request) -> Response:
        await request.body()
        now = time.monotonic()
        counts.requests += 1
        counts.ids.add(request.headers.get("webhook-id", ""))
        counts.first_at = counts.first_at or now
        counts.last_at = now
        return Response(b"ok")

    async def stats(_request: Request) -> Response:
        body = {"requests": counts.requests, "unique": len(counts.ids)}
        return Response(orjson.dumps(body), media_type="application/json")

    app = Starlette(
        routes=[Route("/hook", hook, methods=["POST"]), Route("/stats", stats, methods=["GET"])]
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    import sys

    serve_standalone(int(sys.argv[1]))
