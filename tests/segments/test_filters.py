"""Segment filters: `filters.parse` and `filters.satisfies`, and the facts a customer shows
them; no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voucherd.customers.models import Customer
from voucherd.kit.conditions import Kind
from voucherd.kit.errors import InvalidPayload
from voucherd.segments.facts import customer_facts, unknown_customer_facts
from voucherd.segments.filters import FIELDS, OPS, CustomerFacts, parse, satisfies

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def one(key: str, op: str, operand: Any = None, kind: Any = "passive") -> Any:
    conditions = {op: operand}
    return parse({"junction": "and", key: {"conditions": conditions}}, kind)


def facts(**fields: Any) -> CustomerFacts:
    metadata = fields.pop("metadata", {})
    return CustomerFacts(fields, metadata)


def check(key: str, op: str, operand: Any, value: Any) -> bool:
    if key.startswith("metadata."):
        customer = facts(metadata={} if value is None else {key[len("metadata.") :]: value})
    else:
        customer = facts(**{key: value})
    return satisfies(one(key, op, operand), customer, NOW)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("loyalty.points", "loyalty.points"),
        ("loyalty_points.campaigns.Tiers 2.points", "loyalty_points.campaigns"),
        ("loyalty_tier.id", "loyalty_tier.id"),
        ("system_metadata.x", "system_metadata.x"),
        ("summary.orders.nope", "summary.orders.nope"),
        ("metadata.", "metadata."),
        ("nickname", "nickname"),
    ],
)
def test_unknown_keys_are_refused_naming_them(key: str, message: str) -> None:
    with pytest.raises(InvalidPayload) as raised:
        one(key, "$is", "x")
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("key", "op"),
    [
        ("email", "$more_than"),
        ("summary.orders.total_amount", "$starts_with"),
        ("created_at", "$is"),
        ("birthdate", "$next_month"),
        ("metadata.tags", "$count"),
        ("email", "is"),
    ],
)
def test_operators_a_key_does_not_take_are_refused_naming_them(key: str, op: str) -> None:
    with pytest.raises(InvalidPayload) as raised:
        one(key, op, 1)
    assert op in str(raised.value)


def test_auto_update_segments_refuse_operators_that_change_with_time() -> None:
    raw = {"junction": "and", "created_at": {"conditions": {"$less_than_ago": 30}}}
    with pytest.raises(InvalidPayload) as raised:
        parse(raw, "auto-update")
    assert "$less_than_ago" in str(raised.value)
    assert parse(raw, "passive").conditions[0].op == "less_than_ago"


@pytest.mark.parametrize(
    "raw",
    [
        None,
        [],
        {"junction": "and"},
        {"email": {"conditions": {"$is": "a"}}},
        {"junction": "xor", "email": {"conditions": {"$is": "a"}}},
        {"junction": "and", "email": {"$is": "a"}},
        {"junction": "and", "email": {"conditions": {}}},
        {"junction": "and", "email": {"conditions": {"$is": ["a", "b"]}}},
        {"junction": "and", "email": {"conditions": {"$is": 3}}},
        {"junction": "and", "summary.orders.total_count": {"conditions": {"$more_than": "3"}}},
        {"junction": "and", "created_at": {"conditions": {"$after": "yesterday"}}},
        {"junction": "and", "created_at": {"conditions": {"$is_days_ago": -1}}},
        {"junction": "and", "created_at": {"conditions": {"$is_days_ago": 1.5}}},
        {"junction": "and", "metadata.x": {"conditions": {"$is": {"nested": 1}}}},
    ],
)
def test_malformed_filters_are_refused(raw: Any) -> None:
    with pytest.raises(InvalidPayload):
        parse(raw, "passive")


def test_spec_example_filters_parse() -> None:
    parse(
        {
            "junction": "and",
            "created_at": {"conditions": {"$after": ["2021-12-01T00:00:00.000Z"]}},
            "address.country": {"conditions": {"$is": "Poland"}},
            "metadata.club_level": {"conditions": {"$in": ["Gold", "Silver"]}},
        },
        "auto-update",
    )


# -- evaluation ---------------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=5)


@given(value=json_scalars, operand=json_scalars.filter(lambda v: v is not None))
def test_is_and_is_not_are_complements_on_metadata(value: Any, operand: Any) -> None:
    is_ = check("metadata.k", "$is", operand, value)
    assert is_ != check("metadata.k", "$is_not", operand, value)
    # JSON equality: true is not 1, 2 is 2.0.
    same_type = isinstance(value, bool) == isinstance(operand, bool)
    assert is_ == (value is not None and same_type and value == operand)


@given(value=json_scalars)
def test_has_value_and_is_unknown_are_complements(value: Any) -> None:
    assert check("metadata.k", "$has_value", None, value) != check(
        "metadata.k", "$is_unknown", None, value
    )


@given(value=st.none() | st.text(max_size=6), operand=st.text(max_size=3))
def test_contains_and_not_contain_are_complements(value: Any, operand: str) -> None:
    assert check("email", "$contains", operand, value) != check(
        "email", "$not_contain", operand, value
    )


@given(value=st.integers(-50, 50), operand=st.integers(-50, 50))
def test_order_operators_on_numbers(value: int, operand: int) -> None:
    key = "summary.orders.total_amount"
    more_equal = check(key, "$more_than_equal", operand, value)
    assert more_equal == (check(key, "$more_than", operand, value) or value == operand)
    assert more_equal == (value >= operand)
    assert check(key, "$less_than_equal", operand, value) == (value <= operand)
    assert check(key, "$less_than", operand, value) == (value < operand)


@given(
    values=st.lists(st.text(alphabet="ab", max_size=2), min_size=1, max_size=4),
    name=st.text(alphabet="ab", max_size=2),
)
def test_in_and_not_in(values: list[str], name: str) -> None:
    assert check("name", "$in", values, name) == (name in values)
    assert check("name", "$not_in", values, name) == (name not in values)


@given(
    picks=st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.booleans()), min_size=1),
    junction=st.sampled_from(["and", "or", "AND"]),
)
def test_junction_joins_every_condition(picks: list[tuple[str, bool]], junction: str) -> None:
    # One condition per key: `metadata.<key> $is true` holds exactly when the customer's flag is.
    chosen = dict(picks)
    raw: dict[str, Any] = {"junction": junction}
    raw.update({f"metadata.{k}": {"conditions": {"$is": True}} for k in chosen})
    customer = facts(metadata=chosen)
    verdicts = list(chosen.values())
    expected = all(verdicts) if junction.lower() == "and" else any(verdicts)
    assert satisfies(parse(raw, "auto-update"), customer, NOW) == expected


@given(days_back=st.integers(-400, 400), days=st.integers(0, 365))
def test_relative_date_windows(days_back: int, days: int) -> None:
    moment = NOW - timedelta(days=days_back, hours=1)
    more = check("created_at", "$more_than_ago", days, moment)
    less = check("created_at", "$less_than_ago", days, moment)
    assert more == (moment < NOW - timedelta(days=days))
    assert less == (NOW - timedelta(days=days) < moment <= NOW)
    if moment <= NOW:  # a past moment is in exactly one of the two windows, or on the edge
        assert not (more and less)
    is_ago = check("created_at", "$is_days_ago", days, moment)
    assert is_ago == (moment.date() == (NOW - timedelta(days=days)).date())


def test_birthdates_are_calendar_days() -> None:
    assert check("birthdate", "$after", "1990-01-01", date(1990, 1, 2))
    assert not check("birthdate", "$after", "1990-01-02", date(1990, 1, 2))
    assert check("birthdate", "$is_days_in_future", 3, (NOW + timedelta(days=3)).date())
    assert check("birthdate", "$has_value", None, date(2000, 1, 1))
    assert not check("birthdate", "$before", "2030-01-01", None)


def test_every_key_and_operator_parses() -> None:
    sample = {
        Kind.STRING: "x",
        Kind.NUMBER: 1,
        Kind.DATE: "2024-01-01T00:00:00Z",
        Kind.METADATA: "x",
    }
    for key, kind in [*FIELDS.items(), ("metadata.any", Kind.METADATA)]:
        for op in OPS[kind]:
            operand = 2 if "days" in op or "ago" in op or "future" in op else sample[kind]
            if kind is Kind.METADATA and op.startswith(("more", "less")):
                operand = 1
            one(key, f"${op}", operand)


# -- the facts of a customer --------------------------------------------------------------


def _customer(**fields: Any) -> Customer:
    base: dict[str, Any] = {
        "id": "cust_1",
        "source_id": "ann",
        "metadata_": {"tier": "gold"},
        "address": {"city": "Warsaw", "country": "Poland"},
        "birthdate": date(1990, 5, 1),
        "orders_total_amount": 9000,
        "orders_total_count": 4,
        "last_order_amount": 1000,
        "last_order_date": NOW,
        "redemptions_succeeded": 3,
        "redemptions_failed": 1,
        "redemptions_rolled_back": 2,
        "gift_redeemed_amount": 0,
        "loyalty_redeemed_points": 50,
        "created_at": NOW - timedelta(days=10),
    }
    return Customer(**{**base, **fields})


def test_customer_facts_follow_the_wire_object() -> None:
    seen = customer_facts(_customer())
    assert seen.value("summary.orders.average_amount") == 2250
    assert seen.value("summary.redemptions.total_redeemed") == 4
    assert seen.value("summary.redemptions.total_rollback_succeeded") == 2
    assert seen.value("summary.redemptions.loyalty_card.redeemed_points") == 50
    assert seen.value("summary.orders.last_order_date") == NOW
    assert seen.value("address.city") == "Warsaw"
    assert seen.value("address.state") is None
    assert seen.value("metadata.tier") == "gold"
    assert seen.value("birthday") == date(1990, 5, 1)
    assert seen.value("created_at") == NOW - timedelta(days=10)


def test_an_unknown_customer_has_an_empty_summary() -> None:
    seen = unknown_customer_facts("someone")
    assert seen.value("source_id") == "someone"
    assert seen.value("summary.orders.total_count") == 0
    assert seen.value("summary.orders.last_order_date") is None
    assert seen.value("email") is None
