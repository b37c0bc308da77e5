"""`order.items.any|every|none|cheapest|most_expensive` with their sub-rules (pure).

A line matches an entry `{id, object, source_id?}`: a product entry covers its SKU lines,
a SKU entry only itself, a `products_collection` entry every line the collection holds
(`product_collections.filters.matches`). `$from` narrows the lines considered (the pool
the cheapest / most expensive line is chosen from).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from voucherd.product_collections.filters import Collection, matches
from voucherd.rules import compare
from voucherd.rules.facts import Facts, ItemFact
from voucherd.rules.tree import Rule, RuleSet

if TYPE_CHECKING:
    from voucherd.rules.evaluate import Outcome


@dataclass(frozen=True)
class ItemScope:
    """What an item sub-rule reads: the line being tried and every matching line."""

    line: ItemFact
    matched: tuple[ItemFact, ...]


def entry_matches(entry: Any, item: ItemFact, collections: Mapping[str, Collection]) -> bool:
    if isinstance(entry, str):  # a bare id: product, SKU or collection by its prefix
        entry = {"id": entry, "object": _object_of(entry)}
    if not isinstance(entry, Mapping):
        return False
    kind, ident, source = entry.get("object"), entry.get("id"), entry.get("source_id")
    if kind == "product":
        return (ident is not None and item.product_id == ident) or (
            source is not None and item.sku_id is None and item.source_id == source
        )
    if kind == "sku":
        return (ident is not None and item.sku_id == ident) or (
            source is not None and item.source_id == source
        )
    if kind in ("products_collection", "product_collection"):
        collection = collections.get(str(ident))
        return collection is not None and any(matches(collection, v) for v in item.views)
    return False


def _object_of(ident: str) -> str:
    if ident.startswith("pc_"):
        return "products_collection"
    return "sku" if ident.startswith("sku_") else "product"


def line_matches(rule: Rule, item: ItemFact, facts: Facts) -> bool:
    for condition in rule.conditions:
        if condition.operator == "$from":
            continue
        hit = any(entry_matches(e, item, facts.collections) for e in condition.operands)
        if hit != (condition.operator in ("$is", "$in")):
            return False
    return True


def _pool(rule: Rule, facts: Facts) -> tuple[ItemFact, ...]:
    froms = [c.operands for c in rule.conditions if c.operator == "$from"]
    if not froms:
        return facts.items
    return tuple(
        item
        for item in facts.items
        if all(any(entry_matches(e, item, facts.collections) for e in ops) for ops in froms)
    )


def _described(rule: Rule) -> str:
    parts = []
    for condition in rule.conditions:
        if condition.operator == "$from":
            continue
        names = ", ".join(compare.show(o) for o in condition.operands)
        negated = condition.operator in ("$is_not", "$not_in")
        parts.append(f"{'not ' if negated else ''}{names}")
    return " and ".join(parts) or "any item"


Evaluator = Callable[[RuleSet, Facts, ItemScope | None], "Outcome"]


def check_items(which: str, rule: Rule, facts: Facts, evaluate: Evaluator) -> str | None:
    pool = _pool(rule, facts)
    matched = tuple(item for item in pool if line_matches(rule, item, facts))
    what = _described(rule)

    def sub(line: ItemFact) -> str | None:
        if rule.subrules is None or rule.subrules.logic is None:
            return None
        outcome = evaluate(rule.subrules, facts, ItemScope(line, matched))
        return None if outcome.passed else outcome.explanation

    if which in ("cheapest", "most_expensive"):
        return _extreme(which, pool, matched, what, sub)
    results = [(line, sub(line)) for line in matched]
    passing = [line for line, why in results if why is None]
    if which == "any":
        if not matched:
            return f"no order item is {what}"
        return None if passing else f"no order item {what} passes: {results[0][1]}"
    if which == "none":
        if not passing:
            return None
        return f"order item {passing[0].index} is {what}"
    # every
    if not pool:
        return "the order has no items"
    strays = [item for item in pool if item not in matched]
    if strays:
        return f"order item {strays[0].index} is not {what}"
    failing = [(line, why) for line, why in results if why is not None]
    return f"order item {failing[0][0].index}: {failing[0][1]}" if failing else None


def _extreme(
    which: str,
    pool: Sequence[ItemFact],
    matched: Sequence[ItemFact],
    what: str,
    sub: Callable[[ItemFact], str | None],
) -> str | None:
    priced = [item for item in pool if item.price is not None]
    if not priced:
        return "the order has no priced items"
    # Ties go to the first line, so the answer is stable.
    if which == "cheapest":
        line = min(priced, key=lambda i: (i.price or 0, i.index))
    else:
        line = min(priced, key=lambda i: (-(i.price or 0), i.index))
    words = "cheapest" if which == "cheapest" else "most expensive"
    if line not in matched:
        return f"the {words} order item (item {line.index}) is not {what}"
    why = sub(line)
    return None if why is None else f"the {words} order item (item {line.index}): {why}"
