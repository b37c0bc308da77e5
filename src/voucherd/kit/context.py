"""Who is acting: the project, the request (event group id) and the channel of the call."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from voucherd.kit.clock import utcnow
from voucherd.kit.zones import local_date, zone

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


@dataclass(frozen=True, slots=True)
class RequestContext:
    project_id: str
    request_id: str
    # Voucherify's event_source.channel: API for server keys, INTERNAL for the worker.
    channel: str = "API"
    api_key_name: str | None = None
    app_id: str | None = None
    # The project's IANA time zone (`PUT /management/v1/projects/{id}`), read with the key
    # at authentication: local days (expiry, activation, counters) are counted in it.
    timezone: str = "UTC"

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.timezone)

    def today(self) -> date:
        """The project's current calendar day (by the one clock)."""
        return local_date(utcnow(), self.zone)

    def event_source(self) -> dict[str, Any]:
        source: dict[str, Any] = {"channel": self.channel}
        if self.api_key_name is not None or self.app_id is not None:
            source["api_key"] = {"name": self.api_key_name, "app_id": self.app_id}
        return source
