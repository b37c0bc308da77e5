"""Webhooks, send-outs, attempts and secrets as the Management API returns them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from voucherd.kit.timefmt import iso
from voucherd.webhooks.models import (
    OPEN_STATUSES,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookSendout,
)
from voucherd.webhooks.signing import standard_webhooks_secret
from voucherd.webhooks.signing_keys import SigningSecrets


def webhook_body(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "object": "webhook",
        "target_url": endpoint.target_url,
        "events": list(endpoint.events),
        "active": endpoint.active,
        "headers": dict(endpoint.headers or {}),
        "disabled_reason": endpoint.disabled_reason,
        "disabled_at": iso(endpoint.disabled_at),
        "created_at": iso(endpoint.created_at),
        "updated_at": iso(endpoint.updated_at),
    }


def attempt_body(attempt: WebhookAttempt) -> dict[str, Any]:
    return {
        "id": attempt.id,
        "object": "webhook_attempt",
        "number": attempt.number,
        "attempted_at": iso(attempt.attempted_at),
        "succeeded": attempt.succeeded,
        "status_code": attempt.status_code,
        "latency_ms": attempt.latency_ms,
        "error": attempt.error,
        "response_excerpt": attempt.response_excerpt,
    }


def sendout_body(
    sendout: WebhookSendout, attempts: Sequence[WebhookAttempt] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": sendout.id,
        "object": "webhook_sendout",
        "webhook_id": sendout.endpoint_id,
        "event_id": sendout.event_id,
        "event_type": sendout.event_type,
        "status": sendout.status,
        "attempts": sendout.attempts,
        "next_attempt_at": iso(sendout.next_attempt_at)
        if sendout.status in OPEN_STATUSES
        else None,
        "first_attempt_at": iso(sendout.first_attempt_at),
        "last_attempt_at": iso(sendout.last_attempt_at),
        "last_status_code": sendout.last_status_code,
        "last_error": sendout.last_error,
        "delivered_at": iso(sendout.delivered_at),
        "created_at": iso(sendout.created_at),
    }
    if attempts is not None:
        body["attempts_log"] = [attempt_body(a) for a in attempts]
    return body


def secret_body(keys: SigningSecrets, now: datetime) -> dict[str, Any]:
    in_grace = len(keys.valid(now)) > 1
    return {
        "object": "webhook_secret",
        "secret": keys.current,
        "standard_webhooks_secret": standard_webhooks_secret(keys.current),
        "previous_secret_expires_at": iso(keys.previous_expires_at) if in_grace else None,
    }
