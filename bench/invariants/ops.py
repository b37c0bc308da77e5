"""The state-changing operations the clients draw from, and what each one targets.

Each operation picks its targets with its own seeded RNG. A step may have a focus (one gift
card, limited loyalty card, code or card) that most of its operations aim at, and some
operations fire a burst of identical requests at once: concurrent requests on the same rows
are what finds lost updates and check-then-write limits.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bench.invariants.client import Api
from bench.invariants.oplog import Op
from bench.invariants.world import World
from voucherd.kit.clock import utcnow


@dataclass
class Focus:
    """This step's hot spot: most operations of the step that can aim at it do."""

    gift: str | None = None
    code: str | None = None
    card: str | None = None
    limited: str | None = None
    publish: str | None = None


@dataclass
class History:
    """What earlier steps saw (a snapshot per step, so choices do not depend on timing)."""

    redemptions: list[Op] = field(default_factory=list)  # 200 POST /v1/redemptions
    rewards: list[Op] = field(default_factory=list)  # 200 reward redemptions
    amounts: dict[str, int] = field(default_factory=dict)  # gift card -> last amount seen


@dataclass
class Ctx:
    api: Api
    world: World
    rng: random.Random
    step: int
    client: int
    focus: Focus
    history: History

    def pick(self, pool: list[str], hot: str | None, heat: float = 0.75) -> str:
        if hot is not None and self.rng.random() < heat:
            return hot
        return self.rng.choice(pool)

    async def call(self, kind: str, method: str, path: str, body: Any = None, *touched: str) -> Op:
        return await self.api.call(self.step, self.client, kind, method, path, body, touched)

    async def burst(self, size: int, make: Callable[[], Awaitable[Op]]) -> None:
        await asyncio.gather(*(make() for _ in range(size)))

    def burst_size(self, chance: float = 0.5, most: int = 4) -> int:
        return self.rng.randint(2, most) if self.rng.random() < chance else 1


def order_items(rng: random.Random, world: World) -> list[dict[str, Any]]:
    prices = {"inv-shoe": 3_500, "inv-bag": 7_999, "inv-mug": 1_200}
    chosen = rng.sample(world.products, rng.randint(1, len(world.products)))
    return [
        {
            "source_id": p,
            "related_object": "product",
            "quantity": rng.randint(1, 3),
            "price": prices[p],
        }
        for p in chosen
    ]


def customer(ctx: Ctx, chance: float = 0.8) -> dict[str, str] | None:
    if ctx.rng.random() < chance:
        return {"source_id": ctx.rng.choice(ctx.world.customers)}
    return None


async def redeem(ctx: Ctx) -> None:
    """A stacked (or single) redemption of codes, multi-use codes, gift credits, cards."""
    w, rng = ctx.world, ctx.rng
    redeemables: list[dict[str, Any]] = []
    seen: set[str] = set()
    for _ in range(rng.choice([1, 1, 2, 2, 3, 4])):
        family = rng.choices(["single", "multi", "gift", "card"], weights=[3, 3, 5, 0.3])[0]
        if family == "single":
            code = ctx.pick(w.single_use, ctx.focus.code, 0.4)
        elif family == "multi":
            code = ctx.pick(w.multi_use, ctx.focus.code)
        elif family == "gift":
            code = ctx.pick(w.gift_cards, ctx.focus.gift)
        else:  # loyalty cards are refused in redemptions: the whole stack must change nothing
            code = rng.choice(w.all_cards)
        if code in seen:
            continue
        seen.add(code)
        item: dict[str, Any] = {"object": "voucher", "id": code}
        if family == "gift" and rng.random() < 0.95:
            item["gift"] = {"credits": rng.choice([100, 250, 500, 1_000, 2_500])}
        redeemables.append(item)
    body: dict[str, Any] = {"redeemables": redeemables, "order": {"items": order_items(rng, w)}}
    if (who := customer(ctx)) is not None:
        body["customer"] = who
    await ctx.burst(
        ctx.burst_size(0.15, 3),
        lambda: ctx.call("redeem", "POST", "/v1/redemptions", body, *seen),
    )


