"""Sending one webhook over HTTP: a total time limit, a short response excerpt, no redirects.

Every connection goes through the SSRF guard: `ssrf.GuardedResolver` for names, `vet` for IP
literals, and `ssrf.guarded_socket_factory` for the address every socket connects to.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import aiohttp

from voucherd.config import Settings
from voucherd.webhooks.schedule import DEFAULT_RETRY_DELAYS, RetrySchedule, parse_schedule
from voucherd.webhooks.ssrf import (
    BlockedAddress,
    GuardedResolver,
    IPNetwork,
    connect_target,
    guarded_socket_factory,
    parse_networks,
    vet,
)

# Enough of a receiver's answer to debug it from the send-out log, small enough to store
# for every attempt.
EXCERPT_BYTES = 1024
USER_AGENT = "voucherd-webhooks/0.1"
ERROR_CHARS = 500
# A lane renews its lease when less than one POST (the timeout) plus this is left.
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
        # Three timeouts: a lane renews before a POST that could outlive it, so this covers one
        # POST and its recording with room to spare; it is also how long a crashed worker's
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
class DeliveryResult:
    status_code: int | None
    latency_ms: int
    error: str | None = None
    response_excerpt: str | None = None
    retry_after: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _error(message: str) -> str:
    # The send-out log's error columns hold 500 characters (a refusal can list many addresses).
    return message[:ERROR_CHARS]


class Sender:
    """One pooled HTTP client per worker process (aiohttp: several times the requests per
    second of httpx for the same CPU, which is what bounds delivery throughput)."""

    def __init__(
        self,
        *,
        timeout: float,
        allowed_networks: Sequence[IPNetwork],
        max_connections: int,
    ) -> None:
        self.timeout = timeout
        self._allowed = tuple(allowed_networks)
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=max_connections,
                resolver=GuardedResolver(self._allowed),
                socket_factory=guarded_socket_factory(self._allowed),
            ),
            timeout=aiohttp.ClientTimeout(total=timeout),
            # Proxies from the environment would connect on our behalf, past the guard.
            trust_env=False,
            # Only the headers a lane sets (aiohttp would add its own User-Agent).
            skip_auto_headers=("User-Agent",),
        )

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> DeliveryResult:
        started = time.perf_counter()

        def elapsed_ms() -> int:
            return int((time.perf_counter() - started) * 1000)

        try:
            async with asyncio.timeout(self.timeout):
                await self._vet_literal(url)
                return await self._send(url, body, headers, started)
        except TimeoutError:
            return DeliveryResult(None, elapsed_ms(), error=f"timeout after {self.timeout:g}s")
        except BlockedAddress as exc:
            return DeliveryResult(None, elapsed_ms(), error=_error(f"blocked: {exc}"))
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, BlockedAddress):
                return DeliveryResult(None, elapsed_ms(), error=_error(f"blocked: {exc.os_error}"))
            return DeliveryResult(None, elapsed_ms(), error=_error(f"{type(exc).__name__}: {exc}"))
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            return DeliveryResult(None, elapsed_ms(), error=_error(f"{type(exc).__name__}: {exc}"))

    async def _vet_literal(self, url: str) -> None:
        # aiohttp connects to an IP literal without asking the resolver: vet it here (the
        # socket factory would refuse it too, with a less readable error).
        host, _port = connect_target(url)
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return
        await vet(host, 0, self._allowed)

    async def _send(
        self, url: str, body: bytes, headers: dict[str, str], started: float
    ) -> DeliveryResult:
        async with self._session.post(
            url, data=body, headers=headers, allow_redirects=False
        ) as resp:
            excerpt = bytearray()
            while len(excerpt) < EXCERPT_BYTES:
                chunk = await resp.content.read(EXCERPT_BYTES - len(excerpt))
                if not chunk:
                    break
                excerpt += chunk
            return DeliveryResult(
                status_code=resp.status,
                latency_ms=int((time.perf_counter() - started) * 1000),
                response_excerpt=bytes(excerpt).decode("utf-8", "replace"),
                retry_after=resp.headers.get("retry-after"),
            )

    async def aclose(self) -> None:
        await self._session.close()
