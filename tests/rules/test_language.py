"""The rule language: what `language.parse_*` accept, what they refuse and how they say it.
No database."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voucherd.kit.errors import InvalidPayload
from voucherd.rules import language
from voucherd.rules.language import (
    dump_bundle_rules,
    dump_rules,
    dump_targeting,
    parse_bundle_rules,
    parse_rules,
    parse_targeting,
)
from voucherd.rules.names import SUBRULE_ONLY, SUPPORTED, Operand
from voucherd.rules.references import references

TOP_NAMES = sorted(n for n in SUPPORTED if n not in SUBRULE_ONLY)


def refused(raw: Any, parse: Any = parse_rules) -> str:
    with pytest.raises(InvalidPayload) as caught:
        parse(raw)
    return str(caught.value.details)


# --------------------------------------------------------------------------- generators

_scalars = st.one_of(st.text(max_size=12), st.integers(-(10**6), 10**6), st.booleans(), st.none())
_items = st.builds(
    lambda obj, suffix: {"id": f"{language._ITEM_PREFIX[obj]}{suffix}", "object": obj},
    st.sampled_from(language.ITEM_OBJECTS),
    st.text("abcdef0123", min_size=1, max_size=8),
)


@st.composite
def operands(draw: st.DrawFn, name: str, operator: str) -> list[Any]:
    kind = SUPPORTED[name].operand
    if operator in language._PRESENCE:
        return draw(st.sampled_from([[], [True]]))
    single = operator in language._SINGLE and kind is not Operand.ITEMS
    top = 1 if single else 4
    if kind is Operand.NUMBER:
        return draw(st.lists(st.integers(0, 10**9), min_size=1, max_size=top))
    if kind is Operand.SEGMENTS:
        return draw(
            st.lists(
                st.text("abc123", min_size=1, max_size=6).map("seg_".__add__),
                min_size=1,
                max_size=top,
            )
        )
    if kind is Operand.TEXT:
        return draw(st.lists(st.text(min_size=1, max_size=10), min_size=1, max_size=top))
    if kind is Operand.ITEMS:
        return draw(st.lists(_items, min_size=1, max_size=top))
    if operator == "$dow":
        return draw(st.lists(st.integers(0, 6), min_size=1, max_size=top))
    if operator in _WINDOWS:
        return [draw(_WINDOWS[operator])]
    return draw(st.lists(_scalars, min_size=1, max_size=top))


_WINDOWS = {
    "$timeframe": st.sampled_from(
        ["2024-01-01T00:00:00Z;P1D;PT1H", "2024-03-01T10:00:00Z;P1W;P1D"]
    ),
    "$timeframe_absolute": st.just("2024-01-01T00:00:00Z;2024-02-01T00:00:00Z"),
    "$timeframe_daily_hours": st.sampled_from(["18:00;20:01;2,3", "08:00;10:00;1"]),
}


@st.composite
def rule_json(draw: st.DrawFn, names: list[str], depth: int) -> dict[str, Any]:
    name = draw(st.sampled_from(names))
    spec = SUPPORTED[name]
    ops = draw(
        st.lists(st.sampled_from(sorted(spec.operators)), min_size=1, max_size=2, unique=True)
    )
    body: dict[str, Any] = {"name": name}
    if spec.needs_property:
        body["property"] = draw(st.text(min_size=1, max_size=10))
    body["conditions"] = {op: draw(operands(name, op)) for op in ops}
    body["rules"] = {}
    if spec.subrules and depth == 0 and draw(st.booleans()):
        body["rules"] = draw(rule_map(sorted(spec.subrules), depth + 1, min_size=1))
    if draw(st.booleans()):
        body["error"] = {"message": draw(st.text(max_size=20))}
    return body


def _logic_text(draw: st.DrawFn, count: int) -> str:
    numbers = [str(n) for n in range(1, count + 1)]
    draw(st.randoms()).shuffle(numbers)
    text = numbers[0]
    for number in numbers[1:]:
        joiner = draw(st.sampled_from([" and ", " OR ", " And "]))
        text = draw(st.sampled_from([f"{text}{joiner}{number}", f"({text}){joiner}{number}"]))
    return text


@st.composite
def rule_map(
    draw: st.DrawFn, names: list[str], depth: int = 0, min_size: int = 0
) -> dict[str, Any]:
    count = draw(st.integers(min_size, 4))
    body: dict[str, Any] = {str(n): draw(rule_json(names, depth)) for n in range(1, count + 1)}
    body["logic"] = _logic_text(draw, count) if count else ""
    return body


targets = st.builds(
    lambda item, effect, limit, repeat: {
        **item,
        "effect": effect,
        **({"quantity_limit": limit} if limit is not None else {}),
        **({"repeat": repeat} if repeat is not None else {}),
    },
    _items,
    st.sampled_from(language.EFFECTS),
    st.none() | st.integers(0, 100),
    st.none() | st.integers(1, 5),
)
targetings = st.fixed_dictionaries(
    {
        "excluded": st.lists(targets, max_size=3),
        "included": st.lists(targets, max_size=3),
        "included_all": st.booleans(),
    }
)


# --------------------------------------------------------------------------- properties


@settings(max_examples=300)
@given(rule_map(TOP_NAMES))
def test_every_valid_rule_set_parses_and_round_trips(raw: dict[str, Any]) -> None:
    parsed = parse_rules(copy.deepcopy(raw))
    assert dump_rules(parsed) == raw
    assert parse_rules(dump_rules(parsed)) == parsed


@given(targetings)
def test_every_valid_targeting_round_trips(raw: dict[str, Any]) -> None:
    assert dump_targeting(parse_targeting(raw)) == raw


_MUTATIONS: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "unknown name": (lambda r: r["1"].update(name="order.nonsense"), "rule 1: unknown rule name"),
    "bad operator": (
        lambda r: r["1"].update(conditions={"$regex": ["x"]}),
        "rule 1: operator $regex is not allowed",
    ),
    "gap in keys": (lambda r: r.update({"3": r.pop("1")}), "keys must be consecutive from 1"),
    "logic names nothing": (lambda r: r.update(logic=r["logic"] + " and 9"), "logic names rule 9"),
    "malformed logic": (lambda r: r.update(logic=r["logic"] + " and ("), "is not an expression"),
    "conditions not a map": (lambda r: r["1"].update(conditions=[]), "rule 1: conditions must"),
    "unknown field": (lambda r: r["1"].update(colour="red"), "rule 1: unknown field colour"),
}


@given(rule_map(TOP_NAMES, min_size=1), st.sampled_from(sorted(_MUTATIONS)))
def test_every_mutated_rule_set_is_refused_naming_the_fault(
    raw: dict[str, Any], which: str
) -> None:
    mutate, expected = _MUTATIONS[which]
    mutate(raw)
    assert expected in refused(raw)


# --------------------------------------------------------------------------- examples


def test_voucherify_example_with_subrules_parses() -> None:
    raw = {
        "1": {
            "name": "order.metadata",
            "property": "location",
            "conditions": {"$is": ["Santorini"]},
            "rules": {},
            "error": {"message": "Only in Santorini shops"},
        },
        "2": {
            "name": "order.items.every",
            "conditions": {
                "$is": [{"id": "prod_1", "object": "product", "effect": "APPLY_TO_EVERY"}]
            },
            "rules": {
                "1": {
                    "name": "order.items.metadata",
                    "property": "size",
                    "conditions": {"$more_than_or_equal": [1]},
                    "rules": {},
                },
                "logic": "1",
            },
        },
        "3": {"name": "customer.segment", "conditions": {"$in": ["seg_a", "seg_b"]}, "rules": {}},
        "logic": " (1 and 2) OR 3",
    }
    parsed = parse_rules(raw)
    assert [r.name for r in parsed.rules] == [
        "order.metadata",
        "order.items.every",
        "customer.segment",
    ]
    assert parsed.rules[0].error_message == "Only in Santorini shops"
    assert parsed.rules[1].subrules is not None
    assert dump_rules(parsed) == raw
    found = references(parsed, parse_targeting(None))
    assert (found.products, found.segments) == ({"prod_1"}, {"seg_a", "seg_b"})


def test_only_targeting_is_an_empty_logic() -> None:
    assert dump_rules(parse_rules({"logic": ""})) == {"logic": ""}
    assert dump_rules(parse_rules(None)) == {"logic": ""}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"name": "redemption.user.login", "conditions": {"$is": ["a"]}}, "has no dashboard users"),
        ({"name": "product.id", "conditions": {"$is": ["prod_1"]}}, "use order.items.any"),
        (
            {"name": "order.amount", "conditions": {"$starts_with": [1]}},
            "operator $starts_with is not allowed for order.amount",
        ),
        ({"name": "order.amount", "conditions": {"$more_than": [10.5]}}, "whole numbers"),
        ({"name": "order.amount", "conditions": {"$more_than": [-1]}}, "whole numbers"),
        ({"name": "order.amount", "conditions": {"$more_than": [1, 2]}}, "takes one value"),
        ({"name": "order.amount", "conditions": {"$more_than": []}}, "needs a value"),
        ({"name": "order.amount", "conditions": {"$more_than": 5}}, "takes a list"),
        ({"name": "customer.metadata", "conditions": {"$is": ["x"]}}, "needs a property"),
        (
            {"name": "order.amount", "property": "x", "conditions": {"$is": [1]}},
            "takes no property",
        ),
        ({"name": "customer.segment", "conditions": {"$is": ["vip"]}}, "segment ids (seg_...)"),
        (
            {"name": "order.items.any", "conditions": {"$is": ["prod_1"]}},
            "takes items {id, object}",
        ),
        (
            {
                "name": "order.items.any",
                "conditions": {"$is": [{"id": "prod_1", "object": "category"}]},
            },
            "item object must be one of",
        ),
        (
            {
                "name": "order.items.any",
                "conditions": {"$is": [{"id": "sku_1", "object": "product"}]},
            },
            "a product item needs its id (prod_...)",
        ),
        ({"name": "order.items.price", "conditions": {"$is": [1]}}, "is not allowed here"),
        (
            {
                "name": "order.amount",
                "conditions": {"$is": [1]},
                "rules": {
                    "1": {"name": "order.items.price", "conditions": {"$is": [1]}},
                    "logic": "1",
                },
            },
            "order.amount takes no sub-rules",
        ),
        (
            {"name": "customer.metadata", "property": "dob", "conditions": {"$dow": [7]}},
            "$dow takes days",
        ),
        (
            {"name": "order.amount", "conditions": {"$is": [1]}, "error": {"text": "x"}},
            "error must be {message}",
        ),
        ({"conditions": {"$is": [1]}}, "name is required"),
    ],
)
def test_refusals_name_the_rule_and_the_fault(rule: dict[str, Any], expected: str) -> None:
    message = refused({"1": rule, "logic": "1"})
    assert message.startswith("rule 1: ") and expected in message


def test_subrule_faults_name_the_nested_rule() -> None:
    raw = {
        "1": {
            "name": "order.items.any",
            "conditions": {"$is": [{"id": "pc_1", "object": "products_collection"}]},
            "rules": {
                "1": {"name": "customer.segment", "conditions": {"$is": ["seg_1"]}},
                "logic": "1",
            },
        },
        "logic": "1",
    }
    assert "rule 1.1: customer.segment is not allowed here" in refused(raw)


def test_unused_rule_is_refused() -> None:
    raw = {
        "1": {"name": "order.amount", "conditions": {"$is": [1]}},
        "2": {"name": "order.amount", "conditions": {"$is": [2]}},
        "logic": "1",
    }
    assert "rule 2 is not used in logic" in refused(raw)


def test_size_and_depth_bounds() -> None:
    many: dict[str, Any] = {
        str(n): {"name": "order.amount", "conditions": {"$is": [n]}} for n in range(1, 52)
    }
    many["logic"] = " and ".join(str(n) for n in range(1, 52))
    assert "at most 50 rules" in refused(many)
    deep = {
        "1": {"name": "order.amount", "conditions": {"$is": [1]}},
        "logic": "(" * 40 + "1" + ")" * 40,
    }
    assert "deeper than" in refused(deep)


def test_targeting_refusals() -> None:
    assert "included_all must be" in refused({"included_all": "yes"}, parse_targeting)
    assert "effect must be one of" in refused(
        {"included": [{"id": "prod_1", "object": "product", "effect": "APPLY_TO_ALL"}]},
        parse_targeting,
    )
    assert "applicable_to.excluded[0]: price_formula must be a number" in refused(
        {"excluded": [{"id": "prod_1", "object": "product", "price_formula": "ORDER_AMOUNT"}]},
        parse_targeting,
    )
    assert "product_campaign_quantity_limit is not supported" in refused(
        {"included": [{"id": "prod_1", "object": "product", "product_campaign_quantity_limit": 3}]},
        parse_targeting,
    )
    assert dump_targeting(parse_targeting(None)) == {
        "excluded": [],
        "included": [],
        "included_all": False,
    }


def test_bundle_rules_subset() -> None:
    raw: dict[str, Any] = {
        "1": {
            "name": "order.items.any",
            "conditions": {
                "$is": [{"id": "prod_1", "object": "product", "type": "product_or_sku"}]
            },
            "rules": {
                "1": {
                    "name": "order.items.aggregated_quantity",
                    "conditions": {"$is": [2]},
                    "rules": {},
                },
                "logic": "1",
            },
        },
        "logic": "1",
    }
    parsed = parse_bundle_rules(raw)
    assert dump_bundle_rules(parsed) == raw
    assert dump_bundle_rules(parse_bundle_rules(None)) == {}
    wrong = copy.deepcopy(raw)
    wrong["1"]["rules"]["1"]["conditions"] = {"$more_than": [2]}
    assert "bundle rule 1: a bundle rule needs one sub-rule" in refused(wrong, parse_bundle_rules)
    wrong = copy.deepcopy(raw)
    wrong["1"]["name"] = "order.items.every"
    assert "bundle rule 1: order.items.every is not allowed here" in refused(
        wrong, parse_bundle_rules
    )


@pytest.mark.parametrize(
    ("operator", "value"),
    [
        ("$timeframe", "2024-01-01T00:00:00Z;P99999999999999D;PT1H"),  # past 100 years
        ("$timeframe", "2024-01-01T00:00:00Z;P1D"),
        ("$timeframe", "yesterday;P1D;PT1H"),
        ("$timeframe_absolute", "2024-01-01T00:00:00Z"),
        ("$timeframe_daily_hours", "25:00;26:00;1"),
    ],
)
def test_malformed_time_windows_are_refused_by_name(operator: str, value: str) -> None:
    raw = {
        "1": {
            "name": "order.metadata",
            "property": "at",
            "conditions": {operator: [value]},
            "rules": {},
        },
        "logic": "1",
    }
    with pytest.raises(InvalidPayload) as refused:
        language.parse_rules(raw)
    assert operator in str(refused.value)


def test_time_windows_near_the_last_date_do_not_overflow() -> None:
    from datetime import UTC, datetime

    from voucherd.rules import windows

    late = datetime(9999, 12, 31, 12, tzinfo=UTC)
    assert windows.in_timeframe(late, "9999-12-01T00:00:00Z;P1D;P99Y", windows.UTC) is True
    assert windows.in_timeframe(late, "9000-01-01T00:00:00Z;P1M;PT1H", windows.UTC) is False
    assert windows.in_timeframe(late, "2024-01-01T00:00:00Z;P1D;PT1H", windows.UTC) is False
