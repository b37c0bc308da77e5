"""The stacking decision (stacking/rules.py) without a database: one test per rule, and
properties that hold for any request and any rules."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from voucherd.stacking.rules import (
    CATEGORY_LIMIT_EXCEEDED,
    DEFAULT_RULES,
    EXCLUSION_RULES_NOT_MET,
    EXCLUSIVE_CATEGORY_LIMIT_EXCEEDED,
    EXCLUSIVE_LIMIT_EXCEEDED,
    LIMIT_EXCEEDED,
    NO_EFFECT,
    PRECEDING_VALIDATION_FAILED,
    Item,
    StackingRules,
    arrange,
    is_valid,
)

CATEGORIES = {"cat_a": 2, "cat_b": 1, "cat_x": 3, "cat_j": 0}


def items(*cats: str | None, bad: tuple[int, ...] = (), flat: tuple[int, ...] = ()) -> list[Item]:
    return [
        Item(
            position=i,
            category_id=c,
            hierarchy=CATEGORIES[c] if c else None,
            inapplicable=i in bad,
            no_effect=i in flat,
        )
        for i, c in enumerate(cats)
    ]


def rules(**changes: object) -> StackingRules:
    return StackingRules.from_stored(changes)


OPEN = {"applicable_redeemables_limit": 30, "applicable_redeemables_per_category_limit": 30}


def test_default_rules_apply_five_and_skip_the_rest_by_the_limit() -> None:
    decision = arrange(items(*[None] * 7))
    assert decision.applied == (0, 1, 2, 3, 4)
    assert decision.skipped == {5: LIMIT_EXCEEDED, 6: LIMIT_EXCEEDED}


def test_default_rules_apply_one_per_category() -> None:
    decision = arrange(items("cat_a", "cat_a", "cat_b", None))
    assert decision.applied == (0, 2, 3)
    assert decision.skipped == {1: CATEGORY_LIMIT_EXCEEDED}


def test_a_category_limit_overrides_the_per_category_limit() -> None:
    limits = rules(applicable_redeemables_category_limits={"cat_a": 2})
    decision = arrange(items("cat_a", "cat_a", "cat_a", "cat_b", "cat_b"), limits)
    assert decision.applied == (0, 1, 3)
    assert decision.skipped == {2: CATEGORY_LIMIT_EXCEEDED, 4: CATEGORY_LIMIT_EXCEEDED}


def test_an_exclusive_redeemable_beats_common_ones_wherever_they_stand() -> None:
    exclusive = rules(**OPEN, exclusive_categories=["cat_x"], joint_categories=["cat_j"])
    decision = arrange(items(None, "cat_a", "cat_x", "cat_j"), exclusive)
    assert decision.applied == (2, 3)  # the joint one stacks with anything
    assert decision.skipped == {0: EXCLUSION_RULES_NOT_MET, 1: EXCLUSION_RULES_NOT_MET}


def test_exclusive_limits_skip_further_exclusive_ones() -> None:
    exclusive = rules(
        **OPEN,
        exclusive_categories=["cat_x", "cat_a"],
        applicable_exclusive_redeemables_limit=2,
    )
    decision = arrange(items("cat_x", "cat_x", "cat_a", "cat_a"), exclusive)
    assert decision.applied == (0, 2)
    assert decision.skipped == {
        1: EXCLUSIVE_CATEGORY_LIMIT_EXCEEDED,
        3: EXCLUSIVE_LIMIT_EXCEEDED,
    }


def test_an_inapplicable_exclusive_one_does_not_beat_common_ones() -> None:
    exclusive = rules(
        **OPEN, exclusive_categories=["cat_x"], redeemables_application_mode="PARTIAL"
    )
    decision = arrange(items(None, "cat_x", bad=(1,)), exclusive)
    assert decision.applied == (0,)
    assert decision.inapplicable == (1,)


def test_mode_all_fails_the_stack_at_the_first_inapplicable_one() -> None:
    decision = arrange(items(None, "cat_a", "cat_b", None, bad=(1, 3)), rules(**OPEN))
    assert decision.applied == ()
    assert decision.inapplicable == (1,)  # the later bad one is never checked
    assert decision.skipped == dict.fromkeys((0, 2, 3), PRECEDING_VALIDATION_FAILED)
    assert not is_valid(decision, rules(**OPEN))


def test_mode_partial_drops_the_inapplicable_ones_and_applies_the_rest() -> None:
    partial = rules(**OPEN, redeemables_application_mode="PARTIAL")
    decision = arrange(items(None, "cat_a", "cat_b", None, bad=(1, 3)), partial)
    assert decision.applied == (0, 2)
    assert decision.inapplicable == (1, 3)
    assert decision.skipped == {}
    assert is_valid(decision, partial)


def test_category_hierarchy_sorts_lower_first_ties_by_request_order_uncategorised_last() -> None:
    sorting = rules(**OPEN, redeemables_sorting_rule="CATEGORY_HIERARCHY")
    decision = arrange(items(None, "cat_a", "cat_b", "cat_a", "cat_j"), sorting)
    assert decision.order == (4, 2, 1, 3, 0)
    assert decision.applied == (4, 2, 1, 3, 0)


def test_no_effect_skip_frees_a_slot_for_the_next_one() -> None:
    skip = rules(redeemables_no_effect_rule="SKIP", applicable_redeemables_limit=1)
    decision = arrange(items(None, None, flat=(0,)), skip)
    assert decision.applied == (1,)
    assert decision.skipped == {0: NO_EFFECT}


def test_no_effect_category_overrides_win_over_the_rule() -> None:
    anyway = rules(
        **OPEN, redeemables_no_effect_rule="SKIP", no_effect_redeem_anyway_categories=["cat_a"]
    )
    assert arrange(items("cat_a", None, flat=(0, 1)), anyway).skipped == {1: NO_EFFECT}
    skip = rules(**OPEN, no_effect_skip_categories=["cat_a"])  # rule REDEEM_ANYWAY
    assert arrange(items("cat_a", None, flat=(0, 1)), skip).skipped == {0: NO_EFFECT}


# Properties -----------------------------------------------------------------------------

category = st.sampled_from([None, *CATEGORIES])
request = st.lists(st.tuples(category, st.booleans(), st.booleans()), min_size=1, max_size=30).map(
    lambda rows: [
        Item(i, c, CATEGORIES[c] if c else None, inapplicable=bad, no_effect=flat)
        for i, (c, bad, flat) in enumerate(rows)
    ]
)
subset = st.lists(st.sampled_from(sorted(CATEGORIES)), unique=True)


@st.composite
def any_rules(draw: st.DrawFn) -> StackingRules:
    exclusive = draw(subset)
    joint = [c for c in draw(subset) if c not in exclusive]
    skip = draw(subset)
    anyway = [c for c in draw(subset) if c not in skip]
    return rules(
        applicable_redeemables_limit=draw(st.integers(1, 30)),
        applicable_redeemables_per_category_limit=draw(st.integers(1, 30)),
        applicable_redeemables_category_limits=draw(
            st.dictionaries(st.sampled_from(sorted(CATEGORIES)), st.integers(1, 10))
        ),
        applicable_exclusive_redeemables_limit=draw(st.integers(1, 5)),
        applicable_exclusive_redeemables_per_category_limit=draw(st.integers(1, 5)),
        exclusive_categories=exclusive,
        joint_categories=joint,
        redeemables_application_mode=draw(st.sampled_from(["ALL", "PARTIAL"])),
        redeemables_sorting_rule=draw(st.sampled_from(["REQUESTED_ORDER", "CATEGORY_HIERARCHY"])),
        redeemables_no_effect_rule=draw(st.sampled_from(["REDEEM_ANYWAY", "SKIP"])),
        no_effect_skip_categories=skip,
        no_effect_redeem_anyway_categories=anyway,
    )


@given(request, any_rules())
def test_every_redeemable_gets_exactly_one_status(req: list[Item], r: StackingRules) -> None:
    d = arrange(req, r)
    assert sorted(d.order) == list(range(len(req)))
    everyone = [*d.applied, *d.inapplicable, *d.skipped]
    assert sorted(everyone) == list(range(len(req)))


@given(request, any_rules())
def test_no_limit_is_ever_exceeded(req: list[Item], r: StackingRules) -> None:
    d = arrange(req, r)
    by_position = {i.position: i for i in req}
    applied = [by_position[p] for p in d.applied]
    assert len(applied) <= r.applicable_redeemables_limit
    per_category = Counter(i.category_id for i in applied if i.category_id)
    assert all(n <= r.category_limit(c) for c, n in per_category.items())
    exclusive = [i for i in applied if r.stacking_type(i.category_id) == "EXCLUSIVE"]
    assert len(exclusive) <= r.applicable_exclusive_redeemables_limit
    exclusive_per = Counter(i.category_id for i in exclusive)
    assert all(
        n <= r.applicable_exclusive_redeemables_per_category_limit for n in exclusive_per.values()
    )
    assert not any(i.inapplicable for i in applied)


@given(request, any_rules())
def test_common_and_exclusive_never_apply_together(req: list[Item], r: StackingRules) -> None:
    d = arrange(req, r)
    kinds = {r.stacking_type(req[p].category_id) for p in d.applied}
    assert not {"COMMON", "EXCLUSIVE"} <= kinds


@given(request, any_rules())
def test_applied_follow_the_sorting_rule(req: list[Item], r: StackingRules) -> None:
    d = arrange(req, r)
    keys = [
        (req[p].hierarchy is None, req[p].hierarchy or 0, p)
        if r.redeemables_sorting_rule == "CATEGORY_HIERARCHY"
        else (False, 0, p)
        for p in d.order
    ]
    assert keys == sorted(keys)
    assert list(d.applied) == [p for p in d.order if p in set(d.applied)]


@given(request, any_rules())
def test_mode_all_applies_nothing_once_one_is_inapplicable(
    req: list[Item], r: StackingRules
) -> None:
    d = arrange(req, r)
    if r.redeemables_application_mode == "ALL" and d.inapplicable:
        assert d.applied == () and len(d.inapplicable) == 1
        first_bad = next(p for p in d.order if req[p].inapplicable)
        assert d.inapplicable == (first_bad,)
        after = d.order[d.order.index(first_bad) + 1 :]
        assert all(d.skipped[p] == PRECEDING_VALIDATION_FAILED for p in after)
        assert set(d.skipped) == set(d.order) - {first_bad}
    else:
        assert PRECEDING_VALIDATION_FAILED not in d.skipped.values()
    if r.redeemables_application_mode == "PARTIAL":
        assert set(d.inapplicable) == {i.position for i in req if i.inapplicable}


@given(request, any_rules())
def test_no_effect_ones_apply_only_when_redeemed_anyway(req: list[Item], r: StackingRules) -> None:
    d = arrange(req, r)
    for p in d.applied:
        if req[p].no_effect:
            assert not r.skips_no_effect(req[p].category_id)
    for p, key in d.skipped.items():
        if key == NO_EFFECT:
            assert req[p].no_effect and r.skips_no_effect(req[p].category_id)


@given(st.integers(1, 30))
def test_without_categories_or_failures_the_first_n_apply(count: int) -> None:
    req = [Item(i) for i in range(count)]
    d = arrange(req, DEFAULT_RULES)
    assert d.applied == tuple(range(min(count, 5)))
    assert set(d.skipped.values()) <= {LIMIT_EXCEEDED}
