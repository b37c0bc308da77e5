"""Each allowance in `allowances.py` still describes Voucherify's spec: an entry whose cause
is gone from the spec fails here, so the allow-list cannot outlive its reasons."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.contract.allowances import (
    NULLS_THE_EXAMPLES_RETURN,
    excuse,
    nulls_in_examples,
    patch_spec,
)
from tests.contract.support import Leaf, shared_reference
from voucherd.kit.openapi_vendor import EXAMPLE_NULLS


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(shared_reference("voucherify-openapi.json").read_text())
    return data


def test_every_excused_null_is_one_the_examples_return(spec: dict[str, Any]) -> None:
    assert set(NULLS_THE_EXAMPLES_RETURN) <= nulls_in_examples(spec)


def test_the_spec_has_oneofs_without_discriminators(spec: dict[str, Any]) -> None:
    text = json.dumps(spec)
    assert '"oneOf"' in text and '"discriminator"' not in text
    assert '"oneOf"' not in json.dumps(patch_spec(spec))


def _null(*path: str | int) -> Leaf:
    return Leaf(path, 'null is not of type "object"', "Type")


def test_only_the_listed_nulls_are_excused() -> None:
    gift_card = {"type": "GIFT_VOUCHER", "gift": None, "discount": None}
    coupon = {"type": "DISCOUNT_VOUCHER", "gift": None, "discount": None}
    listed = {"vouchers": [gift_card, coupon]}
    assert excuse(_null("vouchers", 0, "discount"), listed)
    assert excuse(_null("vouchers", 1, "gift"), listed)
    assert excuse(_null("vouchers", 1, "validity_hours"), listed)
    # A voucher missing its own kind of value is voucherd's defect.
    assert excuse(_null("vouchers", 0, "gift"), listed) is None
    assert excuse(_null("vouchers", 1, "discount"), listed) is None
    assert excuse(_null("discount"), {"discount": None}) is None
    assert excuse(Leaf(("gift",), '"x" is not of type "object"', "Type"), coupon) is None
    assert excuse(_null("customer"), {"customer": None}) is None
    assert excuse(_null(), None) is None


def test_our_own_document_declares_the_same_nulls() -> None:
    # kit/openapi_vendor makes these nullable in voucherd's /openapi.json: the same quirk.
    assert set(NULLS_THE_EXAMPLES_RETURN) == EXAMPLE_NULLS
