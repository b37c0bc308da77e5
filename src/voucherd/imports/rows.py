"""CSV records to request bodies (pure): Voucherify's column names per import, values
converted, unknown columns into `metadata`. A value that cannot be read is a `RowError`
naming its column; everything else is left to the request body models and the services."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from voucherd.imports.csvfile import normalize


class RowError(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _int(field: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise RowError(field, f"{field} must be a whole number, not '{value}'") from None


def _number(field: str, value: str) -> int | float:
    try:
        number = float(value)
    except ValueError:
        raise RowError(field, f"{field} must be a number, not '{value}'") from None
    return int(number) if number.is_integer() else number


_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f"}


def _bool(field: str, value: str) -> bool:
    folded = value.lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise RowError(field, f"{field} must be true or false, not '{value}'")


def _date(field: str, value: str) -> str:
    """Voucherify's import date forms, from YYYY-MM-DD to YYYY-MM-DDTHH:mm:ss.SSSZ; naive
    times are UTC."""
    text = value
    if len(text) == len("YYYY-MM-DDTHH") and text[10:11] in ("T", " "):
        text += ":00"  # fromisoformat wants minutes with an hour
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RowError(field, f"{field} must be an ISO 8601 date, not '{value}'") from None
    return moment.isoformat()


def _json_object(field: str, value: str) -> dict[str, Any]:
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise RowError(field, f"{field} must be a JSON object")
    return parsed


Columns = Mapping[str, str]  # normalized column name -> the name a report uses


def split(values: Mapping[str, str], known: Columns) -> tuple[dict[str, str], dict[str, str]]:
    """(known columns by normalized name, the rest as metadata by header), empty cells out."""
    fields: dict[str, str] = {}
    metadata: dict[str, str] = {}
    for header, value in values.items():
        if value == "":
            continue
        name = normalize(header)
        if name in known:
            fields[name] = value
        else:
            metadata[header] = value
    return fields, metadata


VOUCHER_COLUMNS: Columns = {
    "code": "Code",
    "voucher_type": "Voucher Type",
    "value": "Value",
    "discount_type": "Discount Type",
    "category": "Category",
    "start_date": "Start Date",
    "expiration_date": "Expiration Date",
    "redemption_limit": "Redemption Limit",
    "redeemed_quantity": "Redeemed Quantity",
    "redeemed_amount": "Redeemed Amount",
    "active": "Active",
    "additional_info": "Additional Info",
}

_DISCOUNT_VALUE = {"AMOUNT": "amount_off", "PERCENT": "percent_off", "UNIT": "unit_off"}


def voucher(values: Mapping[str, str]) -> tuple[dict[str, Any], int, int]:
    """A standalone voucher: (VoucherCreate body, redeemed quantity, redeemed amount)."""
    f, metadata = split(values, VOUCHER_COLUMNS)
    vtype = f.get("voucher_type", "DISCOUNT_VOUCHER").upper()
    body: dict[str, Any] = {"code": f.get("code"), "type": vtype, "metadata": metadata}
    value = f.get("value")
    if vtype == "DISCOUNT_VOUCHER":
        dtype = f.get("discount_type", "").upper()
        if dtype not in _DISCOUNT_VALUE:
            raise RowError("Discount Type", "Discount Type must be AMOUNT, PERCENT or UNIT")
        if value is None:
            raise RowError("Value", "A discount voucher needs a Value")
        number = _number("Value", value) if dtype == "PERCENT" else _int("Value", value)
        body["discount"] = {"type": dtype, _DISCOUNT_VALUE[dtype]: number}
    elif vtype == "GIFT_VOUCHER":
        if value is None:
            raise RowError("Value", "A gift voucher needs a Value (its amount)")
        body["gift"] = {"amount": _int("Value", value)}
    elif vtype == "LOYALTY_CARD":
        body["loyalty_card"] = {"points": _int("Value", value) if value else 0}
    else:
        raise RowError(
            "Voucher Type", "Voucher Type must be DISCOUNT_VOUCHER, GIFT_VOUCHER or LOYALTY_CARD"
        )
    _common(f, body)
    if "redemption_limit" in f:
        body["redemption"] = {"quantity": _int("Redemption Limit", f["redemption_limit"])}
    for name in ("start_date", "expiration_date"):
        if name in f:
            body[name] = _date(VOUCHER_COLUMNS[name], f[name])
    return body, *_counters(f)


CAMPAIGN_VOUCHER_COLUMNS: Columns = {
    "code": "Code",
    "category": "Category",
    "active": "Active",
    "gift_amount": "Gift Amount",
    "redeemed_amount": "Redeemed Amount",
    "redeemed_quantity": "Redeemed Quantity",
    "loyalty_points": "Loyalty Points",
    "additional_info": "Additional Info",
}


def campaign_voucher(values: Mapping[str, str]) -> tuple[dict[str, Any], int, int]:
    """A code for a campaign (discount, dates and rules come from the campaign)."""
    f, metadata = split(values, CAMPAIGN_VOUCHER_COLUMNS)
    body: dict[str, Any] = {"code": f.get("code"), "metadata": metadata}
    if "gift_amount" in f:
        body["gift"] = {"amount": _int("Gift Amount", f["gift_amount"])}
    if "loyalty_points" in f:
        body["loyalty_card"] = {"points": _int("Loyalty Points", f["loyalty_points"])}
    _common(f, body)
    return body, *_counters(f)


def _common(f: Mapping[str, str], body: dict[str, Any]) -> None:
    if "category" in f:
        body["category"] = f["category"]
    if "active" in f:
        body["active"] = _bool("Active", f["active"])
    if "additional_info" in f:
        body["additional_info"] = f["additional_info"]


def _counters(f: Mapping[str, str]) -> tuple[int, int]:
    quantity = _int("Redeemed Quantity", f.get("redeemed_quantity", "0"))
    amount = _int("Redeemed Amount", f.get("redeemed_amount", "0"))
    if quantity < 0 or amount < 0:
        field = "Redeemed Quantity" if quantity < 0 else "Redeemed Amount"
        raise RowError(field, f"{field} must not be negative")
    return quantity, amount


CUSTOMER_COLUMNS: Columns = {
    "id": "Id",
    "name": "Name",
    "email": "Email",
    "phone": "Phone",
    "birthdate": "Birthdate",
    "birthday": "Birthday",
    "source_id": "Source_id",
    "description": "Description",
    "address_line_1": "Address_line_1",
    "address_line_2": "Address_line_2",
    "address_postal_code": "Address_Postal_Code",
    "address_city": "Address_City",
    "address_state": "Address_State",
    "address_country": "Address_Country",
}


def customer(values: Mapping[str, str]) -> dict[str, Any]:
    f, metadata = split(values, CUSTOMER_COLUMNS)
    body: dict[str, Any] = {"metadata": metadata}
    address: dict[str, str] = {}
    for name, value in f.items():
        if name.startswith("address_"):
            address[name.removeprefix("address_")] = value
        elif name in ("birthdate", "birthday"):
            body[name] = _date(CUSTOMER_COLUMNS[name], value)[:10]
        else:
            body[name] = value
    if address:
        body["address"] = address
    return body


PRODUCT_COLUMNS: Columns = {
    "name": "name",
    "source_id": "source_id",
    "price": "price",
    "attributes": "attributes",
    "image_url": "image_url",
}


def product(values: Mapping[str, str]) -> dict[str, Any]:
    f, metadata = split(values, PRODUCT_COLUMNS)
    if "name" not in f:
        raise RowError("name", "A product needs a name")
    body: dict[str, Any] = {"name": f["name"], "metadata": metadata}
    if "source_id" in f:
        body["source_id"] = f["source_id"]
    _price_and_image(f, body)
    if "attributes" in f:
        body["attributes"] = [a.strip() for a in f["attributes"].split(",") if a.strip()]
    return body


def _price_and_image(f: Mapping[str, str], body: dict[str, Any]) -> None:
    if "price" in f:
        body["price"] = _int("price", f["price"])
    if "image_url" in f:
        body["image_url"] = f["image_url"]


SKU_COLUMNS: Columns = {
    "product_id": "product_id",
    "source_id": "source_id",
    "sku": "sku",
    "price": "price",
    "image_url": "image_url",
    "attributes": "attributes",
}


def sku(values: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
    """(the product's id or source_id, SkuCreate body)."""
    f, metadata = split(values, SKU_COLUMNS)
    for required in ("product_id", "source_id"):
        if required not in f:
            raise RowError(required, f"A SKU needs {required}")
    body: dict[str, Any] = {"source_id": f["source_id"], "metadata": metadata}
    if "sku" in f:
        body["sku"] = f["sku"]
    _price_and_image(f, body)
    if "attributes" in f:
        body["attributes"] = _json_object("attributes", f["attributes"])
    return f["product_id"], body


RowMapper = Callable[[Mapping[str, str]], Any]
