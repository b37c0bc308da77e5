"""Qualifications under issue 14's load: a customer and a 5-item cart, in a project with 50
live promotion tiers, 20 coupon campaigns and 10 codes published to the customer.

`build_world` makes that project through the API (campaigns, codes, publications, rules)
and writes the promotion tiers as rows (`write`), since this bench must not depend on the
promotions API; `measure_qualify` is the `qualify` row of `python -m bench.run`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.coupons import Measured
from bench.server import Server, ok
from bench.wrk import Req, run_load
from voucherd.campaigns.models import Campaign
from voucherd.kit.db import Base
from voucherd.kit.ids import Prefix, new_id
from voucherd.promotions.models import PromotionTier
from voucherd.rules.models import ValidationRule, ValidationRuleAssignment
from voucherd.vouchers.models import Voucher

TIERS, PROMOTIONS, COUPON_CAMPAIGNS, WALLET = 50, 5, 20, 10
CUSTOMER = "qualify-anna"
CART: list[dict[str, Any]] = [
    {"source_id": f"qualify-item-{i}", "related_object": "product", "quantity": 1 + i % 2,
     "price": 1500 + 500 * i}
    for i in range(5)
]  # fmt: skip
# Every fifth tier and every other coupon campaign has rules: a cart threshold and a
# once-per-customer limit (a counter read live on every qualification).
RULES = {
    "1": {"name": "order.amount", "conditions": {"$more_than": [5000]}, "rules": {}},
    "2": {
        "name": "redemption.count.per_customer",
        "conditions": {"$less_than_or_equal": [1]},
        "rules": {},
    },
    "logic": "1 and 2",
}

# Writes rows into the project that owns `campaign_id` (found by the callee).
Write = Callable[[str, Callable[[str], list[Base]]], Awaitable[None]]


def _coupon_campaign(i: int) -> dict[str, Any]:
    generic = i % 2 == 0  # one shared multi-use code, else 20 single-use codes
    return {
        "name": f"Qualify coupons {i}",
        "campaign_type": "DISCOUNT_COUPONS",
        "type": "STATIC",
        "vouchers_count": 1 if generic else 20,
        "category": "Qualify",
        "voucher": {
            "type": "DISCOUNT_VOUCHER",
            "discount": {"type": "AMOUNT", "amount_off": 100 + 10 * i, "effect": "APPLY_TO_ORDER"},
            "redemption": {"quantity": None if generic else 1},
        },
    }


def _rule_rows(project_id: str, related: list[tuple[str, str]]) -> list[Base]:
    rule_id = new_id(Prefix.VALIDATION_RULE)
    rows: list[Base] = [
        ValidationRule(id=rule_id, project_id=project_id, name=f"qualify {rule_id}", rules=RULES)
    ]
    rows += [
        ValidationRuleAssignment(
            id=new_id(Prefix.RULE_ASSIGNMENT),
            project_id=project_id,
            rule_id=rule_id,
            related_object_type=kind,
            related_object_id=object_id,
        )
        for kind, object_id in related
    ]
    return rows


def _promotion_rows(project_id: str) -> list[Base]:
    rows: list[Base] = []
    tiers_with_rules: list[tuple[str, str]] = []
    for p in range(PROMOTIONS):
        campaign_id = new_id(Prefix.CAMPAIGN)
        rows.append(
            Campaign(
                id=campaign_id,
                project_id=project_id,
                name=f"Qualify promotion {p}",
                campaign_type="PROMOTION",
                type="STATIC",
                voucher={},
            )
        )
        for t in range(TIERS // PROMOTIONS):
            tier_id = new_id(Prefix.PROMOTION_TIER)
            rows.append(
                PromotionTier(
                    id=tier_id,
                    project_id=project_id,
                    campaign_id=campaign_id,
                    name=f"Tier {p}.{t}",
                    banner=f"{5 + t} % off",
                    action={"discount": {"type": "PERCENT", "percent_off": 5 + t}},
                    hierarchy=t + 1,
                )
            )
            if t % 5 == 0:
                tiers_with_rules.append(("promotion_tier", tier_id))
    return rows + _rule_rows(project_id, tiers_with_rules)


async def build_world(client: httpx.AsyncClient, write: Write) -> dict[str, Any]:
    """The project; returns the qualification request body."""
    ok(await client.post("/v1/customers", json={"source_id": CUSTOMER}), "create customer")
    campaigns = [
        ok(await client.post("/v1/campaigns", json=_coupon_campaign(i)), "create campaign")
        for i in range(COUPON_CAMPAIGNS)
    ]
    published = 0
    for campaign in campaigns[1::2]:  # one code of each bulk campaign goes to the customer
        body = {"campaign": {"id": campaign["id"]}, "customer": {"source_id": CUSTOMER}}
        ok(await client.post("/v1/publications", json=body), "publish")
        published += 1
    assert published == WALLET
    with_rules = [("campaign", c["id"]) for c in campaigns[::4]]
    await write(campaigns[0]["id"], lambda p: _promotion_rows(p) + _rule_rows(p, with_rules))
    return {
        "customer": {"source_id": CUSTOMER},
        "order": {"items": CART},
        "options": {"limit": 5, "sorting_rule": "BEST_DEAL"},
    }


async def copy_voucher(
    session: AsyncSession, source_code: str, prefix: str, count: int, **overrides: str | None
) -> None:
    """`count` copies of a code in one INSERT … SELECT (the API would take minutes): ids and
    codes `<prefix><0000001…>_<original>`, in that order; `overrides` set columns (SQL)."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    number = "substr('0000000' || n.i, -7)" if sqlite else "lpad(n.i::text, 7, '0')"
    columns = [c.name for c in Voucher.__table__.columns]
    values = []
    for name in columns:
        if name in ("id", "code"):
            values.append(f"'{prefix}' || {number} || '_' || v.{name}")
        elif name in overrides:
            values.append("NULL" if overrides[name] is None else str(overrides[name]))
        else:
            values.append(f"v.{name}")
    series = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count) "
        if sqlite
        else ""
    )
    source = "n" if sqlite else "generate_series(1, :count) AS n(i)"
    await session.execute(
        text(
            f"{series}INSERT INTO vouchers ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM vouchers v, {source} WHERE v.code = :code"
        ),
        {"count": count, "code": source_code},
    )


