"""`POST /v1/campaigns/{id}/vouchers`: many codes give an async action that reads back DONE; a
bare JSON number body is the count (the official JS SDK suite sends one)."""

from __future__ import annotations

from typing import Any

import httpx


def ok(resp: httpx.Response, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    return resp.json()


async def _campaign(client: httpx.AsyncClient) -> str:
    body = {
        "name": "Bulk",
        "campaign_type": "DISCOUNT_COUPONS",
        "voucher": {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 100}},
    }
    return str(ok(await client.post("/v1/campaigns", json=body))["id"])


async def test_many_codes_give_an_async_action_that_reads_back(client: httpx.AsyncClient) -> None:
    campaign = await _campaign(client)
    started = ok(await client.post(f"/v1/campaigns/{campaign}/vouchers?vouchers_count=3"), 202)
    action = ok(await client.get(f"/v1/async-actions/{started['async_action_id']}"))
    assert (action["status"], action["result"]["done_count"]) == ("DONE", 3)
    by_number = ok(await client.post(f"/v1/campaigns/{campaign}/vouchers", json=5), 202)
    assert by_number["async_action_id"].startswith("aa_")
    listed = ok(await client.get(f"/v1/vouchers?campaign_id={campaign}&limit=100"))
    assert listed["total"] == 8
    for bad in (0, -1, 100_001):
        refused = await client.post(f"/v1/campaigns/{campaign}/vouchers", json=bad)
        assert refused.status_code == 400, bad
    assert ok(await client.get(f"/v1/vouchers?campaign_id={campaign}"))["total"] == 8


async def test_an_unknown_promotion_stack_is_a_404(client: httpx.AsyncClient) -> None:
    # Answers may only name vouchers and tiers, so an unknown stack refuses the request.
    resp = await client.post(
        "/v1/validations", json={"redeemables": [{"object": "promotion_stack", "id": "stack_1"}]}
    )
    assert resp.status_code == 404, resp.text
    assert (resp.json()["key"], resp.json()["resource_id"]) == ("not_found", "stack_1")
