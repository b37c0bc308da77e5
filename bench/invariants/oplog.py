"""The operation log: every request a client made, what it sent and what it saw.

The checker reasons only from this log (what clients observed) and from the database, so
each entry keeps the request, the status, the error key and the response fields the laws
need, plus the objects it touched (codes, card codes, redemption ids) for traces.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Op:
    seq: int
    step: int
    client: int
    kind: str
    method: str
    path: str
    body: Any
    started: float
    ended: float = 0.0
    status: int = 0
    key: str | None = None  # the error key of a 4xx/5xx
    request_id: str | None = None  # from an error body: the group_id of what it recorded
    response: Any = None  # the parsed JSON body (None for 204 or a job)
    touched: set[str] = field(default_factory=set)  # codes and ids, for traces
    note: str = ""  # the key response fields, for traces

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def line(self, origin: float) -> str:
        body = json.dumps(self.body, separators=(",", ":"), default=str) if self.body else ""
        if len(body) > 160:
            body = body[:157] + "..."
        outcome = str(self.status) + (f" {self.key}" if self.key else "")
        return (
            f"  #{self.seq:<5} step {self.step:<4} c{self.client:<2} "
            f"[{(self.started - origin) * 1000:8.1f} .. {(self.ended - origin) * 1000:8.1f} ms] "
            f"{self.method} {self.path} {body} -> {outcome} {self.note}".rstrip()
        )


class OpLog:
    def __init__(self) -> None:
        self.ops: list[Op] = []
        self.origin = time.monotonic()

    def start(
        self, step: int, client: int, kind: str, method: str, path: str, body: Any, *touched: str
    ) -> Op:
        op = Op(len(self.ops), step, client, kind, method, path, body, time.monotonic())
        op.touched.update(t for t in touched if t)
        self.ops.append(op)
        return op

    def succeeded(self, kind: str) -> list[Op]:
        return [o for o in self.ops if o.kind == kind and o.ok]

    def touching(
        self,
        keys: list[str],
        every: frozenset[str] = frozenset(),
        only: frozenset[str] | None = None,
    ) -> list[Op]:
        wanted = {k for k in keys if k}
        return [
            o
            for o in self.ops
            if (o.touched & wanted or o.kind in every) and (only is None or o.kind in only)
        ]

    def trace(
        self,
        keys: list[str],
        every: frozenset[str] = frozenset(),
        only: frozenset[str] | None = None,
        limit: int = 60,
        step: int | None = None,
    ) -> str:
        """The operations of kinds `only` that touched any of `keys` (or are of kinds
        `every`: jobs and clock moves touch every card), in start order."""
        ops = sorted(self.touching(keys, every, only), key=lambda o: o.started)
        if step is not None:
            ops = [o for o in ops if o.step == step]
        # Refusals change nothing (refused.changed_nothing checks that): left out, counted.
        refused = sum(1 for o in ops if 400 <= o.status < 500)
        lines = [o.line(self.origin) for o in ops if not 400 <= o.status < 500]
        if refused:
            lines.append(f"  (and {refused} refused requests on it, which changed nothing)")
        if len(lines) > limit:
            hidden = len(lines) - limit
            lines = [f"  ... {hidden} earlier operations on it left out", *lines[-limit:]]
        return "\n".join(lines) if lines else "  (no operation touched it)"

    def summary(self) -> dict[str, Counter[str]]:
        by_kind: dict[str, Counter[str]] = {}
        for o in self.ops:
            outcome = str(o.status) + (f" {o.key}" if o.key else "")
            by_kind.setdefault(o.kind, Counter())[outcome] += 1
        return by_kind
