"""Voucherify's stacking rules as pure decisions: which redeemables of a request apply, in
which order, and why the others are skipped.

No database: the caller gives each redeemable's request position, category (id and
hierarchy), whether its own checks failed, and whether its discount turned out to have no
effect; `arrange` answers the application order and a status for every position.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

ApplicationMode = Literal["ALL", "PARTIAL"]
SortingRule = Literal["REQUESTED_ORDER", "CATEGORY_HIERARCHY"]
NoEffectRule = Literal["REDEEM_ANYWAY", "SKIP"]
StackingType = Literal["EXCLUSIVE", "JOINT", "COMMON"]

# SKIPPED reasons: Voucherify's `ValidationsRedeemableSkippedResult*` keys and messages.
LIMIT_EXCEEDED = "applicable_redeemables_limit_exceeded"
CATEGORY_LIMIT_EXCEEDED = "applicable_redeemables_per_category_limit_exceeded"
EXCLUSIVE_LIMIT_EXCEEDED = "applicable_exclusive_redeemables_limit_exceeded"
EXCLUSIVE_CATEGORY_LIMIT_EXCEEDED = "applicable_exclusive_redeemables_per_category_limit_exceeded"
EXCLUSION_RULES_NOT_MET = "exclusion_rules_not_met"
PRECEDING_VALIDATION_FAILED = "preceding_validation_failed"
NO_EFFECT = "no_effect"

SKIP_MESSAGES: dict[str, str] = {
    LIMIT_EXCEEDED: "Applicable redeemables limit exceeded",
    CATEGORY_LIMIT_EXCEEDED: "Applicable redeemables limit per category exceeded",
    EXCLUSIVE_LIMIT_EXCEEDED: "Applicable exclusive redeemables limit exceeded",
    EXCLUSIVE_CATEGORY_LIMIT_EXCEEDED: (
        "Applicable exclusive redeemables limit per category exceeded"
    ),
    EXCLUSION_RULES_NOT_MET: "Redeemable cannot be applied due to exclusion rules",
    PRECEDING_VALIDATION_FAILED: "Redeemable cannot be applied due to preceding validation failure",
    NO_EFFECT: "Redeemable cannot be applied due to no effect",
}


@dataclass(frozen=True)
class StackingRules:
    """A project's stacking rules; the defaults are Voucherify's default rules."""

    redeemables_limit: int = 30
    applicable_redeemables_limit: int = 5
    applicable_redeemables_per_category_limit: int = 1
    applicable_redeemables_category_limits: Mapping[str, int] = field(default_factory=dict)
    applicable_exclusive_redeemables_limit: int = 1
    applicable_exclusive_redeemables_per_category_limit: int = 1
    exclusive_categories: tuple[str, ...] = ()
    joint_categories: tuple[str, ...] = ()
    # Percent discounts are taken of what earlier discounts left (discounts/calculation.py):
    # the only mode voucherd computes, so the only one accepted.
    discount_calculation_mode: str = "DISCOUNTED_AMOUNT"
    initial_amount_mode_categories: tuple[str, ...] = ()
    discounted_amount_mode_categories: tuple[str, ...] = ()
    redeemables_application_mode: ApplicationMode = "ALL"
    redeemables_sorting_rule: SortingRule = "REQUESTED_ORDER"
    redeemables_products_application_mode: str = "STACK"
    redeemables_no_effect_rule: NoEffectRule = "REDEEM_ANYWAY"
    no_effect_skip_categories: tuple[str, ...] = ()
    no_effect_redeem_anyway_categories: tuple[str, ...] = ()
    redeemables_rollback_order_mode: str = "WITH_ORDER"

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any] | None) -> StackingRules:
        """Rules from their stored JSON: keys absent (or null) keep the defaults."""
        if not stored:
            return DEFAULT_RULES
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in stored.items():
            if key not in known or value is None:
                continue
            values[key] = tuple(value) if isinstance(value, list) else value
        return replace(DEFAULT_RULES, **values)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Mapping):
                value = dict(value)
            out[f.name] = value
        return out

    def stacking_type(self, category_id: str | None) -> StackingType:
        """Dashboard names: Never stackable (exclusive), Always stackable (joint), Common."""
        if category_id is None:
            return "COMMON"
        if category_id in self.exclusive_categories:
            return "EXCLUSIVE"
        if category_id in self.joint_categories:
            return "JOINT"
        return "COMMON"

    def category_limit(self, category_id: str) -> int:
        return self.applicable_redeemables_category_limits.get(
            category_id, self.applicable_redeemables_per_category_limit
        )

    def skips_no_effect(self, category_id: str | None) -> bool:
        """Whether a redeemable that changes nothing is skipped (else redeemed anyway)."""
        if category_id is not None:
            if category_id in self.no_effect_skip_categories:
                return True
            if category_id in self.no_effect_redeem_anyway_categories:
                return False
        return self.redeemables_no_effect_rule == "SKIP"


DEFAULT_RULES = StackingRules()


@dataclass(frozen=True)
class Item:
    """One redeemable as the rules see it."""

    position: int  # index in the request
    category_id: str | None = None
    hierarchy: int | None = None  # the category's; lower applies first
    inapplicable: bool = False  # its own checks failed (unknown, expired, used up, ...)
    no_effect: bool = False  # applied, its discount changed nothing


@dataclass(frozen=True)
class Decision:
    order: tuple[int, ...]  # every position, in application order
    applied: tuple[int, ...]  # the APPLICABLE positions, in application order
    inapplicable: tuple[int, ...]
    skipped: Mapping[int, str]  # position -> SKIPPED reason key


def sort_order(items: Sequence[Item], rule: SortingRule) -> list[Item]:
    """REQUESTED_ORDER keeps the request's order; CATEGORY_HIERARCHY sorts by the category's
    hierarchy (lower first), redeemables without a category last, ties by request order."""
    if rule == "REQUESTED_ORDER":
        return sorted(items, key=lambda i: i.position)
    return sorted(
        items,
        key=lambda i: (i.hierarchy is None, i.hierarchy or 0, i.position),
    )


def arrange(items: Sequence[Item], rules: StackingRules = DEFAULT_RULES) -> Decision:
    """Walk the redeemables in application order and give each a status.

    In that order: with mode ALL, the first inapplicable one fails the stack and every other
    one is SKIPPED `preceding_validation_failed` (those after it are not even checked);
    with PARTIAL, inapplicable ones are dropped and the rest go on; a Common one is
    SKIPPED when a Never-stackable (exclusive) one applies; then the exclusive limits, the
    per-category limit and the overall applicable limit; last, one whose discount changed
    nothing is SKIPPED `no_effect` when the rules say so. Skipped ones take no slot.
    """
    ordered = sort_order(items, rules.redeemables_sorting_rule)
    # An exclusive redeemable beats the Common ones wherever they stand in the order, so
    # whether one applies is settled first: assume so if any could, and walk again without
    # it when none did (every exclusive one skipped by a limit).
    exclusive_possible = any(
        rules.stacking_type(i.category_id) == "EXCLUSIVE" and not i.inapplicable for i in ordered
    )
    decision, exclusive_applied = _walk(ordered, rules, exclusive_possible)
    if exclusive_possible and not exclusive_applied:
        decision, _ = _walk(ordered, rules, False)
    return decision


def _walk(
    ordered: Sequence[Item], rules: StackingRules, exclusive_wins: bool
) -> tuple[Decision, bool]:
    applied: list[int] = []
    inapplicable: list[int] = []
    skipped: dict[int, str] = {}
    per_category: Counter[str] = Counter()
    exclusive_total = 0
    exclusive_per_category: Counter[str] = Counter()
    failed = False
    for item in ordered:
        kind = rules.stacking_type(item.category_id)
        reason: str | None = None
        if failed and rules.redeemables_application_mode == "ALL":
            reason = PRECEDING_VALIDATION_FAILED
        elif item.inapplicable:
            inapplicable.append(item.position)
            failed = True
            continue
        elif kind == "COMMON" and exclusive_wins:
            reason = EXCLUSION_RULES_NOT_MET
        elif (
            kind == "EXCLUSIVE" and exclusive_total >= rules.applicable_exclusive_redeemables_limit
        ):
            reason = EXCLUSIVE_LIMIT_EXCEEDED
        elif (
            kind == "EXCLUSIVE"
            and item.category_id is not None
            and exclusive_per_category[item.category_id]
            >= rules.applicable_exclusive_redeemables_per_category_limit
        ):
            reason = EXCLUSIVE_CATEGORY_LIMIT_EXCEEDED
        elif item.category_id is not None and per_category[item.category_id] >= (
            rules.category_limit(item.category_id)
        ):
            reason = CATEGORY_LIMIT_EXCEEDED
        elif len(applied) >= rules.applicable_redeemables_limit:
            reason = LIMIT_EXCEEDED
        elif item.no_effect and rules.skips_no_effect(item.category_id):
            reason = NO_EFFECT
        if reason is not None:
            skipped[item.position] = reason
            continue
        applied.append(item.position)
        if item.category_id is not None:
            per_category[item.category_id] += 1
            if kind == "EXCLUSIVE":
                exclusive_per_category[item.category_id] += 1
        if kind == "EXCLUSIVE":
            exclusive_total += 1
    if failed and rules.redeemables_application_mode == "ALL":
        # The first inapplicable one fails the whole stack: nothing before it applies
        # either (a redemption would redeem none of them).
        skipped.update(dict.fromkeys(applied, PRECEDING_VALIDATION_FAILED))
        applied = []
    decision = Decision(
        order=tuple(i.position for i in ordered),
        applied=tuple(applied),
        inapplicable=tuple(inapplicable),
        skipped=skipped,
    )
    return decision, exclusive_total > 0


def is_valid(decision: Decision, rules: StackingRules) -> bool:
    """ALL: something applies and nothing is inapplicable; PARTIAL: something applies."""
    if not decision.applied:
        return False
    return rules.redeemables_application_mode == "PARTIAL" or not decision.inapplicable
