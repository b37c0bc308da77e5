"""The official SDK's ValidationRulesApi against voucherd, and a campaign created with
`validation_rules` through CampaignsApi."""

from __future__ import annotations

from typing import Any

import pytest
import voucherify as V
from voucherify.exceptions import ApiException, NotFoundException

RULES = {
    "1": {"name": "order.amount", "conditions": {"$more_than": [5000]}, "rules": {}},
    "2": {
        "name": "customer.metadata",
        "property": "tier",
        "conditions": {"$in": ["gold", "silver"]},
        "rules": {},
        "error": {"message": "Members only"},
    },
    "logic": "1 and 2",
}


def _create(api: Any, name: str, **extra: Any) -> Any:
    return api.create_validation_rules(
        V.ValidationRulesCreateRequestBody.from_dict({"name": name, "rules": RULES, **extra})
    )


def test_validation_rules_api_create_get_list_update_delete(sdk: Any) -> None:
    api = V.ValidationRulesApi(sdk)
    first = _create(api, "First")
    created = _create(
        api,
        "Second",
        error={"message": "Not for this order"},
        applicable_to={"included_all": True, "excluded": [], "included": []},
        context_type="voucher.discount_voucher",
    )
    assert isinstance(created, V.ValidationRulesCreateResponseBody)
    assert created.id is not None and created.id.startswith("val_")
    assert (created.name, created.object, created.type) == (
        "Second",
        "validation_rules",
        "expression",
    )
    assert created.context_type == "voucher.discount_voucher"
    assert created.rules == RULES
    assert created.error is not None and created.error.message == "Not for this order"
    assert created.applicable_to is not None and created.applicable_to.included_all is True
    assert created.assignments_count == 0

    got = api.get_validation_rule(created.id)
    assert (got.id, got.name, got.rules, got.updated_at) == (created.id, "Second", RULES, None)

    listed = api.list_validation_rules(limit=10, order=V.ParameterOrderListValidationRules("name"))
    assert (listed.object, listed.data_ref, listed.total) == ("list", "data", 2)
    assert [r.id for r in listed.data or []] == [first.id, created.id]

    updated = api.update_validation_rule(
        created.id,
        V.ValidationRulesUpdateRequestBody.from_dict(
            {"name": "Renamed", "rules": {"logic": ""}, "type": "basic"}
        ),
    )
    assert (updated.name, updated.rules, updated.type) == ("Renamed", {"logic": ""}, "basic")
    assert updated.updated_at is not None

    with pytest.raises(ApiException) as refused:
        _create(
            api,
            "Bad",
            rules={"1": {"name": "order.nope", "conditions": {"$is": [1]}}, "logic": "1"},
        )
    assert refused.value.status == 400

    api.delete_validation_rules(created.id)
    with pytest.raises(NotFoundException):
        api.get_validation_rule(created.id)
    assert api.list_validation_rules().total == 1


def test_assignments_through_the_sdk(sdk: Any) -> None:
    api = V.ValidationRulesApi(sdk)
    rule = _create(api, "Assigned")
    voucher = V.VouchersApi(sdk).create_voucher(
        "SDK-RULED-1",
        V.VouchersCreateWithSpecificCodeRequestBody.from_dict(
            {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 100}}
        ),
    )
    made = api.create_validation_rule_assignment(
        rule.id,
        validation_rules_assignments_create_request_body=V.ValidationRulesAssignmentsCreateRequestBody(
            related_object_type="voucher", related_object_id=voucher.id
        ),
    )
    assert made.id is not None and made.id.startswith("asgm_")
    assert (made.rule_id, made.related_object_id, made.related_object_type) == (
        rule.id,
        voucher.id,
        "voucher",
    )
    assert made.object == "validation_rules_assignment"

    of_rule = api.list_validation_rule_assignments(rule.id)
    assert (of_rule.total, [a.id for a in of_rule.data or []]) == (1, [made.id])
    everywhere = api.list_validation_rules_assignments(related_object_id=voucher.id)
    assert [a.id for a in everywhere.data or []] == [made.id]
    assert api.get_validation_rule(rule.id).assignments_count == 1

    got = V.VouchersApi(sdk).get_voucher("SDK-RULED-1")
    assert got.validation_rules_assignments is not None
    assert [a.id for a in got.validation_rules_assignments.data or []] == [made.id]

    api.delete_validation_rule_assignment(rule.id, made.id)
    assert api.list_validation_rules_assignments(rule=rule.id).total == 0


def test_campaign_created_with_validation_rules(sdk: Any) -> None:
    rule = _create(V.ValidationRulesApi(sdk), "Campaign rule")
    campaign = V.CampaignsApi(sdk).create_campaign(
        V.CampaignsCreateRequestBody.from_dict(
            {
                "name": "Ruled",
                "campaign_type": "DISCOUNT_COUPONS",
                "vouchers_count": 1,
                "validation_rules": [rule.id],
                "voucher": {
                    "type": "DISCOUNT_VOUCHER",
                    "discount": {"type": "AMOUNT", "amount_off": 100},
                },
            }
        )
    )
    listing = campaign.validation_rules_assignments
    assert listing is not None and listing.total == 1
    (assignment,) = listing.data or []
    assert (assignment.rule_id, assignment.related_object_type) == (rule.id, "campaign")
    assert assignment.validation_status == "VALID"
    got = V.CampaignsApi(sdk).get_campaign(campaign.id)
    assert got.validation_rules_assignments is not None
    assert [a.rule_id for a in got.validation_rules_assignments.data or []] == [rule.id]
