"""The Voucherify v2024-01-01 webhook envelope (pure) and its exact wire bytes.

The body is compact JSON (no whitespace outside strings, UTF-8 as is), which is what
`JSON.stringify` gives for the same object; receivers that re-serialise the parsed body
before checking the signature (Voucherify's Node SDK does) get the same bytes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class EventFacts:
    """The recorded event as the envelope's `event` and `data` need it."""

    id: str
    type: str
    created_at: str
    entity_id: str | None
    group_id: str
    event_source: dict[str, Any]
    data: dict[str, Any]


def build_envelope(
    *,
    sendout_id: str,
    project_id: str,
    created_at: str,
    endpoint_id: str,
    target_url: str,
    event: EventFacts,
) -> dict[str, Any]:
    # Project-level webhooks carry the event name as `type` (distribution webhooks would carry
    # their own name; voucherd has only project-level ones).
    return {
        "id": sendout_id,
        "project_id": project_id,
        "created_at": created_at,
        "type": event.type,
        "data": event.data,
        "source": {"id": endpoint_id, "object": "webhook", "target_url": target_url},
        "event": {
            "id": event.id,
            "type": event.type,
            "created_at": event.created_at,
            "entity_id": event.entity_id,
            "group_id": event.group_id,
            "event_source": event.event_source,
        },
    }


def encode(envelope: dict[str, Any]) -> bytes:
    """The exact bytes that are sent and signed."""
    return orjson.dumps(envelope)
