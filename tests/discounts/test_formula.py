"""Tests for the dynamic formula language (voucherd.discounts.formula): one rule per test."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voucherd.discounts.formula import (
    KNOWN_VARIABLES,
    FormulaContext,
    FormulaError,
    FormulaEvaluationError,
    FormulaMissingValueError,
    FormulaSyntaxError,
    check_formula,
    evaluate_formula,
    evaluate_number,
    parse_formula,
)

NOW = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)


def context(
    metadata: Mapping[str, Mapping[str, object]] | None = None,
    /,
    **variables: Decimal | str | bool | None,
) -> FormulaContext:
    return FormulaContext(variables=variables, metadata=metadata or {}, now=NOW)


def run(text: str, **variables: Decimal | str | bool | None) -> Decimal | str | bool:
    return evaluate_formula(text, context(**variables))


def run_meta(text: str, bag: str, values: Mapping[str, object]) -> Decimal | str | bool:
    return evaluate_formula(text, context({bag: values}))


def fmt(number: Decimal) -> str:
    """A Decimal as plain formula text (no exponent notation)."""
    return format(number, "f")


# --------------------------------------------------------------------------- seed case


def test_seed_formula_gives_else_value_at_114_99() -> None:
    assert run("IF(ORDER_AMOUNT > 150;15;10)", ORDER_AMOUNT=Decimal("114.99")) == 10


def test_seed_formula_gives_then_value_at_150_01() -> None:
    assert run("IF(ORDER_AMOUNT > 150;15;10)", ORDER_AMOUNT=Decimal("150.01")) == 15


# --------------------------------------------------------------------------- IF and logic


def test_if_picks_else_branch_when_condition_false() -> None:
    assert run("IF(1 > 2;1;2)") == 2


def test_if_picks_then_branch_when_condition_true() -> None:
    assert run("IF(2 > 1;1;2)") == 1


def test_if_evaluates_only_the_taken_branch() -> None:
    assert run("IF(TRUE;1;1/0)") == 1


def test_if_condition_must_be_boolean() -> None:
    with pytest.raises(FormulaEvaluationError, match="TRUE or FALSE"):
        run("IF(1;2;3)")


def test_and_binds_tighter_than_or() -> None:
    assert run("TRUE OR FALSE AND FALSE") is True


def test_and_short_circuits() -> None:
    assert run("FALSE AND 1/0 > 0") is False


def test_or_short_circuits() -> None:
    assert run("TRUE OR 1/0 > 0") is True


def test_keywords_are_case_insensitive() -> None:
    assert run("true and NOT(false) or False") is True


def test_keyword_prefix_does_not_split_identifiers() -> None:
    # "OR" starts ORDER_AMOUNT and "AND" starts ANDROID: both must stay single names.
    assert run("ORDER_AMOUNT", ORDER_AMOUNT=Decimal(3)) == 3
    with pytest.raises(FormulaEvaluationError, match="ANDROID"):
        run("ANDROID")


# --------------------------------------------------------------------------- arithmetic


def test_multiplication_binds_tighter_than_addition() -> None:
    assert run("2 + 3 * 4") == 14


def test_parentheses_override_precedence() -> None:
    assert run("(2 + 3) * 4") == 20


def test_subtraction_is_left_associative() -> None:
    assert run("10 - 4 - 3") == 3


def test_division_is_left_associative() -> None:
    assert run("100 / 10 / 2") == 5


def test_unary_minus_binds_tighter_than_multiplication() -> None:
    assert run("-2 * 3") == -6
    assert run("2 - -3") == 5


def test_unicode_multiplication_and_division_signs() -> None:
    assert run("6 \u00d7 7") == 42
    assert run("84 \u00f7 2") == 42


def test_modulo_keeps_sign_of_dividend() -> None:
    assert run("7 % 3") == 1
    assert run("-7 % 3") == -1


def test_decimal_arithmetic_is_exact() -> None:
    assert run("0.1 + 0.2") == Decimal("0.3")


def test_money_variables_are_major_units_used_as_given() -> None:
    assert run("ORDER_AMOUNT * 0.15", ORDER_AMOUNT=Decimal("114.99")) == Decimal("17.2485")


def test_division_by_zero_is_evaluation_error() -> None:
    with pytest.raises(FormulaEvaluationError, match="division by zero"):
        run("ORDER_AMOUNT / 0", ORDER_AMOUNT=Decimal(5))


def test_modulo_by_zero_is_evaluation_error() -> None:
    with pytest.raises(FormulaEvaluationError, match="modulo by zero"):
        run("5 % 0")


def test_arithmetic_on_non_numeric_text_is_evaluation_error() -> None:
    with pytest.raises(FormulaEvaluationError, match="must be a number"):
        run('"abc" + 1')


def test_overflow_is_evaluation_error() -> None:
    with pytest.raises(FormulaEvaluationError):
        run("POW(10;999999) * POW(10;999999)")


# --------------------------------------------------------------------------- comparisons


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 < 2", True),
        ("2 <= 2", True),
        ("3 > 2", True),
        ("2 >= 3", False),
        ("2 = 2.00", True),
        ("2 == 2", True),
        ("2 != 3", True),
        ("2 <> 2", False),
    ],
)
def test_comparison_operators(text: str, expected: bool) -> None:
    assert run(text) is expected


def test_comparisons_do_not_chain() -> None:
    with pytest.raises(FormulaSyntaxError):
        parse_formula("1 < 2 < 3")


def test_number_compares_numerically_with_numeric_text() -> None:
    assert run('10 = "10.0"') is True
    assert run('9 < "10"') is True


def test_equality_on_texts_compares_text() -> None:
    assert run('"007" = "7"') is False
    assert run('"VIP" = "VIP"') is True


def test_text_ordering_is_lexicographic_for_iso_dates() -> None:
    assert run('"2024-01-31" < "2024-02-01"') is True


def test_ordering_a_number_against_plain_text_is_evaluation_error() -> None:
    with pytest.raises(FormulaEvaluationError, match="cannot compare"):
        run('1 < "abc"')


def test_equality_across_kinds_is_false_not_an_error() -> None:
    assert run('1 = "abc"') is False
    assert run("TRUE = 1") is False


# --------------------------------------------------------------------------- functions


def test_semicolons_separate_function_arguments() -> None:
    assert run("MAX(1;7;3)") == 7


def test_commas_do_not_separate_arguments() -> None:
    with pytest.raises(FormulaSyntaxError):
        parse_formula("MAX(1,2)")


def test_min_and_max_are_variadic() -> None:
    assert run("MIN(4;2;8;6)") == 2
    assert run("MAX(4)") == 4


def test_pow_raises_to_a_power() -> None:
    assert run("POW(2;10)") == 1024
    assert run("POW(4;0.5)") == 2


def test_pow_of_negative_base_with_fraction_is_evaluation_error() -> None:
    with pytest.raises(FormulaEvaluationError, match="POW"):
        run("POW(-4;0.5)")


def test_abs_removes_the_sign() -> None:
    assert run("ABS(-2.5)") == Decimal("2.5")


def test_round_defaults_to_zero_places() -> None:
    assert run("ROUND(2.4)") == 2
    assert run("ROUND(2.5)") == 3


def test_round_halves_away_from_zero() -> None:
    assert run("ROUND(-2.5)") == -3
    assert run("ROUND(1.005;2)") == Decimal("1.01")  # a float would give 1.0


def test_round_negative_precision_rounds_to_tens_and_hundreds() -> None:
    assert run("ROUND(1234;-1)") == 1230
    assert run("ROUND(1250;-2)") == 1300
    assert str(run("ROUND(1250;-2)")) == "1300"  # not 1.3E+3


def test_floor_with_precision() -> None:
    assert run("FLOOR(12.349;2)") == Decimal("12.34")
    assert run("FLOOR(-1.5)") == -2
    assert run("FLOOR(1299;-2)") == 1200


def test_ceil_with_precision() -> None:
    assert run("CEIL(12.341;2)") == Decimal("12.35")
    assert run("CEIL(-1.5)") == -1
    assert run("CEIL(1201;-2)") == 1300


def test_rounding_precision_must_be_whole_number() -> None:
    with pytest.raises(FormulaEvaluationError, match="whole number"):
        run("ROUND(1.234;1.5)")


def test_switch_picks_matching_case() -> None:
    formula = "SWITCH(ORDER_ITEMS_QUANTITY; SWITCH_CASE(1;5) SWITCH_CASE(2;10); 0)"
    assert run(formula, ORDER_ITEMS_QUANTITY=Decimal(2)) == 10


def test_switch_uses_default_when_no_case_matches() -> None:
    formula = "SWITCH(ORDER_ITEMS_QUANTITY; SWITCH_CASE(1;5) SWITCH_CASE(2;10); 0)"
    assert run(formula, ORDER_ITEMS_QUANTITY=Decimal(9)) == 0


def test_switch_cases_may_be_separated_by_semicolons() -> None:
    assert run("SWITCH(2; SWITCH_CASE(1;5); SWITCH_CASE(2;10); 0)") == 10


def test_switch_matches_text_values() -> None:
    formula = (
        'SWITCH(CUSTOMER_METADATA("tier"); SWITCH_CASE("gold";20) SWITCH_CASE("silver";10); 0)'
    )
    assert run_meta(formula, "CUSTOMER_METADATA", {"tier": "silver"}) == 10


def test_switch_without_match_or_default_has_no_value() -> None:
    with pytest.raises(FormulaMissingValueError):
        run("SWITCH(3; SWITCH_CASE(1;5))")
    assert run("DEFAULT_TO(SWITCH(3; SWITCH_CASE(1;5)); 7)") == 7


def test_switch_case_outside_switch_is_syntax_error() -> None:
    with pytest.raises(FormulaSyntaxError):
        parse_formula("SWITCH_CASE(1;2)")


def test_default_to_keeps_a_present_value() -> None:
    assert run_meta('DEFAULT_TO(ORDER_METADATA("x");5)', "ORDER_METADATA", {"x": 3}) == 3


def test_default_to_uses_fallback_for_missing_metadata() -> None:
    assert run('DEFAULT_TO(ORDER_METADATA("x");5)') == 5


def test_default_to_covers_expressions_over_missing_values() -> None:
    assert run('DEFAULT_TO(ORDER_METADATA("x") * 2;5)') == 5


def test_default_to_does_not_hide_other_errors() -> None:
    with pytest.raises(FormulaEvaluationError, match="division by zero"):
        run("DEFAULT_TO(1/0;5)")


def test_date_functions_use_the_context_clock() -> None:
    assert run("TODAY()") == "2024-06-15"
    assert run('DAYS_SINCE("2024-06-01")') == 14
    assert run('DAYS_UNTIL("2024-06-20T08:00:00Z")') == 5
    assert run("DAYS_SINCE(CUSTOMER_BIRTHDATE) > 365", CUSTOMER_BIRTHDATE="1990-05-01") is True


def test_date_functions_without_clock_are_evaluation_errors() -> None:
    with pytest.raises(FormulaEvaluationError, match="now"):
        evaluate_formula("TODAY()", FormulaContext(variables={}, metadata={}))


# --------------------------------------------------------------------------- string operators


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"VIP" is "VIP"', True),
        ('"VIP" isNot "VIP"', False),
        ('"summer-sale" contains "sale"', True),
        ('"summer-sale" startsWith "summer"', True),
        ('"summer-sale" endsWith "summer"', False),
        ('"summer" STARTSWITH "sum"', True),
    ],
)
def test_string_operators_infix(text: str, expected: bool) -> None:
    assert run(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('IS("a";"a")', True),
        ('IS_NOT("a";"a")', False),
        ('CONTAINS("abc";"b")', True),
        ('startsWith("abc";"a")', True),
        ('ENDS_WITH("abc";"c")', True),
    ],
)
def test_string_operators_as_functions(text: str, expected: bool) -> None:
    assert run(text) is expected


def test_contains_on_metadata_array_tests_membership() -> None:
    bag = {"tags": ["vip", "newsletter"]}
    assert run_meta('CUSTOMER_METADATA("tags") contains "vip"', "CUSTOMER_METADATA", bag) is True
    assert run_meta('CUSTOMER_METADATA("tags") contains "vi"', "CUSTOMER_METADATA", bag) is False


def test_in_array_with_listed_values() -> None:
    assert run('IN_ARRAY("b";"a";"b";"c")') is True
    assert run("IN_ARRAY(4;1;2;3)") is False


def test_in_array_with_metadata_array() -> None:
    bag = {"stores": ["S1", "S2"]}
    assert run_meta('IN_ARRAY("S2";REDEMPTION_METADATA("stores"))', "REDEMPTION_METADATA", bag)


def test_not_in_array_negates_in_array() -> None:
    assert run('NOT_IN_ARRAY("d";"a";"b")') is True


def test_string_escapes() -> None:
    assert run(r'"say \"hi\"\\"') == 'say "hi"\\'


# --------------------------------------------------------------------------- variables, metadata


@pytest.mark.parametrize(
    "accessor",
    [
        "ORDER_METADATA",
        "CUSTOMER_METADATA",
        "REDEMPTION_METADATA",
        "REDEEMABLE_METADATA",
        "PUBLICATION_METADATA",
        "ORDER_ITEM_METADATA",
        "CUSTOM_EVENT_METADATA",
    ],
)
def test_metadata_accessor_reads_its_own_bag(accessor: str) -> None:
    ctx = context({accessor: {"k": 7}, "OTHER_METADATA": {"k": 99}})
    assert evaluate_formula(f'{accessor}("k") + 1', ctx) == 8


def test_numeric_metadata_text_computes_numerically() -> None:
    assert run_meta('CUSTOMER_METADATA("age") * 2', "CUSTOMER_METADATA", {"age": "21"}) == 42


def test_numeric_metadata_text_compares_with_numbers() -> None:
    assert run_meta('CUSTOMER_METADATA("age") > 18', "CUSTOMER_METADATA", {"age": "30"}) is True


def test_metadata_float_converts_exactly() -> None:
    assert run_meta('ORDER_METADATA("r")', "ORDER_METADATA", {"r": 0.1}) == Decimal("0.1")


def test_missing_metadata_in_arithmetic_is_evaluation_error() -> None:
    with pytest.raises(FormulaMissingValueError):
        run('ORDER_METADATA("nope") + 1')


def test_metadata_accessor_requires_a_quoted_key() -> None:
    with pytest.raises(FormulaSyntaxError, match="quoted key"):
        parse_formula("ORDER_METADATA(ORDER_AMOUNT)")


def test_unknown_variable_is_evaluation_error() -> None:
    with pytest.raises(FormulaEvaluationError, match="unknown variable ORDER_AMOUNTT"):
        run("ORDER_AMOUNTT + 1")


def test_known_variable_not_supplied_is_missing() -> None:
    assert run("DEFAULT_TO(VOUCHER_PUBLISH_COUNT;0) + 1") == 1


def test_unknown_function_is_evaluation_error() -> None:
    with pytest.raises(FormulaEvaluationError, match="unknown function FOO"):
        run("FOO(1)")


def test_non_finite_variable_is_evaluation_error() -> None:
    with pytest.raises(FormulaEvaluationError, match="finite"):
        run("ORDER_AMOUNT", ORDER_AMOUNT=Decimal("NaN"))


def test_formula_lists_what_it_reads() -> None:
    formula = parse_formula('IF(ORDER_AMOUNT > 1;CUSTOMER_METADATA("age");0)')
    assert formula.variables == {"ORDER_AMOUNT"}
    assert formula.metadata_keys == {("CUSTOMER_METADATA", "age")}


def test_known_variables_include_the_documented_ones() -> None:
    assert {"ORDER_AMOUNT", "ORDER_UNITS_QUANTITY", "VOUCHER_PUBLISH_COUNT"} <= KNOWN_VARIABLES


# --------------------------------------------------------------------------- evaluate_number


def test_evaluate_number_returns_dynamic_value() -> None:
    ctx = context(ORDER_AMOUNT=Decimal("200"))
    assert evaluate_number("ORDER_AMOUNT * 0.1", ctx, Decimal(5)) == (Decimal("20.0"), True)


def test_evaluate_number_falls_back_on_evaluation_error() -> None:
    assert evaluate_number('ORDER_METADATA("x") * 2', context(), Decimal(5)) == (Decimal(5), False)


def test_evaluate_number_falls_back_on_syntax_error() -> None:
    assert evaluate_number("IF(", context(), Decimal(5)) == (Decimal(5), False)


def test_evaluate_number_falls_back_on_non_numeric_result() -> None:
    assert evaluate_number('"VIP"', context(), Decimal(5)) == (Decimal(5), False)
    assert evaluate_number("1 < 2", context(), Decimal(5)) == (Decimal(5), False)


def test_evaluate_number_accepts_numeric_text_result() -> None:
    ctx = context({"CUSTOMER_METADATA": {"age": "30"}})
    assert evaluate_number('CUSTOMER_METADATA("age")', ctx, Decimal(5)) == (Decimal(30), True)


# --------------------------------------------------------------------------- syntax errors


def test_syntax_error_reports_position() -> None:
    with pytest.raises(FormulaSyntaxError) as caught:
        parse_formula("IF(ORDER_AMOUNT > ;15;10)")
    assert (caught.value.position, caught.value.line, caught.value.column) == (18, 1, 19)
    assert "position 18" in str(caught.value)
    assert "';'" in caught.value.message


def test_syntax_error_at_end_of_input_points_past_the_text() -> None:
    text = "IF(ORDER_AMOUNT > 150;15"
    with pytest.raises(FormulaSyntaxError, match="end of formula") as caught:
        parse_formula(text)
    assert caught.value.position == len(text)


def test_syntax_error_reports_line_and_column() -> None:
    with pytest.raises(FormulaSyntaxError) as caught:
        parse_formula("IF(ORDER_AMOUNT > 150;\n  15 +;\n  10)")
    assert (caught.value.line, caught.value.column) == (2, 7)


def test_unexpected_character_is_syntax_error() -> None:
    with pytest.raises(FormulaSyntaxError, match="'#'") as caught:
        parse_formula("ORDER_AMOUNT # 2")
    assert caught.value.position == 13


def test_empty_formula_is_syntax_error() -> None:
    with pytest.raises(FormulaSyntaxError, match="empty"):
        parse_formula("   ")


def test_wrong_argument_count_is_syntax_error() -> None:
    with pytest.raises(FormulaSyntaxError, match="IF takes 3"):
        parse_formula("IF(TRUE;1)")
    with pytest.raises(FormulaSyntaxError, match="POW takes 2"):
        parse_formula("POW(2)")


def test_excessive_nesting_is_syntax_error() -> None:
    with pytest.raises(FormulaSyntaxError, match="nested too deeply"):
        parse_formula("-" * 5000 + "1")


def test_over_long_formula_is_syntax_error() -> None:
    with pytest.raises(FormulaSyntaxError, match="longer than"):
        parse_formula("1" + " + 1" * 5000)


def test_errors_share_one_base_class() -> None:
    assert issubclass(FormulaSyntaxError, FormulaError)
    assert issubclass(FormulaMissingValueError, FormulaEvaluationError)
    assert issubclass(FormulaEvaluationError, FormulaError)


# --------------------------------------------------------------------------- check_formula, cache


def test_check_formula_accepts_valid_formula() -> None:
    check_formula('IF(ORDER_AMOUNT > 150;ROUND(ORDER_AMOUNT * 0.1;2);CUSTOMER_METADATA("x"))')


def test_check_formula_rejects_unknown_variable() -> None:
    with pytest.raises(FormulaSyntaxError, match="unknown variable 'ORDER_AMOUNTT'") as caught:
        check_formula("IF(ORDER_AMOUNTT > 150;15;10)")
    assert caught.value.position == 3


def test_check_formula_rejects_unknown_function() -> None:
    with pytest.raises(FormulaSyntaxError, match="unknown function 'ROUNDUP'") as caught:
        check_formula("1 + ROUNDUP(2)")
    assert caught.value.position == 4


def test_check_formula_rejects_syntax_errors() -> None:
    with pytest.raises(FormulaSyntaxError):
        check_formula("IF(ORDER_AMOUNT > ;15;10)")


def test_parse_formula_is_cached() -> None:
    assert parse_formula("ORDER_AMOUNT + 1") is parse_formula("ORDER_AMOUNT + 1")


# --------------------------------------------------------------------------- properties

# Bounded so that every exact result fits Decimal's default 28 digits used by the assertions.
money = st.decimals(
    min_value=Decimal("-1e12"),
    max_value=Decimal("1e12"),
    places=6,
    allow_nan=False,
    allow_infinity=False,
)


@given(money, money)
def test_property_addition_is_exact(a: Decimal, b: Decimal) -> None:
    assert run(f"{fmt(a)} + {fmt(b)}") == a + b


@given(money, money)
def test_property_subtraction_through_variables_is_exact(a: Decimal, b: Decimal) -> None:
    assert run("ORDER_AMOUNT - ORDER_TOTAL_AMOUNT", ORDER_AMOUNT=a, ORDER_TOTAL_AMOUNT=b) == a - b


# Products of two of these fit the formula engine's 34 significant digits.
prices = st.decimals(
    min_value=Decimal("-1e9"),
    max_value=Decimal("1e9"),
    places=4,
    allow_nan=False,
    allow_infinity=False,
)


@given(prices, prices)
def test_property_multiplication_is_exact(a: Decimal, b: Decimal) -> None:
    with localcontext(prec=60):
        exact = a * b
    assert run(f"{fmt(a)} * {fmt(b)}") == exact


@given(money, money)
def test_property_min_never_exceeds_max(a: Decimal, b: Decimal) -> None:
    assert run(f"MIN({fmt(a)};{fmt(b)}) <= MAX({fmt(a)};{fmt(b)})") is True


@given(money)
def test_property_round_two_places_is_within_half_a_cent(x: Decimal) -> None:
    rounded = run("ROUND(ORDER_AMOUNT;2)", ORDER_AMOUNT=x)
    assert isinstance(rounded, Decimal)
    assert abs(rounded - x) <= Decimal("0.005")
    assert rounded == rounded.quantize(Decimal("0.01"))


@given(money)
def test_property_floor_never_exceeds_ceil(x: Decimal) -> None:
    assert run("FLOOR(ORDER_AMOUNT;1) <= CEIL(ORDER_AMOUNT;1)", ORDER_AMOUNT=x) is True


def _only_formula_errors(text: str) -> None:
    ctx = context({"ORDER_METADATA": {"a": "1", "b": [1, "x"]}}, ORDER_AMOUNT=Decimal("10"))
    for attempt in (check_formula, lambda t: evaluate_formula(t, ctx)):
        with contextlib.suppress(FormulaError):
            attempt(text)


@given(st.text(max_size=200))
def test_property_random_text_raises_only_formula_errors(text: str) -> None:
    _only_formula_errors(text)


_TOKENS = [
    *'()();;;+-*/%<>=!"',
    "\u00d7",
    "\u00f7",
    "1",
    "0",
    "2.5",
    "150",
    '"VIP"',
    "TRUE",
    "FALSE",
    "AND",
    "or",
    "is",
    "isNot",
    "contains",
    "ORDER_AMOUNT",
    "ORDER_ITEMS_QUANTITY",
    'ORDER_METADATA("a")',
    'ORDER_METADATA("b")',
    'ORDER_METADATA("zz")',
    "IF(",
    "SWITCH(",
    "SWITCH_CASE(",
    "MIN(",
    "MAX(",
    "POW(",
    "ROUND(",
    "FLOOR(",
    "CEIL(",
    "DEFAULT_TO(",
    "IN_ARRAY(",
    "TODAY()",
    "DAYS_SINCE(",
    "UNKNOWN",
]


@given(st.lists(st.sampled_from(_TOKENS), max_size=25).map(" ".join))
def test_property_token_soup_raises_only_formula_errors(text: str) -> None:
    _only_formula_errors(text)
