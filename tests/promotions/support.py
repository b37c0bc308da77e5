"""Builders for promotion tests: a two-tier PROMOTION campaign (5 % above 100.00, 10 % above
200.00, as issue 14's acceptance names it)."""

from __future__ import annotations

from typing import Any

import httpx

ORDER_OVER = {
    "name": "Order over",
    "rules": {"1": {"name": "order.amount", "conditions": {"$more_than": [10000]}}, "logic": "1"},
}


def tier(name: str, percent: int, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "banner": f"{percent}% off",
        "action": {"discount": {"type": "PERCENT", "percent_off": percent}},
        **extra,
    }


def ok(resp: httpx.Response, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    return resp.json() if resp.content else None


async def make_promotion(
    client: httpx.AsyncClient,
    name: str = "Cart promo",
    tiers: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> Any:
    body = {
        "name": name,
        "campaign_type": "PROMOTION",
        "promotion": {"tiers": tiers if tiers is not None else [tier("5%", 5), tier("10%", 10)]},
        **extra,
    }
    return ok(await client.post("/v1/campaigns", json=body))
