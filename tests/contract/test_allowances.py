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


def test_only_the_listed_nulls_are_excused() -> None:
    assert excuse(Leaf(("vouchers", 0, "gift"), 'null is not of type "object"', "Type"))
    assert excuse(Leaf(("gift",), '"x" is not of type "object"', "Type")) is None
    assert excuse(Leaf(("customer",), 'null is not of type "object"', "Type")) is None
    assert excuse(Leaf((), 'null is not of type "object"', "Type")) is None
