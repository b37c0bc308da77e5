"""Signatures: Voucherify's documented vector, Standard Webhooks, and secret rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook

from tests.support import ProjectKeys
from tests.webhooks.conftest import Subscribe
from tests.webhooks.receiver import Inbox
from voucherd.kit.clock import clock
from voucherd.kit.db import Database
from voucherd.webhooks.envelope import encode
from voucherd.webhooks.signing import (
    sign_headers,
    standard_webhooks_secret,
    verify_voucherify_signature,
    voucherify_signature,
)
from voucherd.webhooks.worker import Deliverer


def _now() -> datetime:
    # Signed at test time: the receiver's check allows 5 minutes against the wall clock, and
    # a module-level timestamp is taken at collection, minutes before a long suite gets here.
    return datetime.now(UTC)


def test_voucherify_signature_matches_the_documented_vector() -> None:
    assert (
        voucherify_signature(b'{"a":1}', "secretKey")
        == "a17d2ac229d1ebbb5f10e839c7985c4818e5986eab297f7e5979196d4d7d3ed2"
    )


def test_envelope_is_compact_json() -> None:
    assert encode({"a": 1}) == b'{"a":1}'
    assert encode({"s": "a b", "n": [1, 2]}) == b'{"s":"a b","n":[1,2]}'


# Integers within JavaScript's safe range: what event payloads (money, points) can hold.
SAFE_INTS = st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)


@given(st.dictionaries(st.text(), SAFE_INTS | st.text()), st.text(min_size=1))
def test_both_signatures_verify_for_any_body_and_secret(
    body: dict[str, object], secret: str
) -> None:
    raw = encode(body)
    headers = sign_headers(raw, message_id="whs_1", timestamp=_now(), secrets=[secret])
    assert verify_voucherify_signature(raw, headers["x-voucherify-signature"], secret)
    Webhook(standard_webhooks_secret(secret)).verify(raw, headers)


def test_during_grace_both_secrets_sign() -> None:
    raw = b'{"a":1}'
    headers = sign_headers(raw, message_id="whs_1", timestamp=_now(), secrets=["new", "old"])
    assert headers["x-voucherify-signature"] == voucherify_signature(raw, "new")
    assert headers["x-voucherify-signature-previous"] == voucherify_signature(raw, "old")
    for secret in ("new", "old"):
        Webhook(standard_webhooks_secret(secret)).verify(raw, headers)


async def test_rotated_secret_signs_with_the_old_one_until_the_grace_period_ends(
    client: httpx.AsyncClient,
    mgmt: httpx.AsyncClient,
    project: ProjectKeys,
    subscribe: Subscribe,
    inbox: Inbox,
    deliverer: Deliverer,
    db: Database,
) -> None:
    base = f"/management/v1/projects/{project.project_id}/webhook-secret"
    old = (await mgmt.get(base)).json()["secret"]
    rotated = (await mgmt.post(f"{base}/rotate", json={"grace_seconds": 3600})).json()
    new = rotated["secret"]
    assert new != old and rotated["previous_secret_expires_at"] is not None
    await subscribe(inbox.url, ["customer.created"])

    await client.post("/v1/customers", json={"source_id": "during"})
    await deliverer.deliver_due(db)
    during = inbox.requests[-1]
    assert verify_voucherify_signature(during.body, during.headers["x-voucherify-signature"], new)
    assert verify_voucherify_signature(
        during.body, during.headers["x-voucherify-signature-previous"], old
    )
    assert len(during.headers["webhook-signature"].split(" ")) == 2

    clock.advance(timedelta(hours=1))
    await client.post("/v1/customers", json={"source_id": "after"})
    await deliverer.deliver_due(db)
    after = inbox.requests[-1]
    assert "x-voucherify-signature-previous" not in after.headers
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert verify_voucherify_signature(after.body, after.headers["x-voucherify-signature"], new)
    assert (await mgmt.get(base)).json()["previous_secret_expires_at"] is None
