"""Wire bodies of validation sessions."""

from __future__ import annotations

from typing import Any

from voucherd.sessions.schemas import SessionIn


def session_body(key: str, request: SessionIn) -> dict[str, Any]:
    """The `session` a validation echoes (Voucherify's `Session`)."""
    return {"key": key, "type": "LOCK", "ttl": request.duration, "ttl_unit": request.unit}
