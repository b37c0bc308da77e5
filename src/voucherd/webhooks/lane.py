"""One endpoint's delivery lane: send its due send-outs one at a time, in insertion order.

Order: the lane owns the endpoint (a lease), takes its oldest due send-outs, and sends them
sequentially, so the receiver sees events in commit order; a send-out waiting for its retry is
not due, and the ones behind it go ahead. No transaction is open during a POST. Results are
recorded in small batches (with the lease renewal and the next claim, or after a second), so a
fast endpoint costs one short transaction per batch rather than per event. A crash before a
batch is recorded means those send-outs are sent again, with the same ids (at-least-once).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.clock import utcnow
from voucherd.kit.db import Database
from voucherd.kit.ids import new_id
from voucherd.kit.timefmt import iso
from voucherd.webhooks import repository, signing_keys
from voucherd.webhooks.delivery import (
    LEASE_MARGIN,
    USER_AGENT,
    DeliveryConfig,
    DeliveryResult,
    Sender,
)
from voucherd.webhooks.envelope import build_envelope, encode
from voucherd.webhooks.models import SUCCEEDED
from voucherd.webhooks.outcome import Outcome, decide
from voucherd.webhooks.repository import ClaimedSendout
from voucherd.webhooks.signing import sign_headers

ATTEMPT_PREFIX = "whsa"
# Send-outs claimed (and results recorded) at a time: enough to amortise the transaction,
# few enough that a crash re-sends little.
BATCH = 20
# Batches a lane sends before it gives its slot back, so many busy endpoints take turns.
LANE_BATCHES = 10
# Results wait at most this long (real time) before they are written to the send-out log.
FLUSH_AFTER_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class _Target:
    url: str
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class _Finished:
    """An attempt that was made and is waiting to be recorded."""

    item: ClaimedSendout
    changes: dict[str, Any]
    attempt: dict[str, Any]  # a webhook_attempts row
    outcome: Outcome


class Lane:
    """One endpoint, owned by this worker until the lane ends or its lease runs out."""

    def __init__(
        self,
        db: Database,
        config: DeliveryConfig,
        sender: Sender,
        endpoint_id: str,
        token: str,
        stopping: Callable[[], bool] = lambda: False,
    ) -> None:
        self._stopping = stopping
        self._db = db
        self._config = config
        self._sender = sender
        self.endpoint_id = endpoint_id
        self._token = token
        self._finished: list[_Finished] = []
        self._first_finished_at = 0.0
        self._lease_until = utcnow()
        # When the receiver asked us (429 Retry-After) to come back; kept on release.
        self._hold: datetime | None = None
        self.attempts_made = 0

    async def run(self) -> None:
        # The endpoint's URL, headers and signing secrets are read once per lane: a lane
        # lasts seconds, and a change applies from the next lane on.
        target: _Target | None = None
        keys: signing_keys.SigningSecrets | None = None
        for _ in range(LANE_BATCHES):
            async with self._db.transaction() as session:
                if not await self._flush(session):
                    return
                if target is None or keys is None:
                    endpoint = await repository.get_endpoint_by_id(session, self.endpoint_id)
                    if endpoint is None:
                        return
                    headers = {str(k): str(v) for k, v in (endpoint.headers or {}).items()}
                    target = _Target(endpoint.target_url, headers)
                    keys = await signing_keys.load(session, endpoint.project_id)
                batch = await repository.claim_batch(
                    session, self.endpoint_id, self._token, now=utcnow(), limit=BATCH
                )
            if not batch:
                return
            for item in batch:
                # A worker shutting down finishes the attempt in flight, then hands the rest
                # back (close() records results and returns unsent send-outs to PENDING).
                if self._stopping() or not await self._keep_lease():
                    return
                finished = await self._attempt(item, target, keys)
                self._finished.append(finished)
                if finished.outcome.disable_reason is not None:
                    return
                if finished.outcome.hold_endpoint_until is not None:
                    self._hold = finished.outcome.hold_endpoint_until
                    return
                if time.monotonic() - self._first_finished_at > FLUSH_AFTER_SECONDS:
                    async with self._db.transaction() as session:
                        if not await self._flush(session):
                            return

    async def close(self) -> None:
        """Record what is left and give the endpoint back (unclaimed send-outs stay due)."""
        async with self._db.transaction() as session:
            await self._flush(session)
            await repository.release_lane(
                session, self.endpoint_id, self._token, hold_until=self._hold
            )

    async def _flush(self, session: AsyncSession) -> bool:
        """Record finished attempts and renew the lease. False when the lane should stop:
        it is no longer ours, or the endpoint was disabled (its results are still recorded)."""
        self._lease_until = utcnow() + self._config.lease
        active = await repository.renew_lane(
            session, self.endpoint_id, self._token, self._lease_until
        )
        owned = active is not None
        finished, self._finished = self._finished, []
        await repository.record_results(
            session,
            [{"seq": f.item.seq, **f.changes} for f in finished],
            [f.attempt for f in finished],
            owned=owned,
        )
        if owned:
            for f in finished:
                if f.outcome.disable_reason is not None:
                    await repository.disable_endpoint(
                        session, self.endpoint_id, reason=f.outcome.disable_reason, now=utcnow()
                    )
        return bool(active)

    async def _keep_lease(self) -> bool:
        # A POST that could outlive the lease might overlap another worker's send of the
        # same send-out after it takes the endpoint over; renew first.
        if utcnow() + timedelta(seconds=self._config.timeout) + LEASE_MARGIN <= self._lease_until:
            return True
        async with self._db.transaction() as session:
            return await self._flush(session)

    async def _attempt(
        self, item: ClaimedSendout, target: _Target, keys: signing_keys.SigningSecrets
    ) -> _Finished:
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
        headers = {
            **target.headers,
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            # Same whs_ id (webhook-id) on every attempt; the timestamp is this attempt's.
            **sign_headers(
                body, message_id=item.id, timestamp=attempted_at, secrets=keys.valid(attempted_at)
            ),
        }
        result = await self._sender.post(target.url, body, headers)
        self.attempts_made += 1
        if not self._finished:
            self._first_finished_at = time.monotonic()
        now = utcnow()
        first = item.first_attempt_at or attempted_at
        outcome = decide(
            result,
            now=now,
            first_attempt_at=first,
            schedule_attempts=item.schedule_attempts + 1,
            schedule=self._config.schedule,
        )
        return _Finished(
            item=item,
            changes=_changes(item, result, outcome, attempted_at, first, now),
            attempt={
                "id": new_id(ATTEMPT_PREFIX),
                "sendout_id": item.id,
                "number": item.attempts + 1,
                "attempted_at": attempted_at,
                "succeeded": result.succeeded,
                "status_code": result.status_code,
                "latency_ms": result.latency_ms,
                "error": result.error,
                "response_excerpt": result.response_excerpt,
            },
            outcome=outcome,
        )


def _changes(
    item: ClaimedSendout,
    result: DeliveryResult,
    outcome: Outcome,
    attempted_at: datetime,
    first: datetime,
    now: datetime,
) -> dict[str, Any]:
    # The same keys for every outcome, so a batch is one executemany.
    return {
        "status": outcome.status,
        "attempts": item.attempts + 1,
        "schedule_attempts": item.schedule_attempts + 1,
        "first_attempt_at": first,
        "last_attempt_at": attempted_at,
        "last_status_code": result.status_code,
        "last_error": result.error,
        "delivered_at": now if outcome.status == SUCCEEDED else None,
        # Only read while the send-out is open (PENDING); otherwise it is history.
        "next_attempt_at": outcome.next_attempt_at or attempted_at,
        "claim_token": None,
    }
