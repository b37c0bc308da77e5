"""The delivery worker: lease endpoints, POST their due send-outs in order, record every attempt.

A *lane* is one endpoint owned by one worker for a lease: it takes the endpoint's oldest due
send-outs in insertion order and sends them one at a time, so each endpoint sees events in
commit order (a send-out waiting for its retry is simply not due, and the next one goes ahead).
Lanes run concurrently, at most `max_in_flight` per process. No database transaction is open
during a POST; each result is recorded in its own short transaction. A worker that dies leaves
its lease to expire, and the next lane re-sends what was in flight with the same `whs_` id
(at-least-once).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from voucherd.config import Settings
from voucherd.kit.clock import utcnow
from voucherd.kit.db import Database
from voucherd.kit.ids import new_id
from voucherd.kit.timefmt import iso
from voucherd.webhooks import repository, signing_keys
from voucherd.webhooks.delivery import USER_AGENT, DeliveryResult, Sender
from voucherd.webhooks.envelope import build_envelope, encode
from voucherd.webhooks.models import PENDING, SUCCEEDED, WebhookAttempt
from voucherd.webhooks.outcome import Outcome, decide
from voucherd.webhooks.repository import ClaimedSendout
from voucherd.webhooks.schedule import DEFAULT_RETRY_DELAYS, RetrySchedule, parse_schedule
from voucherd.webhooks.signing import sign_headers
from voucherd.webhooks.ssrf import IPNetwork, parse_networks

log = logging.getLogger("voucherd.webhooks")

ATTEMPT_PREFIX = "whsa"
# Send-outs a lane takes per claim: enough to amortise the claim, few enough that a crash
# re-sends little.
BATCH = 20
# Batches a lane sends before it gives its slot back, so many busy endpoints take turns.
LANE_BATCHES = 10
# A lease must outlast one POST (the timeout) plus recording it; renew below this margin.
LEASE_MARGIN = timedelta(seconds=2)


@dataclass(frozen=True)
class DeliveryConfig:
    schedule: RetrySchedule
    timeout: float
    max_in_flight: int
    allowed_networks: tuple[IPNetwork, ...]
    lease: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryConfig:
        jitter = settings.webhook_retry_jitter
        schedule = (
            parse_schedule(settings.webhook_retry_schedule, jitter=jitter)
            if settings.webhook_retry_schedule
            else RetrySchedule(DEFAULT_RETRY_DELAYS, jitter=jitter)
        )
        timeout = settings.webhook_timeout_seconds
        # Three timeouts: a lane renews before each POST, so this only has to cover one POST
        # and its recording with room to spare; it is also how long a crashed worker's
        # endpoints wait before another worker takes them over.
        lease = settings.webhook_lease_seconds or 3 * timeout + 5
        return cls(
            schedule=schedule,
            timeout=timeout,
            max_in_flight=settings.webhook_max_in_flight,
            allowed_networks=parse_networks(settings.webhook_allowed_networks),
            lease=timedelta(seconds=max(lease, timeout + 2 * LEASE_MARGIN.total_seconds())),
        )


@dataclass(frozen=True, slots=True)
class _Target:
    url: str
    headers: dict[str, Any]


class Deliverer:
    """One per worker process: the HTTP client and the running lanes."""

    def __init__(self, config: DeliveryConfig) -> None:
        self.config = config
        self._sender: Sender | None = None
        self._lanes: set[asyncio.Task[None]] = set()

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
        if free <= 0:
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

    async def aclose(self) -> None:
        await self.drain()
        if self._sender is not None:
            await self._sender.aclose()
            self._sender = None

    # --- one lane ------------------------------------------------------------------------------

    async def _lane(self, db: Database, endpoint_id: str, token: str) -> None:
        hold: datetime | None = None
        try:
            hold = await self._run_lane(db, endpoint_id, token)
        except Exception:  # the lease expires and another lane resumes; keep the worker alive
            log.exception("webhook lane for %s failed", endpoint_id)
        try:
            async with db.transaction() as session:
                await repository.release_lane(session, endpoint_id, token, hold_until=hold)
        except Exception:
            log.exception("could not release webhook lane %s; its lease will expire", endpoint_id)

    async def _run_lane(self, db: Database, endpoint_id: str, token: str) -> datetime | None:
        """Returns when the endpoint should next be tried if the receiver asked us to wait."""
        for _ in range(LANE_BATCHES):
            now = utcnow()
            lease_until = now + self.config.lease
            async with db.transaction() as session:
                if not await repository.renew_lane(session, endpoint_id, token, lease_until):
                    return None
                endpoint = await session.get(repository.E, endpoint_id)
                if endpoint is None:
                    return None
                target = _Target(endpoint.target_url, dict(endpoint.headers or {}))
                batch = await repository.claim_batch(
                    session, endpoint_id, token, now=now, limit=BATCH
                )
                keys = await signing_keys.load(session, endpoint.project_id) if batch else None
            if not batch or keys is None:
                return None
            for item in batch:
                if utcnow() + timedelta(seconds=self.config.timeout) + LEASE_MARGIN > lease_until:
                    # Sending now could outlive our lease and overlap another worker's send.
                    lease_until = utcnow() + self.config.lease
                    async with db.transaction() as session:
                        if not await repository.renew_lane(
                            session, endpoint_id, token, lease_until
                        ):
                            return None
                outcome = await self._attempt(db, item, token, target, keys)
                if outcome.disable_reason is not None:
                    return None
                if outcome.hold_endpoint_until is not None:
                    return outcome.hold_endpoint_until
        return None

    async def _attempt(
        self,
        db: Database,
        item: ClaimedSendout,
        token: str,
        target: _Target,
        keys: signing_keys.SigningSecrets,
    ) -> Outcome:
        body = encode(
            build_envelope(
                sendout_id=item.id,
                project_id=item.project_id,
                created_at=iso(item.created_at) or "",
                endpoint_id=item.endpoint_id,
                target_url=target.url,
                event=item.event,
            )
        )
        attempted_at = utcnow()
        headers = {str(k): str(v) for k, v in target.headers.items()}
        headers.update(
            {"content-type": "application/json", "user-agent": USER_AGENT},
        )
        # Same whs_ id (webhook-id) on every attempt; the timestamp is this attempt's.
        headers.update(
            sign_headers(
                body, message_id=item.id, timestamp=attempted_at, secrets=keys.valid(attempted_at)
            )
        )
        result = await self.sender.post(target.url, body, headers)
        now = utcnow()
        first = item.first_attempt_at or attempted_at
        outcome = decide(
            result,
            now=now,
            first_attempt_at=first,
            schedule_attempts=item.schedule_attempts + 1,
            schedule=self.config.schedule,
        )
        async with db.transaction() as session:
            await repository.record_result(
                session,
                item,
                token,
                changes=_changes(item, result, outcome, attempted_at, first, now),
                attempt=WebhookAttempt(
                    id=new_id(ATTEMPT_PREFIX),
                    sendout_id=item.id,
                    number=item.attempts + 1,
                    attempted_at=attempted_at,
                    succeeded=result.succeeded,
                    status_code=result.status_code,
                    latency_ms=result.latency_ms,
                    error=result.error,
                    response_excerpt=result.response_excerpt,
                ),
            )
            if outcome.disable_reason is not None:
                await repository.disable_endpoint(
                    session, item.endpoint_id, reason=outcome.disable_reason, now=now
                )
        if not result.succeeded:
            log.info(
                "webhook %s to %s failed (%s); next: %s",
                item.id,
                target.url,
                result.error or result.status_code,
                outcome.next_attempt_at or outcome.status,
            )
        return outcome


def _changes(
    item: ClaimedSendout,
    result: DeliveryResult,
    outcome: Outcome,
    attempted_at: datetime,
    first: datetime,
    now: datetime,
) -> dict[str, Any]:
    changes: dict[str, Any] = {
        "status": outcome.status,
        "attempts": item.attempts + 1,
        "schedule_attempts": item.schedule_attempts + 1,
        "first_attempt_at": first,
        "last_attempt_at": attempted_at,
        "last_status_code": result.status_code,
        "last_error": result.error,
        "claim_token": None,
    }
    if outcome.status == SUCCEEDED:
        changes["delivered_at"] = now
    if outcome.status == PENDING and outcome.next_attempt_at is not None:
        changes["next_attempt_at"] = outcome.next_attempt_at
    return changes
