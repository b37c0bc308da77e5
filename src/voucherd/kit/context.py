"""Who is acting: the project, the request (event group id) and the channel of the call."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


@dataclass(frozen=True, slots=True)
class RequestContext:
    project_id: str
    request_id: str
    # Voucherify's event_source.channel: API for server keys, INTERNAL for the worker.
    channel: str = "API"
    api_key_name: str | None = None
    app_id: str | None = None

    def event_source(self) -> dict[str, Any]:
        source: dict[str, Any] = {"channel": self.channel}
        if self.api_key_name is not None or self.app_id is not None:
            source["api_key"] = {"name": self.api_key_name, "app_id": self.app_id}
        return source
