"""Data builders for qualification tests: codes over HTTP, promotion tiers as rows (their
API is another branch's) and rules through tests/rules/support.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from tests.support import ProjectKeys
from voucherd.campaigns.models import Campaign
from voucherd.kit.clock import utcnow
from voucherd.kit.db import Database
from voucherd.kit.ids import new_id
from voucherd.promotions.models import PromotionStack, PromotionTier

ITEMS = [
    {"source_id": "q-shoe", "related_object": "product", "quantity": 1, "price": 6000},
    {"source_id": "q-bag", "related_object": "product", "quantity": 2, "price": 2000},
]  # 100.00


def percent(off: int, **extra: Any) -> dict[str, Any]:
    return {"type": "PERCENT", "percent_off": off, "effect": "APPLY_TO_ORDER", **extra}


def amount(cents: int, **extra: Any) -> dict[str, Any]:
    return {"type": "AMOUNT", "amount_off": cents, "effect": "APPLY_TO_ORDER", **extra}


async def ok(client: httpx.AsyncClient, method: str, path: str, body: Any = None) -> Any:
    resp = await client.request(method, path, json=body)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def customer(client: httpx.AsyncClient, source_id: str, **extra: Any) -> Any:
    return await ok(client, "POST", "/v1/customers", {"source_id": source_id, **extra})


async def code(
    client: httpx.AsyncClient,
    discount: dict[str, Any],
    *,
    quantity: int | None = None,
    **extra: Any,
) -> Any:
    """A standalone code (unlimited uses unless `quantity`)."""
    body = {"type": "DISCOUNT_VOUCHER", "discount": discount, **extra}
    if quantity is not None:
        body["redemption"] = {"quantity": quantity}
    return await ok(client, "POST", "/v1/vouchers", body)


async def published(
    client: httpx.AsyncClient, discount: dict[str, Any], source_id: str, **extra: Any
) -> Any:
    """A single-use code published to the customer."""
    voucher = await code(client, discount, quantity=1, **extra)
    await ok(
        client,
        "POST",
        "/v1/publications",
        {"voucher": voucher["code"], "customer": {"source_id": source_id}},
    )
    return voucher


async def gift(client: httpx.AsyncClient, cents: int, source_id: str) -> Any:
    card = await ok(
        client, "POST", "/v1/vouchers", {"type": "GIFT_VOUCHER", "gift": {"amount": cents}}
    )
    await ok(
        client,
        "POST",
        "/v1/publications",
        {"voucher": card["code"], "customer": {"source_id": source_id}},
    )
    return card


async def promotion(
    db: Database,
    project: ProjectKeys,
    name: str,
    tiers: list[dict[str, Any]],
    *,
    active: bool = True,
) -> tuple[str, list[str]]:
    """A PROMOTION campaign with tiers (each: name, discount, optional fields): ids."""
    campaign_id = new_id("camp")
    ids: list[str] = []
    async with db.transaction() as session:
        session.add(
            Campaign(
                id=campaign_id,
                project_id=project.project_id,
                name=name,
                campaign_type="PROMOTION",
                type="STATIC",
                voucher={},
                active=active,
            )
        )
        await session.flush()
        for hierarchy, spec in enumerate(tiers, start=1):
            spec = dict(spec)
            tier_id = new_id("promo")
            ids.append(tier_id)
            session.add(
                PromotionTier(
                    id=tier_id,
                    project_id=project.project_id,
                    campaign_id=campaign_id,
                    name=spec.pop("name"),
                    banner=spec.pop("banner", None),
                    action={"discount": spec.pop("discount")},
                    hierarchy=spec.pop("hierarchy", hierarchy),
                    created_at=spec.pop("created_at", utcnow()),
                    **spec,
                )
            )
    return campaign_id, ids


async def stack(
    db: Database, project: ProjectKeys, campaign_id: str, name: str, tier_ids: list[str]
) -> str:
    stack_id = new_id("stack")
    async with db.transaction() as session:
        session.add(
            PromotionStack(
                id=stack_id,
                project_id=project.project_id,
                campaign_id=campaign_id,
                name=name,
                tiers={"ids": tier_ids, "hierarchy_mode": "MANUAL"},
            )
        )
    return stack_id


def ids(answer: dict[str, Any]) -> list[str]:
    return [r["id"] for r in answer["redeemables"]["data"]]


def qualification(
    source_id: str | None = "anna", items: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"order": {"items": items if items is not None else ITEMS}, **extra}
    if source_id is not None:
        body["customer"] = {"source_id": source_id}
    return body


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)
