"""What one attempt's result means for its send-out and endpoint (pure).

- 2xx: delivered.
- 410 Gone: the receiver says the endpoint is no more; disable it.
- anything else (timeouts, refused connections, 3xx/4xx/5xx, 429): retry on the schedule; a
  429's `Retry-After` pushes the retry (and the whole endpoint) to at least that time. When the
  schedule runs out, the send-out fails and the endpoint is disabled (Voucherify's rule).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from voucherd.webhooks.delivery import DeliveryResult
from voucherd.webhooks.models import FAILED, PENDING, SUCCEEDED
from voucherd.webhooks.schedule import RetrySchedule, next_attempt_at, retry_after_delay


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str
    next_attempt_at: datetime | None = None
    disable_reason: str | None = None
    # Keep every lane off the endpoint until then (the receiver asked us to slow down).
    hold_endpoint_until: datetime | None = None


def decide(
    result: DeliveryResult,
    *,
    now: datetime,
    first_attempt_at: datetime,
    schedule_attempts: int,
    schedule: RetrySchedule,
    rand: Callable[[], float] = random.random,
) -> Outcome:
    """`schedule_attempts` counts this attempt; `first_attempt_at` anchors the schedule."""
    if result.succeeded:
        return Outcome(SUCCEEDED)
    if result.status_code == 410:
        return Outcome(FAILED, disable_reason="the receiver answered 410 Gone")
    retry_at = next_attempt_at(schedule, first_attempt_at, schedule_attempts, rand)
    if retry_at is None:
        return Outcome(
            FAILED,
            disable_reason=f"a send-out failed {schedule_attempts} attempts; retries exhausted",
        )
    hold = None
    if result.status_code == 429:
        asked = retry_after_delay(result.retry_after, now)
        if asked is not None:
            hold = now + asked
            retry_at = max(retry_at, hold)
    return Outcome(PENDING, next_attempt_at=retry_at, hold_endpoint_until=hold)
