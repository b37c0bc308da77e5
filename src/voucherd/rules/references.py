"""The ids a rule set points to (products, SKUs, collections, segments), collected from the
typed tree so the service can check them against the project before anything is stored."""

from __future__ import annotations

from dataclasses import dataclass, field

from voucherd.rules.names import SUPPORTED, Operand
from voucherd.rules.tree import RuleSet, Targeting


@dataclass
class References:
    """Ids a rule set points to, checked against the project before it is stored."""

    products: set[str] = field(default_factory=set)
    skus: set[str] = field(default_factory=set)
    collections: set[str] = field(default_factory=set)
    segments: set[str] = field(default_factory=set)

    def add_item(self, obj: str, ident: str) -> None:
        {"product": self.products, "sku": self.skus, "products_collection": self.collections}[
            obj
        ].add(ident)


def references(rules: RuleSet, targeting: Targeting, bundle: RuleSet | None = None) -> References:
    found = References()
    for rule_set in (rules, bundle):
        if rule_set is not None:
            _collect(rule_set, found)
    for target in (*targeting.included, *targeting.excluded):
        found.add_item(target.object, target.id)
    return found


def _collect(rule_set: RuleSet, found: References) -> None:
    for rule in rule_set.rules:
        kind = SUPPORTED[rule.name].operand
        for condition in rule.conditions:
            for operand in condition.operands:
                if kind is Operand.ITEMS:
                    found.add_item(operand["object"], operand["id"])
                elif kind is Operand.SEGMENTS:
                    found.segments.add(operand)
        if rule.subrules is not None:
            _collect(rule.subrules, found)
