"""Requests as the checker's clients make them: every one is logged with what it saw."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import httpx

from bench.invariants.oplog import Op, OpLog


class SetupFailed(RuntimeError):
    pass


def _traced(value: str) -> bool:
    return value.startswith(("v_", "r_", "rr_", "ord_", "rew_"))


def _walk_codes(value: Any, found: set[str], depth: int = 0) -> None:
    """Codes and ids anywhere in a response (vouchers, redemptions, rollbacks), for traces."""
    if depth > 6:
        return
    if isinstance(value, dict):
        for key in ("code", "id", "redemption", "voucher_id"):
            item = value.get(key)
            # Codes, vouchers, redemptions, rollbacks, orders: not customers or products,
            # which every operation names and which would make every trace everything.
            if isinstance(item, str) and len(item) < 80 and (key == "code" or _traced(item)):
                found.add(item)
        for item in value.values():
            if isinstance(item, dict | list):
                _walk_codes(item, found, depth + 1)
    elif isinstance(value, list):
        for item in value[:40]:
            _walk_codes(item, found, depth + 1)


def _gift(r: dict[str, Any]) -> str:
    code = (r.get("voucher") or {}).get("code", "?")
    credits = (r.get("gift") or {}).get("amount")
    return f"{r.get('id')} {code}" + (f" credits {credits}" if credits else "")


def key_fields(kind: str, body: Any) -> str:
    """The response fields a trace reader needs, in a few words."""
    if not isinstance(body, dict):
        return ""
    if kind == "redeem":
        return "; ".join(_gift(r) for r in body.get("redemptions") or [])
    if kind == "rollback":
        found = (
            [body] if body.get("object") == "redemption_rollback" else body.get("rollbacks") or []
        )
        return "; ".join(f"{r.get('id')} undoes {r.get('redemption')}" for r in found)
    if kind == "gift_put":
        gift = body.get("gift") or {}
        return f"amount {gift.get('amount')} balance {gift.get('balance')}"
    if kind in ("gift_balance", "points_balance"):
        return f"total {body.get('total')} balance {body.get('balance')}"
    if kind == "reward":
        used = ((body.get("voucher") or {}).get("redemption") or {}).get("redeemed_quantity")
        return f"{body.get('id')} points {body.get('amount')} card redeemed_quantity {used}"
    if kind == "publish":
        return f"{body.get('id')} {(body.get('voucher') or {}).get('code')}"
    return ""


def setup_kind(method: str, path: str) -> str:
    """Setup requests that move what the laws count are logged under the run's kinds."""
    if method == "POST" and path == "/v1/publications":
        return "publish"
    if method == "POST" and path.startswith("/v1/loyalties/members/") and path.endswith("/balance"):
        return "points_balance"
    return "setup"


class Api:
    def __init__(self, http: httpx.AsyncClient, log: OpLog, in_flight: int = 24) -> None:
        self.http = http
        self.log = log
        # Each request holds a database connection: a shared PostgreSQL server (100 by
        # default, shared with other test runs) must not run out.
        self.gate = asyncio.Semaphore(in_flight)

    async def call(
        self,
        step: int,
        client: int,
        kind: str,
        method: str,
        path: str,
        body: Any = None,
        touched: tuple[str, ...] = (),
    ) -> Op:
        async with self.gate:
            return await self._call(step, client, kind, method, path, body, touched)

    async def _call(
        self,
        step: int,
        client: int,
        kind: str,
        method: str,
        path: str,
        body: Any,
        touched: tuple[str, ...],
    ) -> Op:
        op = self.log.start(step, client, kind, method, path, body, *touched)
        try:
            resp = await self.http.request(method, path, json=body)
        except Exception as exc:  # the app raised through the transport: as bad as a 500
            op.ended = time.monotonic()
            op.status, op.key = 599, f"exception {type(exc).__name__}"
            op.note = str(exc)[:300]
            return op
        op.ended = time.monotonic()
        op.status = resp.status_code
        if resp.content:
            with contextlib.suppress(ValueError):
                op.response = resp.json()
        if op.status >= 400 and isinstance(op.response, dict):
            op.key = op.response.get("key")
            op.request_id = op.response.get("request_id")
            op.note = str(op.response.get("details") or "")[:160]
        if op.ok:
            _walk_codes(op.response, op.touched)
            op.note = key_fields(op.kind, op.response)
        return op

    async def setup(self, method: str, path: str, body: Any = None) -> Any:
        op = await self.call(-1, -1, setup_kind(method, path), method, path, body)
        if not op.ok:
            raise SetupFailed(f"{method} {path}: {op.status} {op.response}")
        return op.response
