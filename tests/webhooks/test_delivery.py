"""Delivery to a real local receiver: the envelope, both signatures, which events go where,
and per-endpoint order."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import httpx
import orjson
from standardwebhooks.webhooks import Webhook

from tests.support import ProjectKeys
from tests.webhooks.conftest import Subscribe
from tests.webhooks.receiver import Inbox, Receiver, Reply
from voucherd.events.service import record_event
from voucherd.kit.context import RequestContext
from voucherd.kit.db import Database
from voucherd.webhooks.worker import Deliverer

ENVELOPE_KEYS = ["id", "project_id", "created_at", "type", "data", "source", "event"]


async def _secret(mgmt: httpx.AsyncClient, project: ProjectKeys) -> dict[str, Any]:
    resp = await mgmt.get(f"/management/v1/projects/{project.project_id}/webhook-secret")
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def test_event_arrives_in_voucherify_envelope_and_both_signatures_verify(
    client: httpx.AsyncClient,
    mgmt: httpx.AsyncClient,
    project: ProjectKeys,
    subscribe: Subscribe,
    inbox: Inbox,
    deliverer: Deliverer,
    db: Database,
) -> None:
    webhook = await subscribe(inbox.url, ["customer.created"])
    customer = (
        await client.post("/v1/customers", json={"source_id": "ann", "name": "Ann Żółć"})
    ).json()

    await deliverer.deliver_due(db)

    [received] = inbox.requests
    envelope = received.json
    assert list(envelope) == ENVELOPE_KEYS
    assert str(envelope["id"]).startswith("whs_")
    assert envelope["project_id"] == project.project_id
    assert envelope["type"] == "customer.created"
    assert envelope["source"] == {"id": webhook["id"], "object": "webhook", "target_url": inbox.url}
    event = envelope["event"]
    assert isinstance(event, dict)
    assert list(event) == ["id", "type", "created_at", "entity_id", "group_id", "event_source"]
    assert str(event["id"]).startswith("evcus_")
    assert event["type"] == "customer.created"
    assert event["entity_id"] == customer["id"]
    assert str(event["group_id"]).startswith("v-")
    assert event["event_source"]["channel"] == "API"  # type: ignore[index]
    data = envelope["data"]
    assert isinstance(data, dict)
    assert data["customer"]["id"] == customer["id"]  # type: ignore[index]
    # Compact JSON, UTF-8 as is: the bytes JSON.stringify would give for the parsed body.
    assert received.body == orjson.dumps(envelope)
    assert b": " not in received.body and "Żółć".encode() in received.body

    secrets = await _secret(mgmt, project)
    expected = hmac.new(secrets["secret"].encode(), received.body, hashlib.sha256).hexdigest()
    assert received.headers["x-voucherify-signature"] == expected
    assert received.headers["content-type"] == "application/json"
    assert received.headers["webhook-id"] == envelope["id"]
    verified = Webhook(secrets["standard_webhooks_secret"]).verify(received.body, received.headers)
    assert verified == envelope


async def test_only_subscribed_events_are_sent(
    client: httpx.AsyncClient,
    subscribe: Subscribe,
    inbox: Inbox,
    deliverer: Deliverer,
    db: Database,
) -> None:
    await subscribe(inbox.url, ["customer.updated"])
    await client.post("/v1/customers", json={"source_id": "bob"})
    await client.put("/v1/customers/bob", json={"name": "Bob"})

    await deliverer.deliver_due(db)

    assert [r.json["type"] for r in inbox.requests] == ["customer.updated"]


async def test_sdk_misspelt_aded_name_subscribes_to_the_added_event(
    project: ProjectKeys, subscribe: Subscribe, inbox: Inbox, deliverer: Deliverer, db: Database
) -> None:
    await subscribe(inbox.url, ["voucher.loyalty_card.points_aded"])
    ctx = RequestContext(project_id=project.project_id, request_id="v-test")
    async with db.transaction() as session:
        await record_event(
            session, ctx, "voucher.loyalty_card.points_added", entity_id=None, data={"x": 1}
        )

    await deliverer.deliver_due(db)

    assert [r.json["type"] for r in inbox.requests] == ["voucher.loyalty_card.points_added"]


async def test_customer_events_can_be_subscribed_like_any_other(
    client: httpx.AsyncClient,
    subscribe: Subscribe,
    inbox: Inbox,
    deliverer: Deliverer,
    db: Database,
) -> None:
    await subscribe(inbox.url, ["customer.order.paid", "customer.order.created"])
    await client.post("/v1/orders", json={"status": "PAID", "amount": 1000})

    await deliverer.deliver_due(db)

    assert [r.json["type"] for r in inbox.requests] == [
        "customer.order.created",
        "customer.order.paid",
    ]


async def test_every_subscribed_endpoint_gets_its_own_sendout(
    client: httpx.AsyncClient,
    subscribe: Subscribe,
    receiver: Receiver,
    deliverer: Deliverer,
    db: Database,
) -> None:
    first, second = receiver.inbox(), receiver.inbox()
    await subscribe(first.url, ["customer.created"])
    await subscribe(second.url, ["customer.created"])
    await client.post("/v1/customers", json={"source_id": "cy"})

    await deliverer.deliver_due(db)

    [a], [b] = first.requests, second.requests
    assert a.json["event"] == b.json["event"]
    assert a.json["id"] != b.json["id"]


async def test_inactive_endpoint_gets_nothing(
    client: httpx.AsyncClient,
    subscribe: Subscribe,
    inbox: Inbox,
    deliverer: Deliverer,
    db: Database,
) -> None:
    await subscribe(inbox.url, ["customer.created"], active=False)
    await client.post("/v1/customers", json={"source_id": "dee"})

    await deliverer.deliver_due(db)

    assert inbox.requests == []


async def test_endpoint_extra_headers_are_sent(
    client: httpx.AsyncClient,
    subscribe: Subscribe,
    inbox: Inbox,
    deliverer: Deliverer,
    db: Database,
) -> None:
    await subscribe(inbox.url, ["customer.created"], headers={"X-Env": "staging"})
    await client.post("/v1/customers", json={"source_id": "eve"})

    await deliverer.deliver_due(db)

    assert inbox.requests[0].headers["x-env"] == "staging"


async def test_endpoint_receives_events_in_commit_order(
    client: httpx.AsyncClient,
    subscribe: Subscribe,
    inbox: Inbox,
    deliverer: Deliverer,
    db: Database,
) -> None:
    await subscribe(inbox.url, ["customer.created"])
    created = [
        (await client.post("/v1/customers", json={"source_id": f"c{i}"})).json()["id"]
        for i in range(30)
    ]

    await deliverer.deliver_due(db)

    assert [r.json["event"]["entity_id"] for r in inbox.requests] == created  # type: ignore[index]


async def test_a_failing_event_does_not_hold_back_later_ones(
    client: httpx.AsyncClient,
    subscribe: Subscribe,
    inbox: Inbox,
    deliverer: Deliverer,
    db: Database,
) -> None:
    await subscribe(inbox.url, ["customer.created"])
    inbox.script(Reply(500))
    for name in ("first", "second", "third"):
        await client.post("/v1/customers", json={"source_id": name})

    await deliverer.deliver_due(db)

    sources = [r.json["data"]["customer"]["source_id"] for r in inbox.requests]  # type: ignore[index]
    assert sources == ["first", "second", "third"]
    assert inbox.requests[0].headers["webhook-id"] not in inbox.ids[1:]


async def test_an_event_arrives_before_the_events_it_causes(
    client: httpx.AsyncClient,
    subscribe: Subscribe,
    inbox: Inbox,
    deliverer: Deliverer,
    db: Database,
) -> None:
    # customer.order.paid makes loyalty earn pending points within the same transaction; the
    # receiver must see the payment first, then the points it earned.
    program = await client.post(
        "/v1/loyalties",
        json={
            "name": "Causes first",
            "auto_join": True,
            "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
        },
    )
    assert program.status_code == 200, program.text
    rule = {
        "event": "order.paid",
        "pending_points": {"period_type": "DAY", "period_value": 1},
        "loyalty": {"type": "FIXED", "points": 5},
    }
    earning = await client.post(f"/v1/loyalties/{program.json()['id']}/earning-rules", json=[rule])
    assert earning.status_code == 200, earning.text
    await subscribe(inbox.url, ["voucher.loyalty_card.pending_points.added", "customer.order.paid"])
    order = await client.post(
        "/v1/orders", json={"status": "PAID", "customer": {"source_id": "ann"}, "amount": 1000}
    )
    assert order.status_code == 200, order.text

    await deliverer.deliver_due(db)

    assert [r.json["type"] for r in inbox.requests] == [
        "customer.order.paid",
        "voucher.loyalty_card.pending_points.added",
    ]
