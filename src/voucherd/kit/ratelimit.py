"""A token bucket per caller (the client-side API limits each IP address).

In-process: each API process keeps its own buckets, so N processes behind a balancer let
through up to N times the rate. That bounds abuse of publishable keys from one address, which
is the purpose; a shared limit across processes belongs in the proxy in front.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # whole seconds until one request is allowed again (0 when allowed)


class RateLimiter:
    """`per_minute` requests a minute per key, in bursts of up to `per_minute`."""

    def __init__(
        self,
        per_minute: int,
        *,
        max_keys: int = 100_000,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self._rate = per_minute / 60.0
        self._max_keys = max_keys
        self._now = now
        # Least recently seen first, so the oldest are dropped when there are too many
        # keys (a dropped key starts again with a full bucket: generous, never wrong).
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def clear(self) -> None:
        """Forget every key (tests: each starts with full buckets)."""
        self._buckets.clear()

    def take(self, key: str) -> Decision:
        now = self._now()
        bucket = self._buckets.pop(key, None) or _Bucket(float(self.per_minute), now)
        bucket.tokens = min(
            float(self.per_minute), bucket.tokens + (now - bucket.updated) * self._rate
        )
        bucket.updated = now
        allowed = bucket.tokens >= 1.0
        if allowed:
            bucket.tokens -= 1.0
        self._buckets[key] = bucket
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        retry = 0 if allowed else math.ceil((1.0 - bucket.tokens) / self._rate)
        return Decision(allowed, self.per_minute, int(bucket.tokens), retry)
