"""Laws that tie responses to committed rows and events, and the API to the tables."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx

from bench.invariants.checks import REFUSAL_EVENTS, Violation
from bench.invariants.dbstate import State
from bench.invariants.model import Observed
from bench.invariants.oplog import OpLog


def _missing(law: str, rid: str, what: str) -> Violation:
    return Violation(law, rid, what, [rid])


def committed(state: State, seen: Observed) -> Iterator[Violation]:
    """Each 200 redemption or rollback: exactly one committed row and one outbox event."""
    rows = state.redemptions
    for rid in seen.children:
        if rows.get(rid, {}).get("object") != "redemption":
            yield _missing("redemption.committed", rid, "answered 200 but no redemption row")
        n = state.events.get(rid, Counter())["redemption.succeeded"]
        if n != 1:
            yield _missing("redemption.committed", rid, f"{n} redemption.succeeded events")
    for rid in [*seen.parents, *seen.reward_redemptions]:
        if rows.get(rid, {}).get("object") != "redemption":
            yield _missing("redemption.committed", rid, "answered 200 but no redemption row")
    for rid in seen.rollbacks:
        if rows.get(rid, {}).get("object") != "redemption_rollback":
            yield _missing("redemption.committed", rid, "answered 200 but no rollback row")
        if rid in seen.child_rollbacks:
            n = state.events.get(rid, Counter())["redemption.rollback.succeeded"]
            if n != 1:
                yield _missing(
                    "redemption.committed", rid, f"{n} redemption.rollback.succeeded events"
                )


def phantoms(state: State, seen: Observed) -> Iterator[Violation]:
    """Every committed redemption and rollback was answered 200 (no commit behind a 4xx)."""
    answered = {*seen.children, *seen.parents, *seen.reward_redemptions}
    undone: Counter[str] = Counter()
    for rid, row in state.redemptions.items():
        if row["object"] == "redemption" and row["result"] == "SUCCESS" and rid not in answered:
            yield _missing("redemption.no_phantoms", rid, f"{row['status']} row nobody saw")
        if row["object"] == "redemption_rollback":
            undone[str(row["parent_id"])] += 1
            if rid not in seen.rollbacks:
                yield _missing("redemption.no_phantoms", rid, "rollback row nobody saw")
    for original, n in undone.items():
        if n > 1:
            yield Violation("rollback.once", original, f"{n} rollback rows", [original])


def refusals(log: OpLog, state: State) -> Iterator[Violation]:
    """A refused request's unit of work rolled back: no event carries its request id."""
    for op in log.ops:
        if not (400 <= op.status < 500) or not op.request_id:
            continue
        recorded = state.events_by_group.get(op.request_id, Counter())
        changed = {k: n for k, n in recorded.items() if k not in REFUSAL_EVENTS}
        if changed:
            yield Violation(
                "refused.changed_nothing",
                f"#{op.seq} {op.method} {op.path}",
                f"answered {op.status} {op.key} but recorded {changed}",
                sorted(op.touched),
            )


async def api_agrees(http: httpx.AsyncClient, state: State) -> list[Violation]:
    """Each voucher as the API shows it equals its row (the reads agree with the writes)."""
    found: list[Violation] = []
    for card in state.cards.values():
        resp = await http.get(f"/v1/vouchers/{card.code}")
        if resp.status_code != 200:
            found.append(Violation("api.agrees", card.code, f"GET {resp.status_code}", [card.code]))
            continue
        body: dict[str, Any] = resp.json()
        shown = {
            "redeemed_quantity": body["redemption"]["redeemed_quantity"],
            "publish_count": body["publish"]["count"],
            "gift_balance": (body.get("gift") or {}).get("balance", 0),
            "gift_amount": (body.get("gift") or {}).get("amount", 0),
            "loyalty_balance": (body.get("loyalty_card") or {}).get("balance", 0),
        }
        stored = {k: getattr(card, k) for k in shown}
        if shown != stored:
            diff = {k: (shown[k], stored[k]) for k in shown if shown[k] != stored[k]}
            found.append(Violation("api.agrees", card.code, f"(api, table): {diff}", [card.code]))
    return found
