"""Rules assigned at the model level (the CRUD endpoints are another helper's branch)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support import ProjectKeys
from voucherd.kit.db import Database
from voucherd.kit.ids import Prefix, new_id
from voucherd.rules.language import parse_rules, parse_targeting
from voucherd.rules.models import ValidationRule, ValidationRuleAssignment


async def assign_rule(
    db: Database,
    project: ProjectKeys,
    related_object_id: str,
    rules: dict[str, Any],
    *,
    applicable_to: dict[str, Any] | None = None,
    error: str | None = None,
    related_object_type: str = "voucher",
) -> str:
    parse_rules(rules)  # the JSON the endpoints would have accepted
    parse_targeting(applicable_to)
    rule_id = new_id(Prefix.VALIDATION_RULE)
    async with db.transaction() as session:
        session.add(
            ValidationRule(
                id=rule_id,
                project_id=project.project_id,
                name=f"rule {rule_id}",
                rules=rules,
                error={"message": error} if error else None,
                applicable_to=applicable_to or {"included": [], "excluded": []},
            )
        )
        await session.flush()
        session.add(
            ValidationRuleAssignment(
                id=new_id(Prefix.RULE_ASSIGNMENT),
                project_id=project.project_id,
                rule_id=rule_id,
                related_object_type=related_object_type,
                related_object_id=related_object_id,
            )
        )
    return rule_id


async def coupon(client: httpx.AsyncClient, discount: dict[str, Any], **extra: Any) -> Any:
    resp = await client.post(
        "/v1/vouchers", json={"type": "DISCOUNT_VOUCHER", "discount": discount, **extra}
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


async def gift_card(client: httpx.AsyncClient, amount: int) -> Any:
    resp = await client.post(
        "/v1/vouchers", json={"type": "GIFT_VOUCHER", "gift": {"amount": amount}}
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


async def product(client: httpx.AsyncClient, name: str, price: int) -> str:
    resp = await client.post("/v1/products", json={"name": name, "price": price})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["id"])


def rule(name: str, conditions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": name, "conditions": conditions, "rules": {}, **extra}


async def campaign_code(
    client: httpx.AsyncClient, name: str, discount: dict[str, Any], redemptions: int | None = None
) -> tuple[str, str]:
    """A DISCOUNT_COUPONS campaign with one code: (campaign id, code)."""
    resp = await client.post(
        "/v1/campaigns",
        json={
            "name": name,
            "campaign_type": "DISCOUNT_COUPONS",
            "type": "AUTO_UPDATE",
            "vouchers_count": 1,
            "voucher": {
                "type": "DISCOUNT_VOUCHER",
                "discount": discount,
                "redemption": {"quantity": redemptions},
            },
        },
    )
    assert resp.status_code == 200, resp.text
    campaign_id = str(resp.json()["id"])
    listing = await client.get("/v1/vouchers", params={"campaign_id": campaign_id})
    return campaign_id, str(listing.json()["vouchers"][0]["code"])
