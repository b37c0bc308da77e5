"""The official SDK's ManagementApi stacking rules and project update against voucherd, and
a validation whose real `stacking_rules` and `skipped_redeemables` the SDK parses."""

from __future__ import annotations

from typing import Any

import pytest
import voucherify as V
from voucherify.exceptions import ApiException, NotFoundException

from tests.support import ProjectKeys


def test_stacking_rules_create_list_get_update_delete(
    management_sdk: Any, project: ProjectKeys
) -> None:
    api = V.ManagementApi(management_sdk)
    [default] = api.list_stacking_rules(project.project_id).data or []
    assert default.id is None and default.applicable_redeemables_limit == 5

    created = api.create_stacking_rules(
        project.project_id,
        V.ManagementProjectsStackingRulesCreateRequestBody(
            applicable_redeemables_limit=2, redeemables_application_mode="PARTIAL"
        ),
    )
    assert isinstance(created, V.ManagementProjectsStackingRulesCreateResponseBody)
    assert created.id is not None and created.id.startswith("stk_")
    assert (created.applicable_redeemables_limit, created.redeemables_limit) == (2, 30)
    assert created.created_at is not None

    listed = api.list_stacking_rules(project.project_id)
    assert listed.total == 1 and [r.id for r in listed.data or []] == [created.id]
    got = api.get_stacking_rules(project.project_id, created.id)
    assert got.redeemables_application_mode == "PARTIAL"

    with pytest.raises(ApiException) as again:
        api.create_stacking_rules(
            project.project_id, V.ManagementProjectsStackingRulesCreateRequestBody()
        )
    assert again.value.status == 409

    updated = api.update_stacking_rules(
        project.project_id,
        created.id,
        V.ManagementProjectsStackingRulesUpdateRequestBody(
            redeemables_sorting_rule="CATEGORY_HIERARCHY"
        ),
    )
    assert updated.redeemables_sorting_rule == "CATEGORY_HIERARCHY"
    assert updated.applicable_redeemables_limit == 2 and updated.updated_at is not None

    api.delete_stacking_rules(project.project_id, created.id)
    with pytest.raises(NotFoundException):
        api.get_stacking_rules(project.project_id, created.id)
    [back] = api.list_stacking_rules(project.project_id).data or []
    assert back.id is None and back.redeemables_application_mode == "ALL"


def test_project_update_sets_the_time_zone(management_sdk: Any, project: ProjectKeys) -> None:
    api = V.ManagementApi(management_sdk)
    updated = api.update_project(
        project.project_id, V.ManagementProjectsUpdateRequestBody(timezone="Europe/Warsaw")
    )
    assert updated.timezone == "Europe/Warsaw"
    assert api.get_project(project.project_id).timezone == "Europe/Warsaw"
    with pytest.raises(ApiException) as bad:
        api.update_project(
            project.project_id, V.ManagementProjectsUpdateRequestBody(timezone="Nowhere/Land")
        )
    assert bad.value.status == 400


def test_a_validation_reports_the_project_rules_and_skipped_redeemables(
    sdk: Any, management_sdk: Any, project: ProjectKeys
) -> None:
    V.ManagementApi(management_sdk).create_stacking_rules(
        project.project_id,
        V.ManagementProjectsStackingRulesCreateRequestBody(applicable_redeemables_limit=1),
    )
    codes = [
        V.VouchersApi(sdk)
        .generate_random_code(
            V.VouchersCreateRequestBody.from_dict(
                {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 100}}
            )
        )
        .code
        for _ in range(2)
    ]
    result = V.ValidationsApi(sdk).validate_stacked_discounts(
        V.ValidationsValidateRequestBody.from_dict(
            {
                "redeemables": [{"object": "voucher", "id": c} for c in codes],
                "order": {"amount": 1000},
            }
        )
    )
    assert result.valid is True
    assert result.stacking_rules.applicable_redeemables_limit == 1
    assert result.stacking_rules.redeemables_application_mode == "ALL"
    [skipped] = result.skipped_redeemables or []
    assert (skipped.id, skipped.status) == (codes[1], "SKIPPED")
    assert skipped.result.details.key == "applicable_redeemables_limit_exceeded"
    assert result.order.discount_amount == 100
