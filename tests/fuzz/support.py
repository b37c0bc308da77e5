"""What the fuzz tests share: hostile values, the Voucherify error-body check and a project
snapshot for "a refused request changed nothing"."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import Table, select

from voucherd.kit.db import Base, Database

# `VOUCHERD_FUZZ_SCALE=10` multiplies the examples for a long local run; CI runs scale 1.
FUZZ_SCALE = int(os.environ.get("VOUCHERD_FUZZ_SCALE", "1"))
# Bounded and reproducible: the same examples on every run (CI stays under a minute per engine).
FUZZ_SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


# The classes the issue names, spelled out so every run sends each of them.
HOSTILE_VALUES: list[Any] = [
    "\x00",
    "nul\x00inside",
    "\ud800",  # a lone surrogate
    "a\udfffb",
    2**63,
    2**64 + 1,
    -(2**63) - 1,
    10**30,
    -1,
    0,
    -(10**9),
    0.5,
    1e308,
    -1e-308,
    "x" * 100_000,
    nested(300),
    [nested(300)],
    {"k": 2**70},
    {"k": "\ud800"},
    {"\x00": "key"},
    None,
    True,
    "",
    " ",
    [],
    {},
    [[[[[]]]]],
    "1e26",
    "9999-12-31T23:59:59Z",
    "0000-00-00",
    "\u202e\u0301\U0001f600",
    "' OR 1=1 --",
    "%s%n{0}${x}",
    "../../etc/passwd",
]

HOSTILE = st.one_of(
    st.sampled_from(HOSTILE_VALUES),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.text(st.characters(exclude_categories=()), max_size=30),
    st.floats(allow_nan=False, allow_infinity=False),
)


def json_bytes(body: Any) -> bytes:
    """JSON as a client may send it: lone surrogates travel as `\\ud800` escapes (httpx's
    own encoder would fail on them before sending)."""
    return json.dumps(body, ensure_ascii=True).encode()


JSON_HEADERS = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Request:
    engine: str
    method: str
    path: str
    query: dict[str, Any]
    body: Any

    def describe(self) -> str:
        body = json.dumps(self.body, ensure_ascii=True, default=str)
        if len(body) > 300:
            body = body[:300] + "…"
        return f"{self.method} {self.path} query={self.query} body={body}"


ERROR_KEYS = {"code", "key", "message", "details", "request_id"}


def assert_voucherify_error(resp: httpx.Response, request: Request) -> None:
    body = resp.json()
    assert isinstance(body, dict) and body.keys() >= ERROR_KEYS, (request.describe(), resp.text)
    assert body["code"] == resp.status_code, (request.describe(), resp.text)
    assert isinstance(body["key"], str) and body["key"], (request.describe(), resp.text)
    assert isinstance(body["request_id"], str), (request.describe(), resp.text)


def _project_tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if "project_id" in t.c]


# Where a refused redemption or validation is recorded on purpose (a failed redemption, its
# event, the customer and order it named): compared only when the request was malformed.
RECORDS_REFUSALS = {"redemptions", "events", "customers", "orders", "webhook_sendouts"}


async def snapshot(db: Database, project_id: str, *, skip: frozenset[str]) -> dict[str, Any]:
    """Every row of the project, table by table (the fuzz project is small)."""
    state: dict[str, Any] = {}
    async with db.transaction(write=False) as session:
        for table in _project_tables():
            if table.name in skip:
                continue
            rows = await session.execute(
                select(table)
                .where(table.c.project_id == project_id)
                .order_by(*table.primary_key.columns)
            )
            state[table.name] = [tuple(row) for row in rows]
    return state
