"""The three workloads: setup through the API, request groups fired at once, and the checks
of their invariants against the answers and the database."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.coupons import ORDER_ITEMS, campaign_body
from bench.scaleout.fleet import Fleet
from bench.server import gather_limited, ok

REWARD_COST = 100
EARN_POINTS = 10


@dataclass
class Row:
    """One line of the verdict table."""

    invariant: str
    expected: str
    observed: str
    ok: bool


@dataclass
class Answer:
    status: int
    key: str | None
    port: int | None  # our side of the connection, to find the API process that answered


Check = Callable[[list[list[Answer]]], Awaitable[list[Row]]]


@dataclass
class Scenario:
    name: str
    groups: list[tuple[str, list[tuple[str, str, Any]]]]  # (subject, [(method, url, body)])
    check: Check
    answers: list[list[Answer]] = field(default_factory=list)


def row(invariant: str, expected: Any, observed: Any, good: bool | None = None) -> Row:
    return Row(
        invariant, str(expected), str(observed), expected == observed if good is None else good
    )


def failures(subjects: Iterable[tuple[str, bool]]) -> str:
    bad = [s for s, good in subjects if not good]
    return "none" if not bad else f"{len(bad)}, e.g. {', '.join(bad[:3])}"


async def posted(client: httpx.AsyncClient, url: str, body: Any) -> Any:
    return ok(await client.post(url, json=body), f"POST {url}")


def local_port(resp: httpx.Response) -> int | None:
    stream = resp.extensions.get("network_stream")
    addr = stream.get_extra_info("client_addr") if stream is not None else None
    return int(addr[1]) if addr else None


async def send(
    client: httpx.AsyncClient, gate: asyncio.Semaphore, method: str, url: str, body: Any
) -> Answer:
    async with gate:
        resp = await client.request(method, url, json=body)
        port = local_port(resp)
    key = None
    if resp.status_code >= 400:
        with contextlib.suppress(ValueError):
            key = resp.json().get("key")
    return Answer(resp.status_code, key, port)


async def coupons(fleet: Fleet, client: httpx.AsyncClient, cfg: argparse.Namespace) -> Scenario:
    campaign = ok(
        await client.post("/v1/campaigns", json=campaign_body("Scale-out", cfg.codes)), "campaign"
    )
    codes = [
        str(c)
        for c in await fleet.column(
            "SELECT code FROM vouchers WHERE campaign_id = :c", c=campaign["id"]
        )
    ]
    buyers = [f"so-buyer-{i}" for i in range(min(32, cfg.codes * cfg.attempts))]
    await gather_limited(posted(client, "/v1/customers", {"source_id": b}) for b in buyers)

    def redeem(n: int, code: str) -> tuple[str, str, Any]:
        body = {
            "redeemables": [{"object": "voucher", "id": code}],
            "customer": {"source_id": buyers[n % len(buyers)]},
            "order": {"items": ORDER_ITEMS},
        }
        return ("POST", "/v1/redemptions", body)

    groups = [
        (c, [redeem(i * cfg.attempts + j, c) for j in range(cfg.attempts)])
        for i, c in enumerate(codes)
    ]

    async def check(answers: list[list[Answer]]) -> list[Row]:
        def once(group: list[Answer]) -> bool:
            wins = [a for a in group if a.status == 200]
            lost = [a for a in group if (a.status, a.key) == (400, "quantity_exceeded")]
            return len(wins) == 1 and len(lost) == len(group) - 1

        stored = await fleet.pairs(
            "SELECT code, redeemed_quantity FROM vouchers WHERE campaign_id = :c", c=campaign["id"]
        )
        [succeeded] = await fleet.column(
            "SELECT count(*) FROM redemptions WHERE campaign_id = :c AND status = 'SUCCEEDED'",
            c=campaign["id"],
        )
        return [
            row(
                f"code: one 200, {cfg.attempts - 1} quantity_exceeded",
                "none",
                failures((c, once(a)) for (c, _), a in zip(groups, answers, strict=True)),
            ),
            row(
                "code: redeemed_quantity == 1",
                len(codes),
                sum(1 for q in stored.values() if q == 1),
            ),
            row("code: SUCCEEDED redemptions", len(codes), succeeded),
        ]

    return Scenario("coupons", groups, check)


async def program(client: httpx.AsyncClient, name: str) -> str:
    body = {"name": name, "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}}
    return str(ok(await client.post("/v1/loyalties", json=body), "program")["id"])


async def members(
    client: httpx.AsyncClient, program_id: str, prefix: str, count: int
) -> list[tuple[str, str]]:
    async def join(i: int) -> tuple[str, str]:
        body = {"customer": {"source_id": f"{prefix}-{i}"}}
        card = ok(await client.post(f"/v1/loyalties/{program_id}/members", json=body), "member")
        return f"{prefix}-{i}", str(card["code"])

    return await gather_limited(join(i) for i in range(count))


async def ledger_rows(fleet: Fleet, program_id: str) -> list[Row]:
    """The points ledger of every card of a program against its cached balance and buckets."""
    cards = await fleet.rows(
        "SELECT v.code, v.loyalty_balance,"
        " (SELECT coalesce(sum(t.amount), 0) FROM voucher_transactions t"
        "  WHERE t.voucher_id = v.id),"
        " (SELECT coalesce(min(t.balance_after), 0) FROM voucher_transactions t"
        "  WHERE t.voucher_id = v.id),"
        " (SELECT coalesce(sum(b.remaining), 0) FROM points_buckets b"
        "  WHERE b.voucher_id = v.id)"
        " FROM vouchers v WHERE v.campaign_id = :c",
        c=program_id,
    )
    return [
        row(
            "card: ledger sum == balance",
            "none",
            failures((c, s == b) for c, b, s, _, _ in cards),
        ),
        row(
            "card: buckets remaining == balance",
            "none",
            failures((c, r == b) for c, b, _, _, r in cards),
        ),
        row(
            "card: balance never negative",
            "none",
            failures((c, m >= 0 <= b) for c, b, _, m, _ in cards),
        ),
    ]


async def rewards(fleet: Fleet, client: httpx.AsyncClient, cfg: argparse.Namespace) -> Scenario:
    program_id = await program(client, "Scale-out rewards")
    product = ok(
        await client.post("/v1/products", json={"source_id": "so-mug", "name": "Mug"}), "product"
    )
    body = {"name": "Mug", "type": "MATERIAL", "parameters": {"product": {"id": product["id"]}}}
    reward = ok(await client.post("/v1/rewards", json=body), "reward")
    assignment = {"campaign": program_id, "parameters": {"loyalty": {"points": REWARD_COST}}}
    ok(await client.post(f"/v1/rewards/{reward['id']}/assignments", json=assignment), "assignment")
    cards = [code for _, code in await members(client, program_id, "so-holder", cfg.cards)]
    points = {"points": cfg.rewards * REWARD_COST}
    await gather_limited(
        posted(client, f"/v1/loyalties/members/{c}/balance", points) for c in cards
    )
    pick = {"reward": {"id": reward["id"]}}
    tries = 3 * cfg.rewards
    groups = [(c, [("POST", f"/v1/loyalties/members/{c}/redemption", pick)] * tries) for c in cards]

    async def check(answers: list[list[Answer]]) -> list[Row]:
        def exact(group: list[Answer]) -> bool:
            wins = sum(1 for a in group if a.status == 200)
            lost = sum(
                1 for a in group if (a.status, a.key) == (400, "loyalty_card_points_exceeded")
            )
            return bool(wins == cfg.rewards and lost == tries - cfg.rewards)

        balances = await fleet.column(
            "SELECT loyalty_balance FROM vouchers WHERE campaign_id = :c", c=program_id
        )
        return [
            row(
                f"card: {cfg.rewards} of {tries} rewards, rest points_exceeded",
                "none",
                failures((c, exact(a)) for (c, _), a in zip(groups, answers, strict=True)),
            ),
            row(
                "card: balance 0 after its rewards", len(cards), sum(1 for b in balances if b == 0)
            ),
            *await ledger_rows(fleet, program_id),
        ]

    return Scenario("rewards", groups, check)


async def earning(fleet: Fleet, client: httpx.AsyncClient, cfg: argparse.Namespace) -> Scenario:
    program_id = await program(client, "Scale-out earning")
    rule = {
        "event": "order.paid",
        "loyalty": {"type": "FIXED", "points": EARN_POINTS},
        "source": {"banner": "so"},
    }
    [created] = ok(
        await client.post(f"/v1/loyalties/{program_id}/earning-rules", json=[rule]), "rule"
    )
    buyers = await members(client, program_id, "so-earner", cfg.orders)

    async def order(i: int, buyer: str) -> tuple[str, str]:
        body = {
            "source_id": f"so-order-{i}",
            "status": "CREATED",
            "customer": {"source_id": buyer},
            "items": ORDER_ITEMS,
        }
        return str(ok(await client.post("/v1/orders", json=body), "order")["id"]), f"so-order-{i}"

    orders = await gather_limited(order(i, sid) for i, (sid, _) in enumerate(buyers))
    # Each order is saved as PAID by several requests at once, by id (PUT) and by source_id
    # (POST, an upsert): it must earn once and record `customer.order.paid` once.
    groups = [
        (
            oid,
            [
                ("PUT", f"/v1/orders/{oid}", {"status": "PAID"})
                if j % 2
                else ("POST", "/v1/orders", {"source_id": sid, "status": "PAID"})
                for j in range(cfg.attempts)
            ],
        )
        for oid, sid in orders
    ]

    async def check(answers: list[list[Answer]]) -> list[Row]:
        ids = {oid for oid, _ in orders}
        paid = Counter(
            await fleet.column("SELECT entity_id FROM events WHERE type = 'customer.order.paid'")
        )
        earned = Counter(
            str(k).rsplit(":", 1)[1]
            for k in await fleet.column(
                "SELECT dedupe_key FROM voucher_transactions WHERE dedupe_key LIKE :k",
                k=f"earn:{created['id']}:%",
            )
        )
        balances = await fleet.column(
            "SELECT loyalty_balance FROM vouchers WHERE campaign_id = :c", c=program_id
        )
        return [
            row(
                "order: every PAID save answered 200",
                0,
                sum(1 for g in answers for a in g if a.status != 200),
            ),
            row(
                "order: one customer.order.paid",
                "none",
                failures((o, paid[o] == 1) for o in ids),
            ),
            row(
                "order: earned once (ledger)",
                "none",
                failures((o, earned[o] == 1) for o in ids),
            ),
            row(
                f"card: balance == {EARN_POINTS}",
                len(buyers),
                sum(1 for b in balances if b == EARN_POINTS),
            ),
            *await ledger_rows(fleet, program_id),
        ]

    return Scenario("earning", groups, check)
