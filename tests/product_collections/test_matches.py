"""Membership rules of product collections: `filters.parse` and `filters.matches`, no database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voucherd.kit.errors import InvalidPayload
from voucherd.product_collections.filters import (
    Collection,
    Item,
    StaticEntry,
    matches,
    parse,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def item(**fields: Any) -> Item:
    base: dict[str, Any] = {
        "object": "product",
        "id": "prod_1",
        "product_id": None,
        "source_id": "p1",
        "name": "Coffee beans",
        "price": 5000,
        "image_url": None,
        "created_at": T0,
        "updated_at": None,
        "metadata": {},
    }
    return Item(**{**base, **fields})


def auto(filter_: dict[str, Any]) -> Collection:
    return Collection("AUTO_UPDATE", filter=parse(filter_))


def one(field: str, op: str, operand: Any) -> Collection:
    return auto({"junction": "and", field: {"conditions": {op: operand}}})


def test_static_lists_products_and_skus() -> None:
    collection = Collection(
        "STATIC",
        products=(StaticEntry("prod_1", "product", None), StaticEntry("sku_9", "sku", "prod_2")),
    )
    assert matches(collection, item(id="prod_1"))
    assert matches(collection, item(object="sku", id="sku_9", product_id="prod_2"))
    assert not matches(collection, item(id="prod_2"))  # listing a SKU does not bring its product
    assert not matches(collection, item(object="sku", id="sku_8", product_id="prod_2"))


def test_static_product_brings_its_skus() -> None:
    collection = Collection("STATIC", products=(StaticEntry("prod_1", "product", None),))
    assert matches(collection, item(object="sku", id="sku_1", product_id="prod_1"))
    # A SKU that happens to share the product's id string is still judged by object.
    assert not matches(collection, item(object="sku", id="prod_1", product_id="prod_x"))


def test_string_operators() -> None:
    assert matches(one("name", "$is", "Coffee beans"), item())
    assert not matches(one("name", "$is", "coffee beans"), item())  # case-sensitive
    assert matches(one("name", "$is_not", "Tea"), item())
    assert matches(one("name", "$is_not", "Tea"), item(name=None))
    assert matches(one("name", "$in", ["Tea", "Coffee beans"]), item())
    assert not matches(one("name", "$in", ["Tea"]), item(name=None))
    assert matches(one("name", "$not_in", ["Tea"]), item(name=None))
    assert matches(one("name", "$starts_with", "Coffee"), item())
    assert matches(one("name", "$ends_with", "beans"), item())
    assert not matches(one("name", "$ends_with", "bean"), item())
    assert matches(one("name", "$contains", "ee b"), item())
    assert not matches(one("name", "$contains", "x"), item(name=None))
    assert matches(one("name", "$not_contain", "x"), item(name=None))
    assert matches(one("image_url", "$is_unknown", True), item())
    assert not matches(one("image_url", "$has_value", True), item())


def test_number_operators_on_price() -> None:
    assert matches(one("price", "$more_than", [4999]), item())
    assert not matches(one("price", "$more_than", [5000]), item())
    assert matches(one("price", "$more_than_equal", 5000), item())
    assert matches(one("price", "$less_than", 5001), item())
    assert not matches(one("price", "$less_than_equal", 4999), item())
    assert not matches(one("price", "$less_than", 1), item(price=None))
    assert matches(one("price", "$is", 5000.0), item())
    assert matches(one("price", "$is_unknown", []), item(price=None))


def test_dates() -> None:
    assert matches(one("created_at", "$after", "2025-12-31T00:00:00Z"), item())
    assert not matches(one("created_at", "$before", "2026-01-01T00:00:00Z"), item())
    assert not matches(one("updated_at", "$after", "2000-01-01T00:00:00Z"), item())
    assert matches(one("updated_at", "$is_unknown", True), item())


def test_metadata_values_of_any_json_type() -> None:
    meta = {"brand": "V", "size": 3, "tags": ["red", "big"], "sale": True}
    assert matches(one("metadata.brand", "$is", ["V"]), item(metadata=meta))
    assert matches(one("metadata.size", "$more_than", 2), item(metadata=meta))
    assert not matches(one("metadata.brand", "$more_than", 2), item(metadata=meta))
    assert matches(one("metadata.tags", "$contains", "red"), item(metadata=meta))
    assert not matches(one("metadata.tags", "$contains", "re"), item(metadata=meta))
    assert matches(one("metadata.sale", "$is", True), item(metadata=meta))
    assert not matches(one("metadata.size", "$is", True), item(metadata={"size": 1}))
    assert not matches(one("metadata.sale", "$is", 1), item(metadata=meta))
    assert matches(one("metadata.missing", "$is_unknown", True), item(metadata=meta))


def test_sku_name_is_its_sku_and_object_tells_them_apart() -> None:
    sku = item(object="sku", id="sku_1", product_id="prod_1", name="L")
    assert matches(one("object", "$is", "sku"), sku)
    assert not matches(one("object", "$is", "sku"), item())
    assert matches(one("product_id", "$is", "prod_1"), sku)
    assert not matches(one("product_id", "$has_value", True), item())


def test_junctions() -> None:
    both = {
        "name": {"conditions": {"$starts_with": "Coffee"}},
        "price": {"conditions": {"$more_than": 9000}},
    }
    assert not matches(auto({"junction": "and", **both}), item())
    assert matches(auto({"junction": "OR", **both}), item())


def test_several_operators_on_one_field_all_count() -> None:
    between = auto(
        {"junction": "and", "price": {"conditions": {"$more_than": 100, "$less_than": 200}}}
    )
    assert matches(between, item(price=150))
    assert not matches(between, item(price=250))


@pytest.mark.parametrize(
    "raw",
    [
        None,
        [],
        {"name": {"conditions": {"$is": "a"}}},
        {"junction": "and"},
        {"junction": "and", "attributes": {"conditions": {"$is": "a"}}},
        {"junction": "and", "name": {"conditions": {"$is_days_ago": 1}}},
        {"junction": "and", "name": {"conditions": {"is": "a"}}},
        {"junction": "and", "name": {"conditions": {}}},
        {"junction": "and", "name": {"conditions": {"$in": ["a", 1]}}},
        {"junction": "and", "price": {"conditions": {"$is": True}}},
        {"junction": "and", "price": {"conditions": {"$after": "2020-01-01"}}},
        {"junction": "and", "created_at": {"conditions": {"$more_than": 3}}},
        {"junction": "and", "name": {"conditions": {"$is": []}}},
    ],
)
def test_unsupported_or_malformed_filters_are_refused(raw: Any) -> None:
    with pytest.raises(InvalidPayload):
        parse(raw)


_text = st.one_of(st.none(), st.text(alphabet="abAB ", max_size=6))


@given(name=_text, operand=st.text(alphabet="abAB ", max_size=3))
def test_negated_operators_are_exact_complements(name: str | None, operand: str) -> None:
    subject = item(name=name)
    for positive, negative in (
        ("$is", "$is_not"),
        ("$in", "$not_in"),
        ("$contains", "$not_contain"),
    ):
        assert matches(one("name", positive, operand), subject) != matches(
            one("name", negative, operand), subject
        )
    assert matches(one("name", "$has_value", True), subject) != matches(
        one("name", "$is_unknown", True), subject
    )


@given(
    price=st.one_of(st.none(), st.integers(0, 10_000)),
    low=st.integers(0, 10_000),
    high=st.integers(0, 10_000),
)
def test_and_is_both_and_or_is_either(price: int | None, low: int, high: int) -> None:
    conds = {
        "price": {"conditions": {"$more_than": low}},
        "source_id": {"conditions": {"$is": "p1"}},
    }
    a = matches(one("price", "$more_than", low), item(price=price))
    b = matches(one("source_id", "$is", "p1"), item(price=price))
    assert matches(auto({"junction": "and", **conds}), item(price=price)) == (a and b)
    assert matches(auto({"junction": "or", **conds}), item(price=price)) == (a or b)
    in_range = auto(
        {
            "junction": "and",
            "price": {"conditions": {"$more_than_equal": low, "$less_than_equal": high}},
        }
    )
    assert matches(in_range, item(price=price)) == (price is not None and low <= price <= high)
