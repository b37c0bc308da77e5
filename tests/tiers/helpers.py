"""Builders shared by the tier tests: a program, a member, points in and out."""

from __future__ import annotations

from typing import Any

import httpx


async def create_program(
    client: httpx.AsyncClient,
    *,
    name: str = "Loyalty programme",
    expiration_rules: dict[str, Any] | None = None,
    tiers_expiration: dict[str, Any] | None = None,
    initial_points: int = 0,
) -> dict[str, Any]:
    card: dict[str, Any] = {"points": initial_points}
    if expiration_rules is not None:
        card["expiration_rules"] = expiration_rules
    body: dict[str, Any] = {
        "name": name,
        "campaign_type": "LOYALTY_PROGRAM",
        "voucher": {"type": "LOYALTY_CARD", "loyalty_card": card},
    }
    if tiers_expiration is not None:
        body["loyalty_tiers_expiration"] = tiers_expiration
    resp = await client.post("/v1/loyalties", json=body)
    assert resp.status_code == 200, resp.text
    program: dict[str, Any] = resp.json()
    return program


async def add_member(client: httpx.AsyncClient, program_id: str, source_id: str) -> dict[str, Any]:
    resp = await client.post(
        f"/v1/loyalties/{program_id}/members",
        json={"customer": {"source_id": source_id, "name": source_id.title()}},
    )
    assert resp.status_code == 200, resp.text
    card: dict[str, Any] = resp.json()
    return card


async def move_points(
    client: httpx.AsyncClient, code: str, points: int, **extra: Any
) -> dict[str, Any]:
    resp = await client.post(
        f"/v1/loyalties/members/{code}/balance", json={"points": points, **extra}
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def get_card(client: httpx.AsyncClient, code: str) -> dict[str, Any]:
    resp = await client.get(f"/v1/loyalties/members/{code}")
    assert resp.status_code == 200, resp.text
    card: dict[str, Any] = resp.json()
    return card


async def create_tiers(
    client: httpx.AsyncClient, program_id: str, tiers: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    resp = await client.post(f"/v1/loyalties/{program_id}/tiers", json=tiers)
    assert resp.status_code == 200, resp.text
    created: list[dict[str, Any]] = resp.json()
    return created
