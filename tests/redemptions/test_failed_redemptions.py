"""Refused redemptions are listed as failures and announced, and change nothing else."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx

from tests.support import ProjectKeys, assert_same_shape, recorded_events
from voucherd.kit.db import Database

# The `redemption.failed` example of Voucherify's webhooks spec (EventRedemptionFailedData),
# plus the key its schema adds (promotion_stack); metadata contents are the customer's own.
FAILED_EVENT_EXAMPLE: dict[str, Any] = {
    "order": None,
    "holder": None,
    "voucher": None,
    "campaign": None,
    "customer": {
        "id": "cust_1g637SqVZnkdPNdAIZ7Ra879",
        "name": "Jane Doe",
        "email": "jane@jane.io",
        "object": "customer",
        "metadata": {},
        "source_id": "test_customer_id_2",
    },
    "created_at": "2024-02-02T12:12:12.919Z",
    "redemption": {
        "id": "rf_0e3ac5685ba431c104",
        "date": "2024-02-02T12:12:12.918Z",
        "object": "redemption",
        "result": "FAILURE",
        "status": "FAILED",
        "customer": {
            "id": "cust_1g637SqVZnkdPNdAIZ7Ra879",
            "name": "Jane Doe",
            "email": "jane@jane.io",
            "object": "customer",
            "metadata": {},
            "source_id": "test_customer_id_2",
        },
        "metadata": {},
        "customer_id": "cust_1g637SqVZnkdPNdAIZ7Ra879",
        "tracking_id": "track_Pw6r3ejnml43kIwNS4Zj09KZ67xOfLUy",
        "failure_code": "no_applicable_redeemables",
        "failure_message": "No applicable redeemables",
    },
    "promotion_tier": None,
    "promotion_stack": None,
}


async def _code(client: httpx.AsyncClient, **overrides: Any) -> str:
    body = {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 500}}
    resp = await client.post("/v1/vouchers", json=body | overrides)
    assert resp.status_code == 200, resp.text
    return str(resp.json()["code"])


def _redeem(*codes: str, customer: str | None = "jane") -> dict[str, Any]:
    body: dict[str, Any] = {
        "redeemables": [{"object": "voucher", "id": c} for c in codes],
        "order": {"amount": 5000},
        "metadata": {"till": 3},
    }
    if customer is not None:
        body["customer"] = {"source_id": customer}
    return body


async def _failures(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    listing = await client.get("/v1/redemptions", params={"result": "FAILURE", "limit": 100})
    assert listing.status_code == 200, listing.text
    return list(listing.json()["redemptions"])


async def test_used_up_code_is_refused_listed_as_failure_and_announced(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    jane = {"source_id": "jane", "name": "Jane Doe", "email": "jane@jane.io", "metadata": {"a": 1}}
    await client.post("/v1/customers", json=jane)
    code = await _code(client, redemption={"quantity": 1})
    assert (await client.post("/v1/redemptions", json=_redeem(code))).status_code == 200

    refused = await client.post("/v1/redemptions", json=_redeem(code))

    assert refused.status_code == 400
    error = refused.json()
    assert error["key"] == "quantity_exceeded"
    assert set(error) >= {"code", "key", "message", "details", "request_id"}
    [failed] = await _failures(client)
    assert failed["id"].startswith("rf_")
    assert (failed["result"], failed["status"]) == ("FAILURE", "FAILED")
    assert failed["failure_code"] == "quantity_exceeded"
    assert failed["failure_message"] == error["message"]
    assert failed["voucher"]["code"] == code
    assert failed["related_object_type"] == "voucher"
    assert failed["customer"]["source_id"] == "jane"
    assert failed["metadata"] == {"till": 3}
    assert failed["amount"] == 0 and failed["order"] is None
    assert (await client.get(f"/v1/redemptions/{failed['id']}")).json()["id"] == failed["id"]

    [event] = await recorded_events(db, project, "redemption.failed")
    assert event.entity_id == failed["id"]
    assert_same_shape(FAILED_EVENT_EXAMPLE, event.data)
    assert event.data["redemption"]["failure_code"] == "quantity_exceeded"
    assert event.data["voucher"]["code"] == code
    assert event.data["redemption"]["status"] == "FAILED"


async def test_a_failure_changes_no_voucher_or_order_counter(client: httpx.AsyncClient) -> None:
    await client.post("/v1/customers", json={"source_id": "jane"})
    code = await _code(client, redemption={"quantity": 1})
    await client.post("/v1/redemptions", json=_redeem(code))
    before = (await client.get(f"/v1/vouchers/{code}")).json()

    await client.post("/v1/redemptions", json=_redeem(code))

    after = (await client.get(f"/v1/vouchers/{code}")).json()
    assert after["redemption"] == before["redemption"]
    assert (await client.get("/v1/orders")).json()["total"] == 1
    summary = (await client.get("/v1/customers/jane")).json()["summary"]["redemptions"]
    # Voucherify counts the attempt in total_failed (and total_redeemed), nothing else.
    assert summary["total_succeeded"] == 1
    assert summary["total_failed"] == 1


async def test_unknown_code_failure_points_at_itself_and_creates_no_customer(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    resp = await client.post("/v1/redemptions", json=_redeem("NO-SUCH-CODE", customer="newbie"))
    assert resp.status_code == 404 and resp.json()["key"] == "resource_not_found"
    [failed] = await _failures(client)
    assert failed["related_object_type"] == "redemption"
    assert failed["related_object_id"] == failed["id"]
    assert failed["failure_code"] == "resource_not_found"
    assert failed["customer"] is None and "voucher" not in failed
    assert (await client.get("/v1/customers")).json()["total"] == 0
    [event] = await recorded_events(db, project, "redemption.failed")
    assert event.data["voucher"] is None and event.data["customer"] is None


async def test_stacked_refusal_records_each_refused_redeemable_only(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    good = await _code(client)
    disabled = await _code(client, active=False)
    expired = await _code(client, expiration_date="2000-01-01T00:00:00Z")

    resp = await client.post("/v1/redemptions", json=_redeem(good, disabled, expired))

    assert resp.status_code == 400 and resp.json()["key"] == "voucher_disabled"
    failures = await _failures(client)
    assert Counter((f["voucher"]["code"], f["failure_code"]) for f in failures) == {
        (disabled, "voucher_disabled"): 1,
        (expired, "voucher_expired"): 1,
    }
    assert len(await recorded_events(db, project, "redemption.failed")) == 2
    assert (await client.get(f"/v1/vouchers/{good}")).json()["redemption"]["redeemed_quantity"] == 0


async def test_refused_gift_credits_leave_the_balance_alone(client: httpx.AsyncClient) -> None:
    card = (
        await client.post("/v1/vouchers", json={"type": "GIFT_VOUCHER", "gift": {"amount": 1000}})
    ).json()
    body = {
        "redeemables": [{"object": "voucher", "id": card["code"], "gift": {"credits": 1001}}],
        "order": {"amount": 5000},
    }
    resp = await client.post("/v1/redemptions", json=body)
    assert resp.status_code == 400 and resp.json()["key"] == "gift_amount_exceeded"
    [failed] = await _failures(client)
    assert failed["failure_code"] == "gift_amount_exceeded"
    after = (await client.get(f"/v1/vouchers/{card['code']}")).json()
    assert after["gift"]["balance"] == 1000
    assert (await client.get(f"/v1/vouchers/{card['code']}/transactions")).json()["data"] == []


async def test_malformed_request_records_no_failure(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    code = await _code(client)
    too_many = {"redeemables": [{"object": "voucher", "id": code}] * 31}
    bad_order = {"redeemables": [{"object": "voucher", "id": code}], "order": {"amount": -1}}
    for body in (too_many, bad_order):
        resp = await client.post("/v1/redemptions", json=body)
        assert resp.status_code == 400 and resp.json()["key"] == "invalid_payload"
    assert await _failures(client) == []
    assert await recorded_events(db, project, "redemption.failed") == []


async def test_a_failure_cannot_be_rolled_back(client: httpx.AsyncClient) -> None:
    code = await _code(client, active=False)
    await client.post("/v1/redemptions", json=_redeem(code))
    [failed] = await _failures(client)
    resp = await client.post(f"/v1/redemptions/{failed['id']}/rollback")
    assert resp.status_code == 400 and resp.json()["key"] == "invalid_redemption"
    assert (await client.get("/v1/redemptions")).json()["total"] == 1


async def test_result_filter_takes_repeated_values(client: httpx.AsyncClient) -> None:
    code = await _code(client, redemption={"quantity": 1})
    await client.post("/v1/redemptions", json=_redeem(code, customer=None))
    await client.post("/v1/redemptions", json=_redeem(code, customer=None))

    def results(listing: httpx.Response) -> list[str]:
        return sorted(r["result"] for r in listing.json()["redemptions"])

    both = await client.get("/v1/redemptions?result=SUCCESS&result=FAILURE")
    assert results(both) == ["FAILURE", "SUCCESS"]
    assert results(await client.get("/v1/redemptions", params={"result": "SUCCESS"})) == ["SUCCESS"]
    wrong = await client.get("/v1/redemptions", params={"result": "MAYBE"})
    assert wrong.status_code == 400 and wrong.json()["key"] == "invalid_query_params"


async def test_concurrent_refusals_are_each_recorded_once(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await client.post("/v1/customers", json={"source_id": "jane"})
    code = await _code(client, redemption={"quantity": 1})
    responses = await asyncio.gather(
        *(client.post("/v1/redemptions", json=_redeem(code)) for _ in range(50))
    )
    outcomes = Counter("ok" if r.status_code == 200 else r.json()["key"] for r in responses)
    assert outcomes == {"ok": 1, "quantity_exceeded": 49}
    assert len(await _failures(client)) == 49
    assert len(await recorded_events(db, project, "redemption.failed")) == 49
    voucher = (await client.get(f"/v1/vouchers/{code}")).json()
    assert voucher["redemption"]["redeemed_quantity"] == 1
    summary = (await client.get("/v1/customers/jane")).json()["summary"]["redemptions"]
    assert (summary["total_succeeded"], summary["total_failed"]) == (1, 49)