async def crowd(session: AsyncSession, project_id: str, count: int) -> None:
    """`count` codes nobody holds around the qualification's candidates: half in a bulk
    campaign (copies of one of its single-use codes), half imported single-use standalone
    codes. None qualifies; a qualification must not read them either."""
    bulk = (
        await session.execute(
            select(Voucher.code)
            .where(
                Voucher.project_id == project_id,
                Voucher.campaign_id.is_not(None),
                Voucher.holder_id.is_(None),
                Voucher.redemption_quantity == 1,
            )
            .limit(1)
        )
    ).scalar_one()
    await copy_voucher(session, bulk, "crowd-bulk", count // 2)
    standalone = {"campaign_id": None, "campaign_name": None}
    await copy_voucher(session, bulk, "crowd-imported", count - count // 2, **standalone)


def session_writer(sessions: async_sessionmaker[AsyncSession]) -> Write:
    """A `Write` through an ORM session on the server's database."""
    from sqlalchemy import select

    async def write(campaign_id: str, make: Callable[[str], list[Base]]) -> None:
        async with sessions() as session, session.begin():
            project_id = (
                await session.execute(select(Campaign.project_id).where(Campaign.id == campaign_id))
            ).scalar_one()
            for row in make(project_id):
                session.add(row)
                await session.flush()

    return write


async def measure_qualify(
    server: Server,
    client: httpx.AsyncClient,
    workdir: Path,
    *,
    count: int,
    warmup: int,
    concurrency: int,
    max_seconds: float,
) -> Measured:
    """`count` qualifications of the same customer and cart (a read: nothing changes)."""
    body = await build_world(client, session_writer(async_sessionmaker(server.engine)))
    check = ok(await client.post("/v1/qualifications", json=body), "qualify")
    problems: list[str] = []
    if len(check["redeemables"]["data"]) != 5 or not check["redeemables"]["has_more"]:
        problems.append(f"expected a full first page, got {check['redeemables']['total']}")
    reqs = [Req("POST", "/v1/qualifications", body) for _ in range(warmup + count)]
    if warmup:
        await run_load(
            server,
            reqs[:warmup],
            workdir,
            concurrency=concurrency,
            max_seconds=max_seconds,
            tag="qualify-warmup",
        )
    result = await run_load(
        server,
        reqs[warmup:],
        workdir,
        concurrency=concurrency,
        max_seconds=max_seconds,
        tag="qualify",
    )
    if result.failed:
        problems.append(f"{result.non_2xx} non-2xx, e.g. {result.sample_failure}")
    return Measured(result, problems)
