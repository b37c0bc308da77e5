"""The counters validation rules read: redemption counts, order, discount and gift totals per
campaign / voucher / customer / API key, all-time or per daily / weekly / monthly window.

A row per counter (`rule_counters`, keyed by `key`) exists only when an assigned rule reads
it, so codes without counter rules cost nothing. At redemption the rows are taken by ONE
upsert that adds this attempt's known increment and returns the new value: the upsert holds
the row lock until commit (PostgreSQL's ON CONFLICT DO UPDATE locks the row; SQLite has one
writer), so two redemptions of "once per customer" by one customer serialise on the row
and the second sees 2. Keys are sorted so concurrent requests lock in one order. A refused
redemption rolls the increment back with its transaction; a rollback subtracts what the
redemption recorded (`add` with negative amounts).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import TextClause, bindparam, case, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.queries import one_of
from voucherd.rules.models import RuleCounter
from voucherd.rules.windows import split_window, window_start

# What each counter rule name counts, and which objects scope it.
_METRIC = {
    "campaign.orders.amount": "order_amount",
    "campaign.orders.amount_discounted": "discount",
    "redemption.gift.amount": "gift",
}
_SCOPE = {
    "campaign.orders.amount": ("campaign",),
    "campaign.orders.amount_discounted": ("campaign",),
    "redemption.gift.amount": ("campaign",),
    "campaign.redemptions.count": ("campaign",),
    "campaign.redemptions.customers_count": ("campaign", "customer"),
    "redemption.count": ("voucher",),
    "redemption.count.per_customer": ("voucher", "customer"),
    "redemption.count.per_api_key": ("voucher", "api_key"),
}


@dataclass(frozen=True)
class Need:
    """One counter one redeemable's rules read."""

    name: str  # the rule name, e.g. redemption.count.per_customer.daily
    key: str | None  # its row; None when it can't be kept (no customer for a per-customer count)
    metric: str  # count | order_amount | discount | gift


def is_counter(name: str) -> bool:
    return split_window(name)[0] in _SCOPE


def need(
    name: str,
    *,
    campaign_id: str | None,
    voucher_id: str | None,
    customer_id: str | None,
    api_key_id: str | None,
    now: datetime,
    zone: ZoneInfo,
) -> Need:
    base, window = split_window(name)
    ids = {
        "campaign": campaign_id,
        "voucher": voucher_id,
        "customer": customer_id,
        "api_key": api_key_id,
    }
    scope = [ids[part] for part in _SCOPE[base]]
    metric = _METRIC.get(base, "count")
    if any(part is None for part in scope):
        return Need(name, None, metric)
    start = window_start(window, now, zone)
    parts = [name, *(p for p in scope if p), start.isoformat() if start else "all"]
    return Need(name, "|".join(parts), metric)


@cache
def _upsert(rows: int) -> TextClause:
    """The same SQL on PostgreSQL and SQLite (3.35+), as text: compiling the ORM's dialect
    insert on every redemption cost more than the round trip."""
    values = ", ".join(f"(:p, :k{i}, :v{i})" for i in range(rows))
    return text(
        f"INSERT INTO rule_counters (project_id, key, value) VALUES {values} "
        "ON CONFLICT (project_id, key) DO UPDATE SET value = rule_counters.value + excluded.value "
        "RETURNING key, value"
    )


async def take(
    session: AsyncSession, project_id: str, increments: Mapping[str, int]
) -> dict[str, int]:
    """Lock the counters (creating missing rows) and add `increments`, in one statement and
    in key order; returns each counter's value BEFORE this attempt. The row locks last until
    the transaction ends: a concurrent redemption reading the same counter waits for it."""
    if not increments:
        return {}
    keys = sorted(increments)
    params: dict[str, Any] = {"p": project_id}
    for i, key in enumerate(keys):
        params[f"k{i}"] = key
        params[f"v{i}"] = increments[key]
    rows = await session.execute(_upsert(len(keys)), params)
    return {key: value - increments[key] for key, value in rows.all()}


# Built once, the keys bound as one list (`one_of`): a qualification reads dozens at once.
_READ = select(RuleCounter.key, RuleCounter.value).where(
    RuleCounter.project_id == bindparam("project_id"), one_of(RuleCounter.key, "keys")
)


async def read(session: AsyncSession, project_id: str, keys: Iterable[str]) -> dict[str, int]:
    """The counters' values, without a lock (validation changes nothing)."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    rows = await session.execute(_READ, {"project_id": project_id, "keys": wanted})
    return {str(key): int(value) for key, value in rows.all()}


async def add(session: AsyncSession, project_id: str, amounts: Mapping[str, int]) -> None:
    """Relative change of existing counters (late increments, rollbacks), one statement."""
    changes = {k: v for k, v in amounts.items() if v}
    if not changes:
        return
    await session.execute(
        update(RuleCounter)
        .where(RuleCounter.project_id == project_id, RuleCounter.key.in_(sorted(changes)))
        .values(value=RuleCounter.value + case(changes, value=RuleCounter.key, else_=0)),
        execution_options={"synchronize_session": False},
    )
