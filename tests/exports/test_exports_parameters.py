"""Export parameters and CSV cells, without a database: what is accepted, what is refused
with a 400 naming it, and how each value is written."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voucherd.exports.catalogue import cell, render
from voucherd.exports.parameters import expand_metadata, plan
from voucherd.exports.sources import SOURCES
from voucherd.kit.errors import InvalidPayload


def refused(exported_object: Any, parameters: Any) -> str:
    with pytest.raises(InvalidPayload) as caught:
        plan(exported_object, parameters)
    assert caught.value.status == 400
    return str(caught.value.details)


# The spec's field enums (`Export<Object>Fields`), so a field dropped by mistake shows here.
SPEC_FIELDS = {
    "voucher": 33,
    "redemption": 18,
    "customer": 30,
    "publication": 8,
    "order": 13,
    "points_expiration": 6,
    "voucher_transactions": 12,
}


def test_every_spec_field_is_known_or_refused_as_unsupported() -> None:
    for name, count in SPEC_FIELDS.items():
        source = SOURCES[name]
        assert len(source.fields) + len(source.unsupported) == count, name


def test_defaults_are_the_spec_defaults_when_no_fields_are_asked() -> None:
    assert [n for n, _f in plan("voucher", None).fields] == [
        "code",
        "voucher_type",
        "value",
        "discount_type",
    ]
    assert [n for n, _f in plan("customer", {"fields": []}).fields] == ["name", "source_id"]
    assert [n for n, _f in plan("order", {}).fields] == ["id", "source_id", "status"]


def test_fields_keep_the_asked_order_and_take_metadata_keys() -> None:
    checked = plan("voucher", {"fields": ["id", "metadata.region", "code"]})
    assert [n for n, _f in checked.fields] == ["id", "metadata.region", "code"]


def test_unknown_fields_are_refused_by_name() -> None:
    details = refused("voucher", {"fields": ["code", "colour", "size"]})
    assert "colour, size" in details and "voucher" in details


def test_a_field_of_another_object_is_unknown() -> None:
    assert "points" in refused("customer", {"fields": ["points"]})


def test_metadata_fields_only_where_the_object_has_metadata() -> None:
    assert "metadata.x" in refused("voucher_transactions", {"fields": ["metadata.x"]})
    assert "metadata." in refused("order", {"fields": ["metadata."]})


def test_spec_fields_voucherd_cannot_fill_are_refused_as_unsupported() -> None:
    assert "not supported yet: qr_code" in refused("voucher", {"fields": ["code", "qr_code"]})


def test_a_field_named_twice_is_refused() -> None:
    assert "twice" in refused("order", {"fields": ["id", "id"]})


def test_unknown_and_unsupported_objects_are_refused() -> None:
    assert "exported_object must be one of" in refused("campaign", None)
    assert "exported_object must be one of" in refused(None, None)
    assert "not supported yet" in refused("product", None)


def test_unknown_parameters_are_refused_by_name() -> None:
    assert "Unknown parameters: colour" in refused("order", {"colour": "red"})
    assert "CSV" in refused("order", {"response_format": "JSON"})
    assert "voucher exports only" in refused("order", {"campaign_id": "camp_1"})


def test_orders_follow_the_spec_enum_per_object() -> None:
    assert plan("customer", {"order": "-email"}).order == "-email"
    assert plan("voucher", {"order": "code"}).order == "code"
    assert "Unsupported order" in refused("voucher", {"order": "-email"})
    assert "Unsupported order" in refused("voucher_transactions", {"order": "amount"})


def test_filters_take_fields_metadata_and_a_junction() -> None:
    checked = plan(
        "order",
        {
            "filters": {
                "junction": "OR",
                "status": {"conditions": {"$in": ["PAID", "CREATED"]}},
                "discount_amount": {"conditions": {"$more_than": 100000}},
                "metadata.channel": {"conditions": {"$is": "web"}},
            }
        },
    )
    assert checked.junction == "or"
    assert [(c.op, c.value) for c in checked.conditions] == [
        ("in", ["PAID", "CREATED"]),
        ("more_than", 100000),
        ("is", "web"),
    ]
    assert checked.stored["filters"]["junction"] == "or"


def test_unknown_filter_keys_are_refused_by_name() -> None:
    details = refused("customer", {"filters": {"colour": {"conditions": {"$is": "red"}}}})
    assert "colour" in details and "metadata.<key>" in details


def test_computed_fields_are_not_filters() -> None:
    assert "value" in refused("voucher", {"filters": {"value": {"conditions": {"$is": "1"}}}})


def test_transaction_and_expiration_exports_filter_only_the_spec_keys() -> None:
    plan("voucher_transactions", {"filters": {"voucher_id": {"conditions": {"$is": "v_1"}}}})
    details = refused("voucher_transactions", {"filters": {"amount": {"conditions": {"$is": 1}}}})
    assert "campaign_id, created_at, voucher_id" in details
    assert "amount" in refused(
        "points_expiration", {"filters": {"amount": {"conditions": {"$is": 1}}}}
    )


def test_spec_filter_prefixes_voucherd_lacks_are_refused_as_unsupported() -> None:
    details = refused("voucher", {"filters": {"redemption.count": {"conditions": {"$is": 1}}}})
    assert "not supported yet" in details


@pytest.mark.parametrize(
    ("key", "conditions", "expected"),
    [
        ("status", {"$after": "2024-01-01"}, "Unsupported condition $after"),
        ("status", {"is": "PAID"}, "Unsupported condition is"),
        ("status", {"$in": "PAID"}, "takes a list"),
        ("amount", {"$more_than": "lots"}, "takes a number"),
        ("amount", {"$is": True}, "takes a number"),
        ("created_at", {"$after": "yesterday"}, "ISO 8601"),
        ("created_at", {"$more_than": -1}, "number of days"),
        ("status", {}, "needs conditions"),
    ],
)
def test_bad_conditions_are_refused(key: str, conditions: Any, expected: str) -> None:
    assert expected in refused("order", {"filters": {key: {"conditions": conditions}}})


def test_a_date_time_condition_may_come_in_a_one_item_list() -> None:
    # Voucherify's own campaign-transactions example sends `"$after": ["…"]`.
    checked = plan(
        "voucher_transactions",
        {"filters": {"created_at": {"conditions": {"$after": ["2024-10-01T00:00:00.000Z"]}}}},
    )
    assert checked.conditions[0].value == datetime(2024, 10, 1, tzinfo=UTC)


def test_cells_are_written_as_voucherify_exports_them() -> None:
    assert cell(None) == ""
    assert (cell(True), cell(False)) == ("true", "false")
    assert cell(datetime(2024, 3, 1, 12, 0, 5, 123456, tzinfo=UTC)) == "2024-03-01T12:00:05.123Z"
    assert cell(date(2024, 3, 1)) == "2024-03-01"
    assert cell(1500) == "1500"
    assert cell({"b": 1, "a": [1, "x"]}) == '{"a":[1,"x"],"b":1}'


# Stored JSON holds 64-bit integers at most (orjson, the JSON codec of both engines).
_INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@given(st.dictionaries(st.text(max_size=5), _INT64 | st.text(max_size=5), max_size=4))
def test_object_cells_are_json_that_reads_back(value: dict[str, Any]) -> None:
    assert json.loads(cell(value)) == value


def test_metadata_expands_into_one_column_per_property() -> None:
    checked = plan("order", {"fields": ["id", "metadata", "metadata.b", "status"]})
    expanded = expand_metadata(checked, {"c", "a", "b"})
    assert [n for n, _f in expanded.fields] == [
        "id",
        "metadata.a",
        "metadata.c",
        "metadata.b",
        "status",
    ]
    assert [n for n, _f in expand_metadata(checked, set()).fields] == ["id", "metadata.b", "status"]


def test_render_makes_one_cell_per_field_in_order() -> None:
    checked = plan("voucher", {"fields": ["value", "code", "active", "discount_type"]})
    row = {
        "code": "SUMMER",
        "active": True,
        "_type": "DISCOUNT_VOUCHER",
        "_discount": {"type": "PERCENT", "percent_off": 15},
        "_gift_balance": None,
        "_loyalty_balance": None,
    }
    assert render(checked.fields, row) == ["15", "SUMMER", "true", "PERCENT"]
    gift = row | {"_type": "GIFT_VOUCHER", "_discount": None, "_gift_balance": 2000}
    assert render(checked.fields, gift)[0] == "2000"
