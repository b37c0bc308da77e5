"""The conservation laws, checked against the database, the API and what clients saw.

Each law yields a `Violation` naming the object it broke on; the report prints the
operations that touched that object, in order, with their statuses (a minimal trace).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from bench.invariants.dbstate import Card, State
from bench.invariants.model import Observed, Seen
from bench.invariants.oplog import OpLog
from bench.invariants.world import CAMPAIGN_GIFT_AMOUNT, GIFT_AMOUNT, World

# The events a refused redemption records on purpose (Voucherify lists failed attempts).
REFUSAL_EVENTS = frozenset({"redemption.failed", "customer.redemption.failed"})

# Law -> what it says (printed in the summary).
LAWS = {
    "http.no_5xx": "no request answered 5xx (or raised through the app)",
    "log.no_errors": "nothing logged at ERROR (a job that raised, a 500's cause)",
    "gift.conservation": "amount - balance == removals + spends - refunds, as clients saw them",
    "gift.ledger": "initial + sum(vtx transactions) == balance",
    "gift.nonnegative": "balance >= 0 and no transaction left it below 0",
    "gift.client_vs_ledger": "CREDITS_REDEMPTION / REFUND rows and redeemed_amount == responses",
    "code.limit": "redeemed_quantity <= redemption.quantity",
    "code.uses": "redeemed_quantity == successful uses - rollbacks seen by clients == live rows",
    "card.ledger": "ledger sum == buckets sum == balance >= 0",
    "card.pending": "pending total == sum of PENDING entries",
    "card.limit": "loyalty card redeemed_quantity <= redemption.quantity",
    "card.rewards": "card redeemed_quantity == COMPLETED reward redemptions == clients' count",
    "card.client_vs_ledger": "ADDITION/REMOVAL/TRANSFER/REDEMPTION/REFUND rows == responses",
    "reward.stock": "reward redeemed <= stock and == COMPLETED reward redemptions",
    "publish.count": "publish_count == publication rows == 200 publications clients saw",
    "order.items": "an order's amount == the sum of its items, one item per position",
    "redemption.committed": "each 200 redemption/rollback: one row and one outbox event",
    "redemption.no_phantoms": "every committed redemption/rollback was answered 200",
    "rollback.once": "no redemption rolled back twice",
    "refused.changed_nothing": "a 4xx request recorded no event (failed-redemption records aside)",
    "api.agrees": "GET /v1/vouchers/{code} agrees with the tables",
}


@dataclass
class Violation:
    law: str
    subject: str
    detail: str
    keys: list[str] = field(default_factory=list)  # what the trace follows
    global_ops: bool = False  # also show jobs and clock moves (they touch every card)
    step: int | None = None  # only the operations of this step (what ran alongside)

    @property
    def kinds(self) -> frozenset[str] | None:
        """The operation kinds that can move what the law counts (None: all)."""
        return TRACE_KINDS.get(self.law.split(".")[0])


# A trace shows only the operations that can move what the broken law counts.
_MONEY = frozenset({"setup", "redeem", "rollback", "gift_put", "gift_balance", "reward"})
TRACE_KINDS = {
    "gift": _MONEY,
    "code": frozenset({"setup", "redeem", "rollback", "toggle"}),
    "card": frozenset(
        {"setup", "points_balance", "transfer", "reward", "rollback", "paid_order", "pending"}
        | {"redeem", "job", "clock"}
    ),
    "publish": frozenset({"setup", "publish", "reward"}),
    "order": frozenset({"paid_order", "redeem", "reward", "rollback"}),
}


def _v(law: str, card: Card, detail: str, global_ops: bool = False) -> Violation:
    return Violation(law, card.code, detail, [card.code, card.id], global_ops)


def transport(log: OpLog, errors: list[str]) -> Iterator[Violation]:
    for op in log.ops:
        if op.status >= 500:
            keys = sorted(op.touched) or [op.path]
            subject = f"#{op.seq} {op.method} {op.path}"
            yield Violation("http.no_5xx", subject, op.note, keys, True, op.step)
    for message in errors:
        yield Violation("log.no_errors", "log", message)


def gift(state: State, seen: Observed, world: World) -> Iterator[Violation]:
    for card in state.cards.values():
        if card.type != "GIFT_VOUCHER":
            continue
        s = seen.codes.get(card.code)
        spends = s.spends if s else 0
        refunds = s.refunds if s else 0
        removals = s.removals if s else 0
        expected_gap = removals + spends - refunds
        gap = card.gift_amount - card.gift_balance
        if gap != expected_gap:
            yield _v(
                "gift.conservation",
                card,
                f"amount {card.gift_amount} - balance {card.gift_balance} = {gap}, but clients saw"
                f" removals {removals} + spends {spends} - refunds {refunds} = {expected_gap}"
                f" (balance should be {card.gift_amount - expected_gap})",
            )
        initial = CAMPAIGN_GIFT_AMOUNT if card.campaign_id == world.gift_campaign else GIFT_AMOUNT
        if initial + card.ledger != card.gift_balance:
            yield _v(
                "gift.ledger",
                card,
                f"initial {initial} + transactions {card.ledger} = {initial + card.ledger}"
                f" != balance {card.gift_balance} ({dict(card.tx_sum)})",
            )
        if card.gift_balance < 0 or card.min_balance_after < 0:
            yield _v("gift.nonnegative", card, f"balance {card.gift_balance}")
        rows = (
            -card.tx_sum.get("CREDITS_REDEMPTION", 0),
            card.tx_sum.get("CREDITS_REFUND", 0),
            card.redeemed_amount,
        )
        wanted = (spends, refunds, spends - refunds)
        if rows != wanted:
            yield _v(
                "gift.client_vs_ledger",
                card,
                f"(redeemed, refunded, redeemed_amount) rows {rows} != responses {wanted}",
            )


def codes(state: State, seen: Observed) -> Iterator[Violation]:
    for card in state.cards.values():
        limit = card.redemption_quantity
        if card.type != "LOYALTY_CARD" and limit is not None and card.redeemed_quantity > limit:
            yield _v("code.limit", card, f"redeemed_quantity {card.redeemed_quantity} > {limit}")
        if card.type == "LOYALTY_CARD":
            continue
        s = seen.codes.get(card.code)
        clients = (s.uses - s.rolled_back) if s else 0
        if not card.redeemed_quantity == clients == card.live_redemptions:
            yield _v(
                "code.uses",
                card,
                f"redeemed_quantity {card.redeemed_quantity}, clients saw {clients}"
                f" (uses {s.uses if s else 0} - rollbacks {s.rolled_back if s else 0}),"
                f" SUCCEEDED rows {card.live_redemptions}",
            )


def cards(state: State, seen: Observed) -> Iterator[Violation]:
    for card in state.cards.values():
        if card.type != "LOYALTY_CARD":
            continue
        if (
            not (card.ledger == card.buckets == card.loyalty_balance >= 0)
            or min(card.min_balance_after, card.min_bucket) < 0
        ):
            yield _v(
                "card.ledger",
                card,
                f"ledger {card.ledger}, buckets {card.buckets}, balance {card.loyalty_balance}"
                f" (lowest balance_after {card.min_balance_after}, bucket {card.min_bucket})",
                True,
            )
        if card.pending_points != card.pending_entries:
            yield _v(
                "card.pending",
                card,
                f"pending_points {card.pending_points} != PENDING entries {card.pending_entries}",
                True,
            )
        limit = card.redemption_quantity
        if limit is not None and card.redeemed_quantity > limit:
            yield _v("card.limit", card, f"redeemed_quantity {card.redeemed_quantity} > {limit}")
        s = seen.codes.get(card.code)
        clients = (s.rewards - s.reward_rollbacks) if s else 0
        if not card.redeemed_quantity == card.completed_rewards == clients:
            yield _v(
                "card.rewards",
                card,
                f"redeemed_quantity {card.redeemed_quantity}, COMPLETED reward redemptions"
                f" {card.completed_rewards}, clients saw {clients}",
            )
        yield from _card_rows(card, s)


def _card_rows(card: Card, s: Seen | None) -> Iterator[Violation]:
    seen = s or Seen()
    t = card.tx_sum
    pairs = {
        "POINTS_ADDITION": (t.get("POINTS_ADDITION", 0), seen.points_added),
        "POINTS_REMOVAL": (-t.get("POINTS_REMOVAL", 0), seen.points_removed),
        "POINTS_TRANSFER_IN": (t.get("POINTS_TRANSFER_IN", 0), seen.transfer_in),
        "POINTS_TRANSFER_OUT": (-t.get("POINTS_TRANSFER_OUT", 0), seen.transfer_out),
        "POINTS_REDEMPTION": (-t.get("POINTS_REDEMPTION", 0), seen.reward_points),
        "POINTS_REFUND": (t.get("POINTS_REFUND", 0), seen.reward_refunds),
        "redeemed_points": (card.redeemed_points, seen.reward_points - seen.reward_refunds),
    }
    wrong = {k: v for k, v in pairs.items() if v[0] != v[1]}
    if wrong:
        shown = ", ".join(f"{k} rows {a} vs responses {b}" for k, (a, b) in wrong.items())
        yield _v("card.client_vs_ledger", card, shown)


def rewards(state: State) -> Iterator[Violation]:
    for r in state.rewards:
        stock, redeemed = r["stock"], r["redeemed"]
        if (stock is not None and redeemed > stock) or redeemed != r["completed"]:
            yield Violation(
                "reward.stock",
                r["id"],
                f"redeemed {redeemed}, stock {stock}, COMPLETED {r['completed']}",
                [r["id"]],
            )


def publications(state: State, seen: Observed, world: World) -> Iterator[Violation]:
    for card in state.cards.values():
        watched = card.code in world.publishable
        clients = seen.codes[card.code].publications if card.code in seen.codes else 0
        if card.publish_count != card.publications or (watched and card.publish_count != clients):
            yield _v(
                "publish.count",
                card,
                f"publish_count {card.publish_count}, publication rows {card.publications}"
                + (f", 200 publications seen {clients}" if watched else ""),
            )


def orders(state: State) -> Iterator[Violation]:
    for order_id, amount, items_sum, items, positions in state.orders:
        if amount != items_sum or items != positions:
            yield Violation(
                "order.items",
                order_id,
                f"amount {amount}, items sum {items_sum}, {items} items on {positions} positions",
                [order_id],
            )
