"""Loyalty operations: points in and out, transfers, rewards, paid orders, pending points,
and the worker's jobs run among the requests (with the clock moved between steps)."""

from __future__ import annotations

import logging
import time
from typing import Any

from bench.invariants.ops import Ctx, custom_expiry, order_items
from bench.invariants.world import World
from voucherd.earning.jobs import activate_due_pending_points
from voucherd.kit.db import Database
from voucherd.loyalty.jobs import expire_points

log = logging.getLogger("bench.invariants")


def _any_card(ctx: Ctx) -> str:
    w = ctx.world
    if ctx.focus.limited is not None and ctx.rng.random() < 0.5:
        return ctx.focus.limited
    return ctx.pick(w.all_cards, ctx.focus.card)


async def points_balance(ctx: Ctx) -> None:
    code = _any_card(ctx)
    points = ctx.rng.choice([-400, -60, -15, 15, 60, 400])
    body: dict[str, Any] = {"points": points, "reason": "inv"}
    if points > 0:
        body |= custom_expiry(ctx.rng)
    path = f"/v1/loyalties/members/{code}/balance"
    await ctx.burst(
        ctx.burst_size(0.3, 3), lambda: ctx.call("points_balance", "POST", path, body, code)
    )


async def transfer(ctx: Ctx) -> None:
    w, rng = ctx.world, ctx.rng
    cards = list(w.cards.values())
    target = ctx.pick(cards, ctx.focus.card, 0.4)
    sources = [c for c in cards if c != target]
    picked = rng.sample(sources, rng.choice([1, 1, 2]))
    body = [{"code": c, "points": rng.choice([5, 40, 250])} for c in picked]
    path = f"/v1/loyalties/{w.program}/members/{target}/transfers"
    await ctx.burst(
        ctx.burst_size(0.3, 3),
        lambda: ctx.call("transfer", "POST", path, body, target, *picked),
    )


def _reward_for(world: World, program: str, rng: Any) -> tuple[str, str]:
    offered = [r for r in world.rewards if program in r.costs]
    reward = rng.choice(offered)
    return reward.id, reward.kind


async def reward(ctx: Ctx) -> None:
    """Reward redemptions, often several at once on one card (its redemption.quantity)."""
    w, rng = ctx.world, ctx.rng
    if rng.random() < 0.55:
        code = ctx.pick(w.limited_cards, ctx.focus.limited)
    else:
        code = ctx.pick(list(w.cards.values()), ctx.focus.card)
    reward_id, kind = _reward_for(w, w.card_program[code], rng)
    body: dict[str, Any] = {"reward": {"id": reward_id}}
    if kind == "coin":
        body["order"] = {"items": order_items(rng, w)}
        if rng.random() < 0.7:
            body["reward"]["points"] = rng.choice([10, 50, 200])
    path = f"/v1/loyalties/members/{code}/redemption"
    size = ctx.burst_size(0.6, 5)
    await ctx.burst(size, lambda: ctx.call("reward", "POST", path, body, code, reward_id))


async def paid_order(ctx: Ctx) -> None:
    """A PAID order (earns points: some now, some pending), sometimes saved twice at once."""
    w, rng = ctx.world, ctx.rng
    who = rng.choice(w.customers)
    body: dict[str, Any] = {}
    if rng.random() < 0.5:  # first, so traces show it
        body["source_id"] = f"inv-order-{rng.randrange(40)}"
    body |= {"status": "PAID", "customer": {"source_id": who}, "items": order_items(rng, w)}
    await ctx.burst(
        ctx.burst_size(0.3, 3),
        lambda: ctx.call("paid_order", "POST", "/v1/orders", body, w.cards[who]),
    )


async def pending(ctx: Ctx) -> None:
    """Activate, cancel or adjust a pending-points entry of a card (by hand)."""
    w, rng = ctx.world, ctx.rng
    code = ctx.pick(list(w.cards.values()), ctx.focus.card)
    listing = await ctx.call(
        "pending_list", "GET", f"/v1/loyalties/members/{code}/pending-points", None, code
    )
    entries = (listing.response or {}).get("data") or [] if listing.ok else []
    if not entries:
        return
    entry = rng.choice(entries)["id"]
    base = f"/v1/loyalties/members/{code}/pending-points/{entry}"
    action = rng.choices(["activate", "cancel", "balance"], weights=[5, 2, 3])[0]
    body = {"points": rng.choice([-5, 3, 8])} if action == "balance" else None
    await ctx.burst(
        ctx.burst_size(0.3, 3),
        lambda: ctx.call("pending", "POST", f"{base}/{action}", body, code, entry),
    )


JOBS = {
    "earning.activate_pending_points": activate_due_pending_points,
    "loyalty.expire_points": expire_points,
}


async def job(ctx: Ctx, db: Database, name: str | None = None) -> None:
    """One run of a worker job, by the very function the worker loop calls."""
    name = name or ctx.rng.choice(sorted(JOBS))
    run = JOBS[name]
    op = ctx.api.log.start(ctx.step, ctx.client, "job", "JOB", name, None)
    try:
        done = await run(db)
        op.status, op.note = 200, f"{done} handled"
    except Exception as exc:  # a job that raises is as bad as a 500
        log.exception("job %s raised", name)
        op.status, op.key, op.note = 599, f"exception {type(exc).__name__}", str(exc)[:300]
    op.ended = time.monotonic()