async def rollback(ctx: Ctx) -> None:
    rng, hist = ctx.rng, ctx.history
    if hist.rewards and rng.random() < 0.25:
        target = rng.choice(hist.rewards[-30:])
        rid = str(target.response["id"])
        path = f"/v1/redemptions/{rid}/rollback"
        await ctx.burst(
            ctx.burst_size(0.3, 3),
            lambda: ctx.call("rollback", "POST", path, None, rid, *target.touched),
        )
        return
    if not hist.redemptions:
        return
    target = rng.choice(hist.redemptions[-40:])
    parent = (target.response.get("parent_redemption") or {}).get("id")
    children = [r["id"] for r in target.response["redemptions"]]
    if parent and rng.random() < 0.5:
        path = f"/v1/redemptions/{parent}/rollbacks"
        rid = parent
    else:
        rid = rng.choice(children)
        # `/rollbacks` on a single redemption should work like `/rollback` (Voucherify).
        suffix = "rollbacks" if not parent and rng.random() < 0.15 else "rollback"
        path = f"/v1/redemptions/{rid}/{suffix}"
    await ctx.burst(
        ctx.burst_size(0.3, 3),
        lambda: ctx.call("rollback", "POST", path, None, rid, parent or "", *target.touched),
    )


async def gift_put(ctx: Ctx) -> None:
    """PUT a new gift.amount: the balance moves by the difference (or the PUT is refused)."""
    code = ctx.pick(ctx.world.gift_cards, ctx.focus.gift)
    current = ctx.history.amounts.get(code, 20_000)
    amount = max(0, current + ctx.rng.choice([-3_000, -1_000, -200, 200, 1_000, 3_000]))
    body = {"gift": {"amount": amount}}
    op = await ctx.call("gift_put", "PUT", f"/v1/vouchers/{code}", body, code)
    if op.ok:
        ctx.history.amounts[code] = int(op.response["gift"]["amount"])


async def gift_balance(ctx: Ctx) -> None:
    code = ctx.pick(ctx.world.gift_cards, ctx.focus.gift)
    amount = ctx.rng.choice([-2_000, -500, -100, 100, 500, 2_000])
    body = {"amount": amount, "reason": "inv"}
    path = f"/v1/vouchers/{code}/balance"
    await ctx.burst(
        ctx.burst_size(0.3, 3), lambda: ctx.call("gift_balance", "POST", path, body, code)
    )


async def publish(ctx: Ctx) -> None:
    """The same code published several times at once (publish_count), or a campaign's next."""
    w, rng = ctx.world, ctx.rng
    if rng.random() < 0.2:
        campaign = rng.choice([w.coupon_campaign, w.gift_campaign])
        body: dict[str, Any] = {"campaign": {"id": campaign}, "customer": customer(ctx, 1.0)}
        await ctx.call("publish", "POST", "/v1/publications", body, campaign)
        return
    code = ctx.pick(w.publishable, ctx.focus.publish)
    size = rng.randint(2, 6) if rng.random() < 0.7 else 1

    async def one() -> Op:
        body = {"voucher": code, "customer": customer(ctx, 1.0)}
        return await ctx.call("publish", "POST", "/v1/publications", body, code)

    await asyncio.gather(*(one() for _ in range(size)))


async def toggle(ctx: Ctx) -> None:
    """Enable or disable a voucher or a campaign (more often enable: keep things usable)."""
    w, rng = ctx.world, ctx.rng
    action = "disable" if rng.random() < 0.35 else "enable"
    if rng.random() < 0.3:
        campaign = rng.choice([w.coupon_campaign, w.gift_campaign])
        await ctx.call("toggle", "POST", f"/v1/campaigns/{campaign}/{action}", None, campaign)
        return
    pool = [*w.single_use[:4], *w.multi_use, *w.gift_cards, *w.all_cards]
    code = ctx.pick(pool, ctx.focus.gift or ctx.focus.code, 0.3)
    await ctx.call("toggle", "POST", f"/v1/vouchers/{code}/{action}", None, code)


def custom_expiry(rng: random.Random) -> dict[str, Any]:
    kind = rng.choice(["NON_EXPIRING", "PROGRAM_RULES", "CUSTOM_DATE", "CUSTOM_DATE"])
    if kind != "CUSTOM_DATE":
        return {"expiration_type": kind}
    day = utcnow().date() + timedelta(days=rng.randint(0, 6))
    return {"expiration_type": kind, "expiration_date": day.isoformat()}
