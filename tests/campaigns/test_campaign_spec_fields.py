"""Campaign and program fields of Voucherify's spec: kept on update, or refused by name."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support import SPRING_CAMPAIGN

TIERS_EXPIRATION: dict[str, Any] = {
    "qualification_type": "POINTS_IN_PERIOD",
    "qualification_period": "QUARTER",
    "start_date": {"type": "IMMEDIATE"},
    "expiration_date": {"type": "END_OF_NEXT_PERIOD"},
}


async def _program(client: httpx.AsyncClient) -> dict[str, Any]:
    body = {"name": "Stars", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}}
    resp = await client.post("/v1/loyalties", json=body)
    assert resp.status_code == 200, resp.text
    program: dict[str, Any] = resp.json()
    return program


async def test_updated_loyalty_program_keeps_its_tiers_expiration(
    client: httpx.AsyncClient,
) -> None:
    program = await _program(client)
    resp = await client.put(
        f"/v1/loyalties/{program['id']}", json={"loyalty_tiers_expiration": TIERS_EXPIRATION}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["loyalty_tiers_expiration"] == TIERS_EXPIRATION
    read = (await client.get(f"/v1/loyalties/{program['id']}")).json()
    assert read["loyalty_tiers_expiration"] == TIERS_EXPIRATION


async def test_unset_metadata_fields_removes_those_keys(client: httpx.AsyncClient) -> None:
    created = await client.post(
        "/v1/campaigns", json={**SPRING_CAMPAIGN, "metadata": {"a": 1, "b": 2, "c": 3}}
    )
    campaign_id = created.json()["id"]
    resp = await client.put(
        f"/v1/campaigns/{campaign_id}", json={"unset_metadata_fields": ["a", "c", "zz"]}
    )
    assert resp.status_code == 200, resp.text
    assert (await client.get(f"/v1/campaigns/{campaign_id}")).json()["metadata"] == {"b": 2}


async def test_unsupported_field_is_refused_by_name_and_creates_nothing(
    client: httpx.AsyncClient,
) -> None:
    body = {**SPRING_CAMPAIGN, "activity_duration_after_publishing": "P1D"}
    resp = await client.post("/v1/campaigns", json=body)
    assert resp.status_code == 400
    assert resp.json()["key"] == "invalid_payload"
    assert resp.json()["details"] == "activity_duration_after_publishing is not supported yet"
    assert (await client.get("/v1/campaigns")).json()["total"] == 0


async def test_unset_unsupported_fields_are_accepted(client: httpx.AsyncClient) -> None:
    # What SDKs and connectors send for fields the caller left alone.
    unset = {
        "validity_timeframe": {"interval": None, "duration": None},
        "validity_day_of_week": [],
        "validity_hours": None,
        "validation_rules": [],
        "use_voucher_metadata_schema": False,
        "access_settings": {"assign": None, "unassign": None},
        "activity_duration_after_publishing": "",
        "promotion": None,
        "referral_program": None,
    }
    resp = await client.post("/v1/campaigns", json={**SPRING_CAMPAIGN, **unset})
    assert resp.status_code == 200, resp.text


async def test_one_code_for_several_added_vouchers_is_refused(client: httpx.AsyncClient) -> None:
    campaign_id = (await client.post("/v1/campaigns", json=SPRING_CAMPAIGN)).json()["id"]
    resp = await client.post(
        f"/v1/campaigns/{campaign_id}/vouchers",
        params={"vouchers_count": 3},
        json={"code": "ONE-CODE"},
    )
    assert resp.status_code == 400 and "code" in resp.json()["details"]
    assert (await client.get(f"/v1/campaigns/{campaign_id}")).json()["vouchers_count"] == 0
    one = await client.post(f"/v1/campaigns/{campaign_id}/vouchers", json={"code": "ONE-CODE"})
    assert one.status_code == 200 and one.json()["code"] == "ONE-CODE"
