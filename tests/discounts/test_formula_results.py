"""Formula results no discount can hold fall back to the static value (never a 500 or a hang)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from voucherd.discounts.calculation import OrderInput, OrderItemInput, calculate_order
from voucherd.discounts.formula import FormulaContext, evaluate_number
from voucherd.discounts.resolve import formula_context, resolve_discount
from voucherd.kit.money import MAX_AMOUNT

ORDER = OrderInput(items=(OrderItemInput(quantity=1, price=5000, amount=None),))
NOW = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)
HOSTILE_METADATA = {"huge": 1e26, "nan": float("nan"), "inf": float("inf")}


def _context(**metadata: object) -> FormulaContext:
    return formula_context(
        ORDER, voucher_variables={}, metadata={"ORDER_METADATA": metadata}, now=NOW
    )


@pytest.mark.parametrize(
    "formula",
    [
        "POW(0;-1)",  # Infinity, which no decimal trap catches
        "POW(10;1000000000)",
        "POW(-8;0.5)",
        "1/0",
        "0/0",
        'ORDER_METADATA("nan")',
        'ORDER_METADATA("inf")',
        "POW(POW(10;999999);2)",
    ],
)
def test_undefined_or_non_finite_results_fall_back(formula: str) -> None:
    value, dynamic = evaluate_number(formula, _context(**HOSTILE_METADATA), Decimal(7))
    assert (value, dynamic) == (Decimal(7), False)


@pytest.mark.parametrize(
    "formula",
    [
        'ORDER_METADATA("huge")',  # 1e26 major units
        "POW(10;30)",
        "POW(10;999998)",
        "-POW(10;30)",
        str(MAX_AMOUNT // 100 + 1),  # a cent beyond the largest amount accepted
    ],
)
def test_amount_formulas_beyond_the_largest_amount_use_the_static_value(formula: str) -> None:
    discount = {"type": "AMOUNT", "amount_off": 700, "amount_off_formula": formula}
    resolved, dynamic = resolve_discount(discount, _context(**HOSTILE_METADATA))
    assert (resolved.amount_off, dynamic) == (700, False)
    fixed = {"type": "FIXED", "fixed_amount": 900, "fixed_amount_formula": formula}
    assert resolve_discount(fixed, _context(**HOSTILE_METADATA))[0].fixed_amount == 900


def test_the_largest_amount_itself_is_a_valid_result_capped_by_the_order() -> None:
    discount = {
        "type": "AMOUNT",
        "amount_off": 700,
        "amount_off_formula": str(MAX_AMOUNT // 100),
    }
    resolved, dynamic = resolve_discount(discount, _context())
    assert (resolved.amount_off, dynamic) == (MAX_AMOUNT, True)
    assert calculate_order(ORDER, [resolved]).applied == [5000]  # never more than the order


def test_unit_formulas_beyond_the_unit_bound_use_the_static_value() -> None:
    discount: dict[str, Any] = {
        "type": "UNIT",
        "effect": "ADD_MANY_ITEMS",
        "units": [{"unit_off": 2, "unit_off_formula": "POW(10;30)", "unit_type": "p1"}],
        "unit_off": 1,
        "unit_off_formula": 'ORDER_METADATA("huge")',
        "unit_type": "p1",
    }
    resolved, dynamic = resolve_discount(discount, _context(**HOSTILE_METADATA))
    assert (resolved.unit_off, dynamic) == (1, False)
    assert resolved.units[0].unit_off == 2


def test_a_huge_percent_is_clamped_to_the_whole_order() -> None:
    discount = {"type": "PERCENT", "percent_off": 10, "percent_off_formula": "POW(10;30)"}
    resolved, _ = resolve_discount(discount, _context())
    assert resolved.percent_off == Decimal(100)
    assert calculate_order(ORDER, [resolved]).applied == [5000]


def test_huge_exponents_are_answered_quickly() -> None:
    started = time.perf_counter()
    for formula in ("POW(10;1000000000)", "POW(1.0000001;1000000000)", "POW(2;999999999)"):
        evaluate_number(formula, _context(), Decimal(0))
    assert time.perf_counter() - started < 2  # decimal powers are O(log n): far below this


# --- over HTTP ----------------------------------------------------------------------------


async def test_a_runaway_formula_redeems_with_the_static_value(client: httpx.AsyncClient) -> None:
    # Voucherify: "if the formula cannot be calculated ... this value will be used", so the
    # redemption succeeds with the static amount rather than being refused.
    voucher = await client.post(
        "/v1/vouchers",
        json={
            "type": "DISCOUNT_VOUCHER",
            "discount": {
                "type": "AMOUNT",
                "amount_off": 700,
                "amount_off_formula": 'ORDER_METADATA("bonus")',
            },
        },
    )
    assert voucher.status_code == 200, voucher.text
    code = voucher.json()["code"]
    for bonus in (1e26, 1e300):
        body = {
            "redeemables": [{"object": "voucher", "id": code}],
            "order": {"amount": 5000, "metadata": {"bonus": bonus}},
        }
        validation = await client.post("/v1/validations", json=body)
        assert validation.status_code == 200, validation.text
        result = validation.json()["redeemables"][0]["result"]["discount"]
        assert result["is_dynamic"] is False
        resp = await client.post("/v1/redemptions", json=body)
        assert resp.status_code == 200, resp.text
        assert resp.json()["redemptions"][0]["amount"] == 700
        assert resp.json()["order"]["total_amount"] == 4300
