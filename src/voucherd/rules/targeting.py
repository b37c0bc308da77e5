"""`applicable_to` of a rule -> which order lines a discount may touch (pure).

Included entries pick lines (all matches, or only the cheapest / most expensive one per the
entry's effect); `included_all` picks every line; excluded entries always win, even against
an including collection; a product entry covers its SKU lines (VOUCHERIFY-RULES.md a.4).
The response lists (`applicable_to`, `inapplicable_to`) name each entry with the
`order_item_indices` it covers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from voucherd.product_collections.filters import Collection
from voucherd.rules.facts import ItemFact
from voucherd.rules.item_rules import entry_matches
from voucherd.rules.tree import Target, Targeting


@dataclass(frozen=True)
class Targeted:
    # Lines item-level discounts may touch; None = not limited by any rule.
    indexes: frozenset[int] | None = None
    applicable_to: list[dict[str, Any]] = field(default_factory=list)
    inapplicable_to: list[dict[str, Any]] = field(default_factory=list)
    # The smallest caps of the included entries (all caps apply, the smallest wins).
    amount_limit: int | None = None
    aggregated_amount_limit: int | None = None


UNLIMITED = Targeted()


def _entry(target: Target) -> dict[str, Any]:
    return {"object": target.object, "id": target.id, "source_id": target.source_id}


def _lines(
    target: Target, items: Sequence[ItemFact], collections: Mapping[str, Collection]
) -> list[ItemFact]:
    entry = _entry(target)
    hits = [item for item in items if entry_matches(entry, item, collections)]
    priced = [item for item in hits if item.price is not None]
    if target.effect == "APPLY_TO_CHEAPEST" and priced:
        return [min(priced, key=lambda i: (i.price or 0, i.index))]
    if target.effect == "APPLY_TO_MOST_EXPENSIVE" and priced:
        return [min(priced, key=lambda i: (-(i.price or 0), i.index))]
    if target.effect == "APPLY_FROM_CHEAPEST":
        return sorted(hits, key=lambda i: (i.price or 0, i.index))
    if target.effect == "APPLY_FROM_MOST_EXPENSIVE":
        return sorted(hits, key=lambda i: (-(i.price or 0), i.index))
    return hits


def _smallest(values: Iterable[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _wire(target: Target, indices: Iterable[int]) -> dict[str, Any]:
    body: dict[str, Any] = {"object": target.object, "id": target.id, "effect": target.effect}
    for name in (
        "source_id",
        "product_id",
        "product_source_id",
        "target",
        "skip_initially",
        "repeat",
        "quantity_limit",
        "aggregated_quantity_limit",
        "amount_limit",
        "aggregated_amount_limit",
        "price",
    ):
        value = getattr(target, name)
        if value is not None:
            body[name] = value
    body["order_item_indices"] = list(indices)
    return body


def target(
    targeting: Targeting, items: Sequence[ItemFact], collections: Mapping[str, Collection]
) -> Targeted:
    if targeting.is_empty:
        return UNLIMITED
    excluded: set[int] = set()
    inapplicable = []
    for entry in targeting.excluded:
        lines = [i.index for i in _lines(entry, items, collections)]
        excluded.update(lines)
        inapplicable.append(_wire(entry, lines))
    chosen: list[int] = []
    applicable = []
    if targeting.included_all or not targeting.included:
        chosen = [i.index for i in items if i.index not in excluded]
    for entry in targeting.included:
        lines = [i.index for i in _lines(entry, items, collections) if i.index not in excluded]
        chosen.extend(n for n in lines if n not in chosen)
        applicable.append(_wire(entry, lines))
    return Targeted(
        indexes=frozenset(chosen),
        applicable_to=applicable,
        inapplicable_to=inapplicable,
        amount_limit=_smallest(t.amount_limit for t in targeting.included),
        aggregated_amount_limit=_smallest(t.aggregated_amount_limit for t in targeting.included),
    )


def listing(data: list[dict[str, Any]]) -> dict[str, Any]:
    """Voucherify's `{object: list, data_ref: data, data, total}` (never omitted)."""
    return {"data": data, "total": len(data), "data_ref": "data", "object": "list"}
