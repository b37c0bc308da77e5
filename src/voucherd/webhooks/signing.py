"""Webhook signatures (pure): Voucherify's `x-voucherify-signature` and Standard Webhooks.

- `x-voucherify-signature`: lowercase hex HMAC-SHA256 of the exact body, keyed with the
  project's webhook secret (no timestamp, no prefix), as Voucherify's SDKs verify it.
- Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`): the key is the
  UTF-8 bytes of the same secret, i.e. `whsec_` + base64(secret) for the receiver libraries.
During a rotation's grace period both secrets sign: Standard Webhooks lists both signatures
(receivers accept any), and `x-voucherify-signature-previous` carries the old secret's HMAC.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime

from standardwebhooks.webhooks import Webhook

VOUCHERIFY_HEADER = "x-voucherify-signature"
VOUCHERIFY_PREVIOUS_HEADER = "x-voucherify-signature-previous"


def voucherify_signature(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_voucherify_signature(body: bytes, signature: str, secret: str) -> bool:
    return hmac.compare_digest(voucherify_signature(body, secret), signature.strip().lower())


def standard_webhooks_secret(secret: str) -> str:
    """The project secret in the `whsec_…` form Standard Webhooks libraries take."""
    return "whsec_" + base64.b64encode(secret.encode()).decode()


def _standard(secret: str) -> Webhook:
    return Webhook(secret.encode())


def sign_headers(
    body: bytes, *, message_id: str, timestamp: datetime, secrets: Sequence[str]
) -> dict[str, str]:
    """All signature headers for one attempt; `secrets[0]` is current, the rest still valid."""
    if not secrets:
        raise ValueError("at least one signing secret is needed")
    text = body.decode()
    standard = " ".join(
        _standard(secret).sign(msg_id=message_id, timestamp=timestamp, data=text)
        for secret in secrets
    )
    headers = {
        VOUCHERIFY_HEADER: voucherify_signature(body, secrets[0]),
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": standard,
    }
    if len(secrets) > 1:
        headers[VOUCHERIFY_PREVIOUS_HEADER] = voucherify_signature(body, secrets[1])
    return headers


def verify_standard_signature(body: bytes, headers: dict[str, str], secret: str) -> bool:
    """Checks the Standard Webhooks signature (and its 5-minute timestamp tolerance)."""
    key = secret if secret.startswith("whsec_") else standard_webhooks_secret(secret)
    try:
        Webhook(key).verify(body, headers)
    except Exception:  # the library raises several types for a bad or stale signature
        return False
    return True
