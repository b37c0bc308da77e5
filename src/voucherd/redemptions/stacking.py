"""The project's stacking rules inside validations and redemptions.

The decisions are `stacking.rules.arrange` (pure); this module turns candidates into its
items, applies the answer to them, and shapes the three lists the answers report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from voucherd.categories.models import Category
from voucherd.categories.serializers import category_body
from voucherd.discounts.calculation import CalculatedOrder
from voucherd.kit.errors import ApiError, InvalidPayload
from voucherd.stacking.rules import SKIP_MESSAGES, Decision, Item, StackingRules, arrange

if TYPE_CHECKING:
    from voucherd.redemptions.candidates import Candidate
    from voucherd.redemptions.engine import Evaluation
    from voucherd.redemptions.schemas import RedeemableIn


def check_count(redeemables: Sequence[RedeemableIn], rules: StackingRules) -> None:
    """`redeemables_limit`: more redeemables than the project allows is a bad request."""
    if len(redeemables) > rules.redeemables_limit:
        raise InvalidPayload(
            f"redeemables: {len(redeemables)} given, the project's stacking rules allow at "
            f"most {rules.redeemables_limit} (redeemables_limit)"
        )


def category_of(candidate: Candidate) -> Category | None:
    """A voucher's or tier's own category, else its campaign's (a code issued from a campaign
    is in it)."""
    voucher, tier, campaign = candidate.voucher, candidate.tier, candidate.campaign
    if voucher is not None and voucher.category_ref is not None:
        return voucher.category_ref
    if tier is not None and tier.category_ref is not None:
        return tier.category_ref
    return campaign.category_ref if campaign is not None else None


def _item(position: int, candidate: Candidate, no_effect: bool) -> Item:
    category = category_of(candidate)
    return Item(
        position=position,
        category_id=category.id if category else None,
        hierarchy=category.hierarchy if category else None,
        inapplicable=candidate.error is not None,
        no_effect=no_effect,
    )


def _changed_nothing(candidate: Candidate) -> bool:
    return candidate.applied == 0 and not candidate.unit_changes


def settle(
    candidates: list[Candidate],
    rules: StackingRules,
    calculate: Callable[[list[Candidate]], CalculatedOrder],
) -> tuple[list[Candidate], CalculatedOrder]:
    """Arrange, calculate, and arrange again while a discount with no effect must be skipped
    (its slot may go to a redeemable a limit skipped). The set of no-effect redeemables only
    grows, so this ends after at most one round per redeemable."""
    no_effect: set[int] = set()
    while True:
        decision = arrange([_item(i, c, i in no_effect) for i, c in enumerate(candidates)], rules)
        _mark(candidates, decision)
        calculated = calculate([candidates[p] for p in decision.applied])
        newly = {
            p
            for p in decision.applied
            if _changed_nothing(candidates[p])
            and rules.skips_no_effect(_item(p, candidates[p], True).category_id)
        }
        if not newly - no_effect:
            return [candidates[p] for p in decision.order], calculated
        no_effect |= newly


def _mark(candidates: list[Candidate], decision: Decision) -> None:
    for position, candidate in enumerate(candidates):
        candidate.skipped = decision.skipped.get(position)
        candidate.applied, candidate.applied_items, candidate.unit_changes = 0, {}, {}


def skip_error(candidate: Candidate) -> ApiError:
    """A skipped redeemable's reason as an error (a redemption where nothing applies)."""
    assert candidate.skipped is not None
    message = SKIP_MESSAGES[candidate.skipped]
    return ApiError(message, key=candidate.skipped, message=message, status=400)


def categories(candidate: Candidate, rules: StackingRules) -> list[dict[str, Any]]:
    """`CategoryWithStackingRulesType`: the category, with EXCLUSIVE or JOINT when it is."""
    category = category_of(candidate)
    if category is None:
        return []
    body = category_body(category)
    kind = rules.stacking_type(category.id)
    if kind != "COMMON":
        body["stacking_rules_type"] = kind
    return [body]


def entry(candidate: Candidate, rules: StackingRules) -> dict[str, Any]:
    """What every list entry says about its redeemable."""
    out: dict[str, Any] = {"id": candidate.redeemable.id, "object": candidate.redeemable.object}
    if candidate.voucher is not None:
        out |= {
            "metadata": candidate.voucher.metadata_ or {},
            "categories": categories(candidate, rules),
            "campaign_name": candidate.voucher.campaign_name,
            "campaign_id": candidate.voucher.campaign_id,
        }
    elif candidate.tier is not None and candidate.campaign is not None:
        out |= {
            "metadata": candidate.tier.metadata_ or {},
            "categories": categories(candidate, rules),
            "campaign_name": candidate.campaign.name,
            "campaign_id": candidate.campaign.id,
            "name": candidate.tier.name,
        }
    return out


def inapplicable_entry(
    candidate: Candidate, rules: StackingRules, request_id: str
) -> dict[str, Any]:
    assert candidate.error is not None
    return entry(candidate, rules) | {
        "status": "INAPPLICABLE",
        "result": {"error": candidate.error.body(request_id)},
    }


def skipped_entry(candidate: Candidate, rules: StackingRules) -> dict[str, Any]:
    """`ValidationsRedeemableSkipped`: the reason as `result.details {key, message}`."""
    assert candidate.skipped is not None
    details = {"key": candidate.skipped, "message": SKIP_MESSAGES[candidate.skipped]}
    return entry(candidate, rules) | {"status": "SKIPPED", "result": {"details": details}}


def left_out(evaluation: Evaluation, request_id: str) -> dict[str, list[dict[str, Any]]]:
    """A redemption's `inapplicable_redeemables` and `skipped_redeemables` (mode PARTIAL
    drops the inapplicable ones; any mode skips by the limits)."""
    rules = evaluation.rules
    return {
        "inapplicable_redeemables": [
            inapplicable_entry(c, rules, request_id) for c in evaluation.failures
        ],
        "skipped_redeemables": [skipped_entry(c, rules) for c in evaluation.skipped],
    }
