"""`voucherd listen`: a receiver for developers that prints each webhook it gets, like
`stripe listen`, marking whether its signatures verify with the given secret."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voucherd.webhooks.signing import (
    VOUCHERIFY_HEADER,
    VOUCHERIFY_PREVIOUS_HEADER,
    verify_standard_signature,
    verify_voucherify_signature,
)

Printer = Callable[[str], None]


def verdict(body: bytes, headers: dict[str, str], secret: str | None) -> str:
    """`verified`, `UNVERIFIED (...)` or `unchecked (no --secret)` for one request."""
    if not secret:
        return "unchecked (no --secret)"
    problems = []
    given = [headers.get(VOUCHERIFY_HEADER), headers.get(VOUCHERIFY_PREVIOUS_HEADER)]
    if not any(sig and verify_voucherify_signature(body, sig, secret) for sig in given):
        problems.append("x-voucherify-signature")
    if "webhook-signature" in headers and not verify_standard_signature(body, headers, secret):
        problems.append("webhook-signature")
    return "verified" if not problems else f"UNVERIFIED ({', '.join(problems)})"


def describe(body: bytes, headers: dict[str, str], secret: str | None, *, full: bool) -> str:
    mark = verdict(body, headers, secret)
    symbol = "✔" if mark == "verified" else ("?" if mark.startswith("unchecked") else "✘")
    try:
        envelope: Any = json.loads(body)
    except ValueError:
        return f"{symbol} {mark}  (body is not JSON, {len(body)} bytes)"
    if not isinstance(envelope, dict):
        return f"{symbol} {mark}  (unexpected JSON body)"
    event = envelope.get("event") or {}
    line = (
        f"{symbol} {mark}  {envelope.get('type')}  {envelope.get('id')}  "
        f"event={event.get('id')} entity={event.get('entity_id')}"
    )
    if full:
        line += "\n" + json.dumps(envelope, indent=2, ensure_ascii=False)
    return line


def create_listener(
    secret: str | None, *, printer: Printer = print, full: bool = False, status_code: int = 200
) -> Starlette:
    async def receive(request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        printer(describe(body, headers, secret, full=full))
        return Response(status_code=status_code)

    return Starlette(routes=[Route("/{path:path}", receive, methods=["POST"])])


def run(
    *,
    host: str,
    port: int,
    secret: str | None,
    full: bool,
    status_code: int,
) -> None:
    app = create_listener(
        secret, printer=lambda line: print(line, flush=True), full=full, status_code=status_code
    )
    print(f"Listening for webhooks on http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
