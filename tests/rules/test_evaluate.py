"""The pure evaluator: one check per supported name, both outcomes per family, the logic
laws against `holds`, item rules against a brute-force oracle."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from voucherd.discounts.calculation_types import OrderInput, OrderItemInput
from voucherd.product_collections.filters import Collection, StaticEntry
from voucherd.rules.evaluate import CHECKS, evaluate
from voucherd.rules.facts import Facts, order_items
from voucherd.rules.language import parse_rules
from voucherd.rules.logic import holds, parse_logic
from voucherd.rules.names import SUPPORTED
from voucherd.rules.targeting import target
from voucherd.rules.tree import Condition, Rule, RuleSet, Target, Targeting
from voucherd.rules.windows import in_daily_hours, in_timeframe, window_start

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # a Monday


def _one(name: str, conditions: dict[str, list[Any]], prop: str | None = None) -> RuleSet:
    raw: dict[str, Any] = {"name": name, "conditions": conditions, "rules": {}}
    if prop:
        raw["property"] = prop
    return parse_rules({"1": raw, "logic": "1"})


def _facts(**kw: Any) -> Facts:
    return Facts(now=NOW, **kw)


def _order(*lines: tuple[str, int, int]) -> Any:
    return order_items(
        OrderInput(
            items=tuple(
                OrderItemInput(quantity=q, price=p, amount=None, product_id=pid)
                for pid, p, q in lines
            )
        ),
        [{"size": q} for _, _, q in lines],
    )


def test_every_supported_name_has_exactly_one_check() -> None:
    assert set(CHECKS) == set(SUPPORTED)


def test_order_amount_both_outcomes_with_words() -> None:
    rules = _one("order.amount", {"$more_than": [5000]})
    assert evaluate(rules, _facts(amount=5001)).passed
    outcome = evaluate(rules, _facts(amount=4500))
    assert not outcome.passed
    assert outcome.family == "order"
    assert outcome.failures[0].explanation == "order amount 45.00 is not more than 50.00"


def test_metadata_operators_and_missing_values() -> None:
    rules = _one("customer.metadata", {"$starts_with": ["go"]}, "tier")
    assert evaluate(rules, _facts(customer_metadata={"tier": "gold"})).passed
    failed = evaluate(rules, _facts(customer_metadata={}))
    assert failed.family == "customer"
    assert failed.failures[0].explanation == "customer metadata 'tier' has no value"
    counted = _one("order.metadata", {"$count_more": [1]}, "tags")
    assert evaluate(counted, _facts(order_metadata={"tags": ["a", "b"]})).passed
    assert not evaluate(counted, _facts(order_metadata={"tags": ["a"]})).passed
    unknown = _one("redemption.metadata", {"$is_unknown": []}, "channel")
    assert evaluate(unknown, _facts()).passed
    assert not evaluate(unknown, _facts(request_metadata={"channel": "pos"})).passed


def test_dates_in_the_project_zone() -> None:
    rules = _one("order.metadata", {"$dow": [1]}, "at")  # Monday
    tokyo = ZoneInfo("Asia/Tokyo")
    late_sunday_utc = "2026-12-06T20:00:00Z"  # already Monday in Tokyo
    assert not evaluate(rules, _facts(order_metadata={"at": late_sunday_utc})).passed
    assert evaluate(rules, _facts(zone=tokyo, order_metadata={"at": late_sunday_utc})).passed
    ago = _one("customer.metadata", {"$more_than_ago": [30]}, "joined")
    assert evaluate(ago, _facts(customer_metadata={"joined": "2026-10-01"})).passed
    assert not evaluate(ago, _facts(customer_metadata={"joined": "2026-12-01"})).passed


def test_segments_and_counters() -> None:
    rules = _one("customer.segment", {"$in": ["seg_a", "seg_b"]})
    assert evaluate(rules, _facts(segment_ids=frozenset({"seg_b"}))).passed
    outcome = evaluate(rules, _facts())
    assert outcome.failures[0].explanation == "customer is not in segment seg_a, seg_b"
    once = _one("redemption.count.per_customer", {"$less_than_or_equal": [1]})
    assert evaluate(once, _facts(counters={"redemption.count.per_customer": 1})).passed
    assert not evaluate(once, _facts(counters={"redemption.count.per_customer": 2})).passed
    assert evaluate(once, _facts()).family == "redemption"


def test_item_rules_with_subrules() -> None:
    rules = parse_rules(
        {
            "1": {
                "name": "order.items.any",
                "conditions": {"$is": [{"id": "prod_a", "object": "product"}]},
                "rules": {
                    "1": {
                        "name": "order.items.quantity",
                        "conditions": {"$more_than_or_equal": [2]},
                        "rules": {},
                    },
                    "logic": "1",
                },
            },
            "logic": "1",
        }
    )
    assert evaluate(rules, _facts(items=_order(("prod_a", 100, 2)))).passed
    one = evaluate(rules, _facts(items=_order(("prod_a", 100, 1), ("prod_b", 50, 3))))
    assert not one.passed
    assert "item quantity 1 is less than 2" in one.failures[0].explanation
    absent = evaluate(rules, _facts(items=_order(("prod_b", 50, 3))))
    assert absent.failures[0].explanation == "no order item is product prod_a"


def test_cheapest_and_collections() -> None:
    coffee = Collection("STATIC", products=(StaticEntry("prod_a", "product", None),))
    rules = parse_rules(
        {
            "1": {
                "name": "order.items.cheapest",
                "conditions": {"$is": [{"id": "pc_coffee", "object": "products_collection"}]},
                "rules": {},
            },
            "logic": "1",
        }
    )
    facts = _facts(collections={"pc_coffee": coffee})
    assert evaluate(rules, facts.at(items=_order(("prod_a", 100, 1), ("prod_b", 500, 1)))).passed
    outcome = evaluate(rules, facts.at(items=_order(("prod_a", 900, 1), ("prod_b", 500, 1))))
    assert "the cheapest order item (item 1) is not products_collection pc_coffee" in (
        outcome.failures[0].explanation
    )


def test_targeting_excluded_wins_and_cheapest_effect() -> None:
    items = _order(("prod_a", 100, 1), ("prod_b", 300, 1), ("prod_a", 50, 2))
    every = Targeting(included_all=True, excluded=(Target("product", "prod_b"),))
    result = target(every, items, {})
    assert result.indexes == frozenset({0, 2})
    assert result.inapplicable_to[0]["order_item_indices"] == [1]
    cheapest = Targeting(included=(Target("product", "prod_a", effect="APPLY_TO_CHEAPEST"),))
    assert target(cheapest, items, {}).indexes == frozenset({2})


def test_windows() -> None:
    zone = ZoneInfo("America/New_York")
    late = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)  # still Dec 7 in New York
    assert str(window_start(".daily", late, zone)) == "2026-12-07"
    assert str(window_start(".weekly", late, zone)) == "2026-12-07"
    assert str(window_start(".monthly", late, zone)) == "2026-12-01"
    assert window_start("", late, zone) is None
    assert in_timeframe(NOW, "2026-12-01T11:00:00Z;P1D;PT2H", ZoneInfo("UTC"))
    assert not in_timeframe(NOW, "2026-12-01T13:00:00Z;P1D;PT2H", ZoneInfo("UTC"))
    assert in_daily_hours(NOW, "11:00;13:00;1", ZoneInfo("UTC"))
    assert not in_daily_hours(NOW, "11:00;13:00;2", ZoneInfo("UTC"))


_LOGIC = st.recursive(
    st.sampled_from(["1", "2", "3"]),
    lambda inner: st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})"
    ),
    max_leaves=6,
)


@given(_LOGIC, st.lists(st.booleans(), min_size=3, max_size=3))
def test_evaluate_agrees_with_holds(logic: str, passes: list[bool]) -> None:
    amounts = {"1": 10, "2": 20, "3": 30}
    rules = tuple(
        Rule(
            n,
            "order.amount",
            None,
            (Condition("$is" if passes[int(n) - 1] else "$is_not", (7,)),),
            None,
            None,
        )
        for n in amounts
    )
    ruleset = RuleSet(rules, parse_logic(logic))
    expected = holds(ruleset.logic, lambda n: passes[int(n) - 1])
    outcome = evaluate(ruleset, _facts(amount=7))
    assert outcome.passed == expected
    assert outcome.passed or outcome.failures


_LINES = st.lists(
    st.tuples(
        st.sampled_from(["prod_a", "prod_b", "prod_c"]), st.integers(0, 500), st.integers(1, 4)
    ),
    max_size=5,
)


@given(_LINES, st.sampled_from(["any", "every", "none", "cheapest", "most_expensive"]))
def test_item_rules_match_a_brute_force_oracle(
    lines: list[tuple[str, int, int]], which: str
) -> None:
    rules = parse_rules(
        {
            "1": {
                "name": f"order.items.{which}",
                "conditions": {"$is": [{"id": "prod_a", "object": "product"}]},
                "rules": {},
            },
            "logic": "1",
        }
    )
    hits = [pid == "prod_a" for pid, _, _ in lines]
    if which == "any":
        expected = any(hits)
    elif which == "every":
        expected = bool(lines) and all(hits)
    elif which == "none":
        expected = not any(hits)
    else:
        best = None
        for index, (_, price, _) in enumerate(lines):
            if best is None or (
                price < lines[best][1] if which == "cheapest" else price > lines[best][1]
            ):
                best = index
        expected = best is not None and hits[best]
    assert evaluate(rules, _facts(items=_order(*lines))).passed == expected
