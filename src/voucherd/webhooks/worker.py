"""The delivery worker: leases endpoints with due send-outs and runs a lane for each.

A *lane* (`lane.py`) is one endpoint owned by one worker for a lease; it sends that endpoint's
send-outs one at a time in insertion order. Lanes run concurrently, at most `max_in_flight`
per process, so a slow or failing endpoint never holds up the others. Several workers (in
`voucherd serve` processes or `voucherd worker`) can share one database: an endpoint belongs
to one lane at a time, and a dead worker's endpoints are taken over when its lease expires.
"""

from __future__ import annotations

import asyncio
import logging
import secrets

from voucherd.kit.clock import utcnow
from voucherd.kit.db import Database
from voucherd.webhooks import repository
from voucherd.webhooks.delivery import DeliveryConfig, Sender
from voucherd.webhooks.lane import Lane

__all__ = ["Deliverer", "DeliveryConfig"]

log = logging.getLogger("voucherd.webhooks")


class Deliverer:
    """One per worker process: the HTTP client and the running lanes."""

    def __init__(self, config: DeliveryConfig) -> None:
        self.config = config
        self._sender: Sender | None = None
        self._lanes: set[asyncio.Task[None]] = set()
        self._stopping = False
        # Attempts this process made (benchmarks and tests read it; /metrics reads the table).
        self.attempts_made = 0

    @property
    def sender(self) -> Sender:
        # Created on first use, inside the event loop that will use it.
        if self._sender is None:
            self._sender = Sender(
                timeout=self.config.timeout,
                allowed_networks=self.config.allowed_networks,
                max_connections=self.config.max_in_flight,
            )
        return self._sender

    @property
    def busy_lanes(self) -> int:
        return len(self._lanes)

    async def tick(self, db: Database) -> int:
        """Start lanes for endpoints with due send-outs; returns how many were started."""
        free = self.config.max_in_flight - len(self._lanes)
        if free <= 0 or self._stopping:
            return 0
        now = utcnow()
        token = secrets.token_hex(8)
        async with db.transaction() as session:
            ids = await repository.claim_lanes(
                session,
                now=now,
                lease_until=now + self.config.lease,
                limit=free,
                token=token,
                skip_locked=not db.is_sqlite,
            )
        for endpoint_id in ids:
            task = asyncio.create_task(self._lane(db, endpoint_id, token))
            self._lanes.add(task)
            task.add_done_callback(self._lanes.discard)
        return len(ids)

    async def drain(self) -> None:
        """Wait until every running lane has finished."""
        while self._lanes:
            await asyncio.gather(*list(self._lanes), return_exceptions=True)

    async def deliver_due(self, db: Database) -> None:
        """Deliver everything due now and wait for it (tests, benchmarks, scripts)."""
        while await self.tick(db):
            await self.drain()
        await self.drain()

    async def stop(self) -> None:
        """Graceful shutdown: lanes finish their attempt in flight, record everything and
        give their endpoints back, so another worker continues at once (no lease wait)."""
        self._stopping = True
        await self.aclose()
        self._stopping = False

    async def aclose(self) -> None:
        await self.drain()
        if self._sender is not None:
            await self._sender.aclose()
            self._sender = None

    async def _lane(self, db: Database, endpoint_id: str, token: str) -> None:
        lane = Lane(db, self.config, self.sender, endpoint_id, token, lambda: self._stopping)
        try:
            await lane.run()
        except Exception:  # the lease expires and another lane resumes; keep the worker alive
            log.exception("webhook lane for %s failed", endpoint_id)
        try:
            await lane.close()
        except Exception:
            log.exception("could not release webhook lane %s; its lease will expire", endpoint_id)
        self.attempts_made += lane.attempts_made
