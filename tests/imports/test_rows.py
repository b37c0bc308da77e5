"""CSV records to request bodies (pure): columns, conversions, and the column a bad value names."""

from __future__ import annotations

import pytest

from voucherd.imports import rows
from voucherd.imports.rows import RowError


def test_a_discount_voucher_row_with_metadata_columns() -> None:
    body, quantity, amount = rows.voucher(
        {
            "Code": "A-1",
            "Voucher Type": "discount_voucher",
            "Value": "1000",
            "Discount Type": "amount",
            "Redemption Limit": "5",
            "Redeemed Quantity": "2",
            "Active": "FALSE",
            "Start Date": "2030-03-11T09",
            "Color": "red",
            "Empty": "",
        }
    )
    assert body == {
        "code": "A-1",
        "type": "DISCOUNT_VOUCHER",
        "metadata": {"Color": "red"},
        "discount": {"type": "AMOUNT", "amount_off": 1000},
        "active": False,
        "redemption": {"quantity": 5},
        "start_date": "2030-03-11T09:00:00",
    }
    assert (quantity, amount) == (2, 0)


def test_percent_values_may_be_fractional_and_gift_and_loyalty_values_are_amounts() -> None:
    percent, _, _ = rows.voucher({"Code": "P", "Value": "12.5", "Discount Type": "PERCENT"})
    assert percent["discount"] == {"type": "PERCENT", "percent_off": 12.5}
    gift, _, _ = rows.voucher({"Code": "G", "Voucher Type": "GIFT_VOUCHER", "Value": "5000"})
    assert gift["gift"] == {"amount": 5000}
    card, _, _ = rows.voucher({"Code": "L", "Voucher Type": "LOYALTY_CARD"})
    assert card["loyalty_card"] == {"points": 0}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"Code": "A", "Value": "ten", "Discount Type": "AMOUNT"}, "Value"),
        ({"Code": "A", "Value": "1.5", "Discount Type": "AMOUNT"}, "Value"),
        ({"Code": "A", "Value": "10"}, "Discount Type"),
        ({"Code": "A", "Discount Type": "PERCENT"}, "Value"),
        ({"Code": "A", "Voucher Type": "COUPON", "Value": "1"}, "Voucher Type"),
        ({"Code": "A", "Voucher Type": "GIFT_VOUCHER"}, "Value"),
        ({"Code": "A", "Value": "1", "Discount Type": "UNIT", "Active": "maybe"}, "Active"),
        (
            {"Code": "A", "Value": "1", "Discount Type": "UNIT", "Expiration Date": "x"},
            "Expiration Date",
        ),
        (
            {"Code": "A", "Value": "1", "Discount Type": "UNIT", "Redeemed Amount": "-1"},
            "Redeemed Amount",
        ),
    ],
)
def test_a_bad_value_names_its_column(values: dict[str, str], field: str) -> None:
    with pytest.raises(RowError) as raised:
        rows.voucher(values)
    assert raised.value.field == field


def test_campaign_voucher_rows_take_only_per_code_columns() -> None:
    body, quantity, amount = rows.campaign_voucher(
        {
            "Code": "C",
            "Gift Amount": "300",
            "Loyalty Points": "7",
            "Redeemed Amount": "100",
            "X": "y",
        }
    )
    assert body == {
        "code": "C",
        "metadata": {"X": "y"},
        "gift": {"amount": 300},
        "loyalty_card": {"points": 7},
    }
    assert (quantity, amount) == (0, 100)


def test_customer_rows_gather_the_address_and_read_the_birthdate() -> None:
    body = rows.customer(
        {
            "Source_id": "c-1",
            "Name": "Ann",
            "Address_City": "Oslo",
            "Address_Postal_Code": "0150",
            "Birthdate": "1990-05-01",
            "VIP": "yes",
        }
    )
    assert body == {
        "source_id": "c-1",
        "name": "Ann",
        "address": {"city": "Oslo", "postal_code": "0150"},
        "birthdate": "1990-05-01",
        "metadata": {"VIP": "yes"},
    }


def test_product_and_sku_rows() -> None:
    assert rows.product({"name": "Shirt", "attributes": "color, size,", "price": "100"}) == {
        "name": "Shirt",
        "metadata": {},
        "price": 100,
        "attributes": ["color", "size"],
    }
    with pytest.raises(RowError, match="needs a name"):
        rows.product({"source_id": "p"})
    assert rows.sku({"product_id": "p", "source_id": "s", "attributes": '{"a": 1}'}) == (
        "p",
        {"source_id": "s", "metadata": {}, "attributes": {"a": 1}},
    )
    for bad in ({"product_id": "p"}, {"product_id": "p", "source_id": "s", "attributes": "[1]"}):
        with pytest.raises(RowError):
            rows.sku(bad)
