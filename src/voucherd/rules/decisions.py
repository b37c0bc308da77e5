"""Rules in decisions: load the rules of a request's redeemables once, build the facts once,
decide each redeemable on the running order, and keep the counters the rules read.

One `prepare` per request: one query for every rule assigned to the vouchers and campaigns
(`repository.rules_for`), one for the product collections they name (only if any), one for
the counters they read (only if any; at redemption it also locks and increments them).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.customers.models import Customer
from voucherd.discounts.calculation_types import OrderInput, OrderItemInput
from voucherd.kit.context import RequestContext
from voucherd.product_collections import service as collections
from voucherd.product_collections.filters import Collection as Collection_
from voucherd.rules import counters, repository
from voucherd.rules.evaluate import Outcome, evaluate
from voucherd.rules.facts import Facts, ItemFact, order_items
from voucherd.rules.language import parse_rules, parse_targeting
from voucherd.rules.models import ValidationRule
from voucherd.rules.targeting import UNLIMITED, Targeted, target
from voucherd.rules.tree import RuleSet, Targeting
from voucherd.rules.windows import UTC

SegmentIds = Callable[[AsyncSession, RequestContext, Customer], Awaitable[frozenset[str]]]


@dataclass(frozen=True)
class Assigned:
    """A validation rule as decisions use it: parsed once, cached by its version."""

    id: str
    ruleset: RuleSet
    targeting: Targeting
    message: str | None  # the set's error.message, the fallback of its rules'


_PARSED: dict[tuple[str, datetime | None, datetime], Assigned] = {}
_PARSED_MAX = 4096  # rules kept parsed; a project rarely has more, and a miss only re-parses


def _assigned(rule: ValidationRule | repository.RuleRow) -> Assigned:
    stamp = (rule.id, rule.updated_at, rule.created_at)
    cached = _PARSED.get(stamp)
    if cached is None:
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        message = (rule.error or {}).get("message")
        cached = Assigned(
            rule.id, parse_rules(rule.rules), parse_targeting(rule.applicable_to), message
        )
        _PARSED[stamp] = cached
    return cached


def _names(ruleset: RuleSet) -> Iterable[tuple[str, tuple[Any, ...]]]:
    for rule in ruleset.rules:
        for condition in rule.conditions:
            yield rule.name, condition.operands
        if rule.subrules is not None:
            yield from _names(rule.subrules)


def _collection_ids(rules: Iterable[Assigned]) -> set[str]:
    found: set[str] = set()
    for rule in rules:
        for name, operands in _names(rule.ruleset):
            if name.startswith("order.items."):
                found.update(
                    str(o.get("id") if isinstance(o, Mapping) else o)
                    for o in operands
                    if (isinstance(o, Mapping) and o.get("object") == "products_collection")
                    or (isinstance(o, str) and o.startswith("pc_"))
                )
        targets = (*rule.targeting.included, *rule.targeting.excluded)
        found.update(t.id for t in targets if t.object == "products_collection")
    return found


@dataclass(frozen=True)
class Redeemable:
    """What a decision needs of one redeemable."""

    voucher_id: str
    campaign_id: str | None
    holder_id: str | None
    code: str


@dataclass
class Decision:
    outcome: Outcome
    targeted: Targeted
    rules: list[Assigned]
    # counter key -> what this attempt adds (kept on the redemption so a rollback subtracts)
    increments: dict[str, int] = field(default_factory=dict)


@dataclass
class RuleBook:
    by_object: dict[str, list[Assigned]]
    facts: Facts
    needs: dict[str, list[counters.Need]]  # by voucher id
    before: dict[str, int]  # counter key -> value before this request
    locked: bool

    def rules_of(self, redeemable: Redeemable) -> list[Assigned]:
        ids = [redeemable.voucher_id, *([redeemable.campaign_id] if redeemable.campaign_id else [])]
        return [rule for object_id in ids for rule in self.by_object.get(object_id, [])]

    def decide(
        self,
        redeemable: Redeemable,
        *,
        amount: int,
        discount: int,
        gift: int,
        targeted: Targeted | None = None,
    ) -> tuple[Decision, list[tuple[Assigned, Outcome]]]:
        """Check every rule of the redeemable on the order as it stands at its step of the
        stack (`amount`), with the counters as they would be after this attempt."""
        rules = self.rules_of(redeemable)
        attempt = {
            "count": 1,
            "order_amount": self.facts.initial_amount,
            "discount": discount,
            "gift": gift,
        }
        values: dict[str, int] = {}
        increments: dict[str, int] = {}
        for need in self.needs.get(redeemable.voucher_id, []):
            values[need.name] = attempt[need.metric]
            if need.key is not None:
                values[need.name] += self.before.get(need.key, 0)
                increments[need.key] = attempt[need.metric]
        facts = self.facts.at(amount=amount, holder_id=redeemable.holder_id, counters=values)
        failed = [(rule, evaluate(rule.ruleset, facts)) for rule in rules]
        failed = [(rule, outcome) for rule, outcome in failed if not outcome.passed]
        outcome = failed[0][1] if failed else Outcome(True)
        targeted = targeted if targeted is not None else self.targeting(redeemable)
        return Decision(outcome, targeted, rules, increments), failed

    def reads_discount(self, redeemable: Redeemable) -> bool:
        """Whether its rules read a discount or gift total (which needs this step's amount)."""
        return any(
            n.metric in ("discount", "gift") for n in self.needs.get(redeemable.voucher_id, [])
        )

    def targeting(self, redeemable: Redeemable) -> Targeted:
        """The lines the redeemable's discount may touch (the first rule with targeting:
        Voucherify's dashboard gives an object one such rule)."""
        for rule in self.rules_of(redeemable):
            if not rule.targeting.is_empty:
                return target(rule.targeting, self.facts.items, self.facts.collections)
        return UNLIMITED

    def early_increments(self, voucher_id: str) -> dict[str, int]:
        """What `prepare` added for this redeemable when it took the counters (its use and the
        order amount): given back when it is not redeemed after all."""
        if not self.locked:
            return {}
        known = {"count": 1, "order_amount": self.facts.initial_amount}
        added: dict[str, int] = {}
        for need in self.needs.get(voucher_id, []):
            if need.key is not None and need.metric in known:
                added[need.key] = added.get(need.key, 0) + known[need.metric]
        return added

    def late_increments(self, decisions: Iterable[Decision]) -> dict[str, int]:
        """Increments `take` could not know (discount and gift totals): added after."""
        late: dict[str, int] = {}
        metric = {n.key: n.metric for ns in self.needs.values() for n in ns if n.key}
        for decision in decisions:
            for key, amount in decision.increments.items():
                if metric.get(key) in ("discount", "gift"):
                    late[key] = late.get(key, 0) + amount
        return late


async def prepare(
    session: AsyncSession,
    ctx: RequestContext,
    redeemables: Sequence[Redeemable],
    *,
    now: datetime,
    items: tuple[ItemFact, ...],
    initial_amount: int,
    customer: Customer | None,
    order_metadata: Mapping[str, Any],
    request_metadata: Mapping[str, Any],
    lock: bool,
    zone: ZoneInfo = UTC,
    segment_ids: SegmentIds | None = None,
) -> RuleBook | None:
    """None when no redeemable has rules (the common case costs one indexed query)."""
    object_ids = {r.voucher_id for r in redeemables} | {
        r.campaign_id for r in redeemables if r.campaign_id
    }
    rows = await repository.rule_rows_for(session, ctx.project_id, object_ids)
    if not rows:
        return None
    by_object: dict[str, list[Assigned]] = {}
    for row in rows:
        by_object.setdefault(row.related_object_id, []).append(_assigned(row))
    every = [rule for rules in by_object.values() for rule in rules]
    wanted = _collection_ids(every)
    found = await collections.rules_by_id(session, ctx, wanted) if wanted else {}
    segments: frozenset[str] = frozenset()
    uses_segments = any(name == "customer.segment" for r in every for name, _ in _names(r.ruleset))
    if uses_segments and customer is not None and segment_ids is not None:
        segments = await segment_ids(session, ctx, customer)
    facts = Facts(
        now=now,
        zone=zone,
        amount=initial_amount,
        initial_amount=initial_amount,
        items=items,
        customer_id=customer.id if customer else None,
        customer_metadata=(customer.metadata_ if customer else None) or {},
        segment_ids=segments,
        order_metadata=order_metadata,
        request_metadata=request_metadata,
        api_key_id=ctx.app_id,
        collections=found,
    )
    book = RuleBook(by_object, facts, {}, {}, lock)
    for redeemable in redeemables:
        names = {
            name
            for rule in book.rules_of(redeemable)
            for name, _ in _names(rule.ruleset)
            if counters.is_counter(name)
        }
        book.needs[redeemable.voucher_id] = [
            counters.need(
                name,
                campaign_id=redeemable.campaign_id,
                voucher_id=redeemable.voucher_id,
                customer_id=facts.customer_id,
                api_key_id=facts.api_key_id,
                now=now,
                zone=zone,
            )
            for name in sorted(names)
        ]
    keyed = [n for ns in book.needs.values() for n in ns if n.key is not None]
    if lock:
        known = {"count": 1, "order_amount": initial_amount}
        increments: dict[str, int] = {}
        for n in keyed:
            assert n.key is not None
            increments[n.key] = increments.get(n.key, 0) + known.get(n.metric, 0)
        book.before = await counters.take(session, ctx.project_id, increments)
    else:
        book.before = await counters.read(session, ctx.project_id, (n.key or "" for n in keyed))
    return book


def order_facts(order: Mapping[str, Any] | None) -> tuple[int, tuple[ItemFact, ...]]:
    """An order as the API shows it (an event's payload) -> its amount and lines."""
    if not order:
        return 0, ()
    lines = order.get("items") or []
    items = order_items(
        OrderInput(
            items=tuple(
                OrderItemInput(
                    quantity=line.get("quantity") or 1,
                    price=line.get("price"),
                    amount=line.get("amount"),
                    product_id=line.get("product_id"),
                    sku_id=line.get("sku_id"),
                    source_id=line.get("source_id"),
                )
                for line in lines
            )
        ),
        [line.get("metadata") for line in lines],
    )
    amount = order.get("amount")
    return (amount if isinstance(amount, int) else sum(i.amount for i in items)), items


async def failures_for(
    session: AsyncSession,
    ctx: RequestContext,
    object_ids: Collection[str],
    facts: Facts,
    *,
    segments_of_customer: Callable[[], Awaitable[frozenset[str]]] | None = None,
) -> dict[str, list[tuple[Assigned, Outcome]]]:
    """The failing validation rules of objects (earning rules, reward assignments), by
    object id, for these facts: one query for all of them, one more only if their rules name
    product collections, and the customer's segments (`segments_of_customer`) only if they
    name `customer.segment`."""
    rows = await repository.rule_rows_for(session, ctx.project_id, object_ids)
    if not rows:
        return {}
    parsed = [(row.related_object_id, _assigned(row)) for row in rows]
    wanted = _collection_ids(rule for _, rule in parsed)
    if wanted:
        facts = facts.at(collections=await collections.rules_by_id(session, ctx, wanted))
    uses_segments = any(
        name == "customer.segment" for _, rule in parsed for name, _ in _names(rule.ruleset)
    )
    if uses_segments and segments_of_customer is not None:
        facts = facts.at(segment_ids=await segments_of_customer())
    failed: dict[str, list[tuple[Assigned, Outcome]]] = {}
    for object_id, rule in parsed:
        outcome = evaluate(rule.ruleset, facts)
        if not outcome.passed:
            failed.setdefault(object_id, []).append((rule, outcome))
    return failed


# --- for replays of past orders (the console's simulator): rules read once, decided purely ----


async def rule_sets_for(
    session: AsyncSession, ctx: RequestContext, object_ids: Collection[str]
) -> dict[str, list[RuleSet]]:
    """The parsed rules assigned to each object (earning rules, vouchers...): one query."""
    found: dict[str, list[RuleSet]] = {}
    for row in await repository.rule_rows_for(session, ctx.project_id, object_ids):
        found.setdefault(row.related_object_id, []).append(_assigned(row).ruleset)
    return found


def names_in(rule_sets: Iterable[RuleSet]) -> set[str]:
    """The rule names the rule sets use (sub-rules included)."""
    return {name for ruleset in rule_sets for name, _ in _names(ruleset)}


async def collections_named(
    session: AsyncSession,
    ctx: RequestContext,
    rule_sets: Sequence[RuleSet],
    targeting: Targeting | None = None,
) -> Mapping[str, Collection_]:
    """The product collections the rules (and `applicable_to`) name, read once."""
    assigned = [Assigned("", r, targeting or Targeting(), None) for r in rule_sets]
    if targeting is not None and not rule_sets:
        assigned.append(Assigned("", RuleSet((), None), targeting, None))
    wanted = _collection_ids(assigned)
    return await collections.rules_by_id(session, ctx, wanted) if wanted else {}
