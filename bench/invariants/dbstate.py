"""The project's committed state, read straight from the tables after the run."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from voucherd.kit.db import Database


@dataclass
class Card:
    """A voucher row (discount code, gift card or loyalty card) with its aggregates."""

    id: str
    code: str
    type: str
    campaign_id: str | None
    gift_amount: int
    gift_balance: int
    redeemed_amount: int
    loyalty_balance: int
    pending_points: int
    redemption_quantity: int | None
    redeemed_quantity: int
    redeemed_points: int
    publish_count: int
    tx_sum: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # by type
    tx_count: Counter[str] = field(default_factory=Counter)
    min_balance_after: int = 0
    buckets: int = 0
    min_bucket: int = 0
    pending_entries: int = 0
    publications: int = 0
    live_redemptions: int = 0  # redemption rows of this voucher still SUCCEEDED
    completed_rewards: int = 0  # reward redemptions COMPLETED (not rolled back)

    @property
    def ledger(self) -> int:
        return sum(self.tx_sum.values())


@dataclass
class State:
    cards: dict[str, Card]  # by code
    by_id: dict[str, Card]
    redemptions: dict[str, dict[str, Any]]  # id -> row (redemptions and rollbacks)
    events: dict[str, Counter[str]]  # entity id -> Counter(type)
    events_by_group: dict[str, Counter[str]]  # request id -> Counter(type)
    rewards: list[dict[str, Any]]  # id, stock, redeemed, completed
    orders: list[tuple[str, int, int, int, int]]  # id, amount, items' sum, items, positions


async def _rows(db: Database, sql: str, project_id: str) -> list[Any]:
    async with db.transaction(write=False) as session:
        return list((await session.execute(text(sql), {"p": project_id})).all())


async def read(db: Database, project_id: str) -> State:
    cards: dict[str, Card] = {}
    for r in await _rows(
        db,
        "SELECT id, code, type, campaign_id, coalesce(gift_amount, 0), coalesce(gift_balance, 0),"
        " redeemed_amount, coalesce(loyalty_balance, 0), coalesce(loyalty_pending_points, 0),"
        " redemption_quantity, redeemed_quantity, redeemed_points, publish_count"
        " FROM vouchers WHERE project_id = :p",
        project_id,
    ):
        cards[r[1]] = Card(*r)
    by_id = {c.id: c for c in cards.values()}
    for vid, kind, n, total, low in await _rows(
        db,
        "SELECT voucher_id, type, count(*), sum(amount), min(balance_after)"
        " FROM voucher_transactions WHERE project_id = :p GROUP BY voucher_id, type",
        project_id,
    ):
        card = by_id[vid]
        card.tx_sum[kind] += int(total)
        card.tx_count[kind] += int(n)
        card.min_balance_after = min(card.min_balance_after, int(low))
    for vid, total, low in await _rows(
        db,
        "SELECT voucher_id, sum(remaining), min(remaining) FROM points_buckets"
        " WHERE project_id = :p GROUP BY voucher_id",
        project_id,
    ):
        by_id[vid].buckets, by_id[vid].min_bucket = int(total), int(low)
    for vid, total in await _rows(
        db,
        "SELECT voucher_id, sum(points) FROM loyalty_pending_points"
        " WHERE project_id = :p AND status = 'PENDING' GROUP BY voucher_id",
        project_id,
    ):
        by_id[vid].pending_entries = int(total)
    for vid, n in await _rows(
        db,
        "SELECT voucher_id, count(*) FROM publications WHERE project_id = :p GROUP BY voucher_id",
        project_id,
    ):
        if vid in by_id:
            by_id[vid].publications = int(n)
    redemptions: dict[str, dict[str, Any]] = {}
    for r in await _rows(
        db,
        "SELECT id, object, parent_id, status, result, voucher_id, gift_credits, points,"
        " reward IS NOT NULL FROM redemptions WHERE project_id = :p",
        project_id,
    ):
        keys = ("id", "object", "parent_id", "status", "result", "voucher_id", "gift", "points")
        row = dict(zip(keys, r[:8], strict=True)) | {"is_reward": bool(r[8])}
        redemptions[r[0]] = row
        if row["object"] == "redemption" and row["status"] == "SUCCEEDED" and r[5] in by_id:
            by_id[r[5]].live_redemptions += 1
    rewards: list[dict[str, Any]] = []
    completed: Counter[str] = Counter()
    for vid, reward_id, state in await _rows(
        db,
        "SELECT voucher_id, reward_id, state FROM reward_redemptions WHERE project_id = :p",
        project_id,
    ):
        if state == "COMPLETED":
            by_id[vid].completed_rewards += 1
            completed[reward_id] += 1
    for rid, stock, redeemed in await _rows(
        db, "SELECT id, stock, redeemed FROM rewards WHERE project_id = :p", project_id
    ):
        rewards.append(
            {"id": rid, "stock": stock, "redeemed": redeemed, "completed": completed[rid]}
        )
    events: dict[str, Counter[str]] = defaultdict(Counter)
    by_group: dict[str, Counter[str]] = defaultdict(Counter)
    for kind, entity, group in await _rows(
        db, "SELECT type, entity_id, group_id FROM events WHERE project_id = :p", project_id
    ):
        events[entity or ""][kind] += 1
        by_group[group][kind] += 1
    orders = [
        (str(r[0]), int(r[1] or 0), int(r[2]), int(r[3]), int(r[4]))
        for r in await _rows(
            db,
            "SELECT o.id, o.amount, coalesce(sum(i.amount), 0), count(i.id),"
            " count(DISTINCT i.position) FROM orders o LEFT JOIN order_items i"
            " ON i.order_id = o.id WHERE o.project_id = :p GROUP BY o.id, o.amount",
            project_id,
        )
    ]
    return State(cards, by_id, redemptions, events, by_group, rewards, orders)
