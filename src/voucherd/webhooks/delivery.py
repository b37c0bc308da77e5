"""Sending one webhook over HTTP: a total time limit, a short response excerpt, no redirects.

Every connection goes through the SSRF guard (`ssrf.GuardedTransport`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from voucherd.webhooks.ssrf import BlockedAddress, GuardedTransport, IPNetwork

# Enough of a receiver's answer to debug it from the send-out log, small enough to store
# for every attempt.
EXCERPT_BYTES = 1024
USER_AGENT = "voucherd-webhooks/0.1"


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


class Sender:
    """One pooled HTTP client per worker process."""

    def __init__(
        self,
        *,
        timeout: float,
        allowed_networks: Sequence[IPNetwork],
        max_connections: int,
    ) -> None:
        self.timeout = timeout
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        self._client = httpx.AsyncClient(
            transport=GuardedTransport(
                allowed_networks, lambda: httpx.AsyncHTTPTransport(limits=limits)
            ),
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            # Proxies from the environment would connect on our behalf, past the guard.
            trust_env=False,
        )

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> DeliveryResult:
        started = time.perf_counter()

        def elapsed_ms() -> int:
            return int((time.perf_counter() - started) * 1000)

        try:
            # httpx's timeout applies per read; the receiver gets `timeout` seconds in total.
            async with asyncio.timeout(self.timeout):
                return await self._send(url, body, headers, started)
        except TimeoutError:
            return DeliveryResult(None, elapsed_ms(), error=f"timeout after {self.timeout:g}s")
        except httpx.TimeoutException:
            return DeliveryResult(None, elapsed_ms(), error=f"timeout after {self.timeout:g}s")
        except BlockedAddress as exc:
            return DeliveryResult(None, elapsed_ms(), error=f"blocked: {exc}")
        except httpx.HTTPError as exc:
            return DeliveryResult(None, elapsed_ms(), error=f"{type(exc).__name__}: {exc}"[:500])

    async def _send(
        self, url: str, body: bytes, headers: dict[str, str], started: float
    ) -> DeliveryResult:
        async with self._client.stream("POST", url, content=body, headers=headers) as resp:
            excerpt = bytearray()
            async for chunk in resp.aiter_raw():
                excerpt += chunk
                if len(excerpt) >= EXCERPT_BYTES:
                    break
            return DeliveryResult(
                status_code=resp.status_code,
                latency_ms=int((time.perf_counter() - started) * 1000),
                response_excerpt=bytes(excerpt[:EXCERPT_BYTES]).decode("utf-8", "replace"),
                retry_after=resp.headers.get("retry-after"),
            )

    async def aclose(self) -> None:
        await self._client.aclose()
