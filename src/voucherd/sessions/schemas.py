"""`session` in validation and redemption requests (Voucherify's `Session`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from voucherd.kit.errors import InvalidPayload

SESSION_TYPES = ("LOCK",)
# Microseconds per unit (timedelta's resolution: nanoseconds round to it).
TTL_UNITS: dict[str, float] = {
    "DAYS": 86_400e6,
    "HOURS": 3_600e6,
    "MINUTES": 60e6,
    "SECONDS": 1e6,
    "MILLISECONDS": 1e3,
    "MICROSECONDS": 1.0,
    "NANOSECONDS": 1e-3,
}
DEFAULT_TTL, DEFAULT_TTL_UNIT = 7, "DAYS"  # Voucherify's default
# A lock longer than a year is a mistake in the request, refused rather than kept forever.
MAX_TTL = timedelta(days=366)


class SessionIn(BaseModel):
    # Anything else in `session` is refused by name: nothing is stored and ignored.
    model_config = ConfigDict(extra="forbid")

    key: StrictStr | None = Field(default=None, min_length=1, max_length=200)
    type: StrictStr | None = None
    ttl: int | None = Field(default=None, ge=1)
    ttl_unit: StrictStr | None = None

    @property
    def lifetime(self) -> timedelta:
        return timedelta(microseconds=TTL_UNITS[self.unit] * self.duration)

    @property
    def duration(self) -> int:
        return self.ttl if self.ttl is not None else DEFAULT_TTL

    @property
    def unit(self) -> str:
        return self.ttl_unit or DEFAULT_TTL_UNIT


def parse(raw: dict[str, Any] | None) -> SessionIn | None:
    """The request's `session`, checked; None when absent. Unknown types, units and fields
    are a 400 naming them."""
    if raw is None:
        return None
    try:
        request = SessionIn.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"session.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidPayload(f"Invalid session: {problems}") from exc
    kind = request.type or "LOCK"
    if kind not in SESSION_TYPES:
        raise InvalidPayload(f"session.type {kind!r} is not supported (supported: LOCK)")
    if request.ttl_unit is not None and request.ttl_unit not in TTL_UNITS:
        raise InvalidPayload(
            f"session.ttl_unit {request.ttl_unit!r} is not supported "
            f"(supported: {', '.join(TTL_UNITS)})"
        )
    if (request.ttl is None) != (request.ttl_unit is None):
        raise InvalidPayload("session.ttl and session.ttl_unit go together: give both or neither")
    if request.duration * TTL_UNITS[request.unit] > MAX_TTL / timedelta(microseconds=1):
        raise InvalidPayload(f"session.ttl is longer than {MAX_TTL.days} days")
    if request.lifetime <= timedelta(0):
        raise InvalidPayload("session.ttl is shorter than a microsecond")
    return request
