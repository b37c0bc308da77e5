"""Management API bodies for webhooks, send-outs and the signing secret."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, field_validator

from voucherd.webhooks.subscriptions import is_valid_name

# Header names we set ourselves; a per-endpoint header may not replace them.
RESERVED_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "host",
        "user-agent",
        "transfer-encoding",
        "connection",
        "x-voucherify-signature",
        "x-voucherify-signature-previous",
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
    }
)
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 field-name


def _check_events(events: list[str] | None) -> list[str] | None:
    if events is None:
        return None
    bad = [e for e in events if not is_valid_name(e)]
    if bad:
        raise ValueError(f"unknown event name(s): {', '.join(bad[:5])}")
    # Keep the client's order and spelling (it is echoed back), without repeats.
    return list(dict.fromkeys(events))


def _check_headers(headers: dict[str, str] | None) -> dict[str, str] | None:
    if headers is None:
        return None
    if len(headers) > 20:
        raise ValueError("at most 20 extra headers")
    seen: set[str] = set()
    for name, value in headers.items():
        lowered = name.lower()
        if not _TOKEN.fullmatch(name) or len(name) > 100:
            raise ValueError(f"invalid header name {name!r}")
        if lowered in RESERVED_HEADERS:
            raise ValueError(f"header {name!r} is set by voucherd")
        if lowered in seen:
            raise ValueError(f"header {name!r} given twice")
        if len(value) > 2000 or any(c in value for c in "\r\n\0"):
            raise ValueError(f"invalid value for header {name!r}")
        seen.add(lowered)
    return headers


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    target_url: StrictStr = Field(min_length=1, max_length=2048)
    events: list[StrictStr] = Field(min_length=1, max_length=200)
    active: StrictBool | None = None
    headers: dict[StrictStr, StrictStr] | None = None

    _events = field_validator("events")(_check_events)
    _headers = field_validator("headers")(_check_headers)


class WebhookUpdate(BaseModel):
    """Voucherify's PUT takes the whole webhook; voucherd also accepts just the changes."""

    model_config = ConfigDict(extra="ignore")

    target_url: StrictStr | None = Field(default=None, min_length=1, max_length=2048)
    events: list[StrictStr] | None = Field(default=None, min_length=1, max_length=200)
    active: StrictBool | None = None
    headers: dict[StrictStr, StrictStr] | None = None

    _events = field_validator("events")(_check_events)
    _headers = field_validator("headers")(_check_headers)


class ReplayRequest(BaseModel):
    """Which failed send-outs of an endpoint to send again (by creation time; open-ended)."""

    model_config = ConfigDict(extra="forbid")

    created_after: datetime | None = None
    created_before: datetime | None = None


class RotateSecretRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # How long the previous secret keeps signing; 0 stops it at once.
    grace_seconds: int = Field(default=86_400, ge=0, le=30 * 86_400)


# Response models (bodies are built by serializers.py; tests check the two agree).
class WebhookOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    object: str = "webhook"
    target_url: str
    events: list[str]
    active: bool
    headers: dict[str, str]
    disabled_reason: str | None
    disabled_at: str | None
    created_at: str
    updated_at: str | None


class WebhooksListOut(BaseModel):
    object: str = "list"
    data_ref: str = "data"
    data: list[WebhookOut]
    total: int


class AttemptOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    object: str = "webhook_attempt"
    number: int
    attempted_at: str
    succeeded: bool
    status_code: int | None
    latency_ms: int
    error: str | None
    response_excerpt: str | None


class SendoutOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    object: str = "webhook_sendout"
    webhook_id: str
    event_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: str | None
    first_attempt_at: str | None
    last_attempt_at: str | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: str | None
    created_at: str
    attempts_log: list[AttemptOut] | None = None


class SendoutsListOut(BaseModel):
    object: str = "list"
    data_ref: str = "data"
    data: list[SendoutOut]
    total: int
    has_more: bool | None = None
    more_starting_after: str | None = None


class ReplayOut(BaseModel):
    object: str = "webhook_replay"
    webhook_id: str
    queued: int


class SecretOut(BaseModel):
    object: str = "webhook_secret"
    secret: str
    standard_webhooks_secret: str
    previous_secret_expires_at: str | None
