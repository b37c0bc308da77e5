"""What a segment filter sees of a customer: its wire object, flattened to filter keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from voucherd.customers.models import Customer
from voucherd.customers.serializers import customer_body
from voucherd.segments.filters import FIELDS, CustomerFacts


def _flatten(prefix: str, value: Any, into: dict[str, Any]) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}", inner, into)
    else:
        into[prefix] = value


def customer_facts(customer: Customer) -> CustomerFacts:
    """The customer as filters read it: the summary and address as the API shows them (one
    computation of `average_amount` and friends: `customer_body`'s), dates as date-times."""
    body = customer_body(customer)
    flat: dict[str, Any] = {}
    _flatten("summary", body["summary"], flat)
    _flatten("address", body["address"] or {}, flat)
    fields = {key: flat.get(key, body.get(key)) for key in FIELDS}
    fields.update(
        birthdate=customer.birthdate,
        birthday=customer.birthdate,
        created_at=customer.created_at,
        updated_at=customer.updated_at,
    )
    fields["summary.orders.last_order_date"] = customer.last_order_date
    return CustomerFacts(fields, customer.metadata_ or {})


def unknown_customer_facts(key: str) -> CustomerFacts:
    """A customer voucherd does not track yet, named by `key` (taken as its source_id), as
    it would be once created: `GET /v1/customers/{key}/segments` answers with the segments
    it would qualify for (Voucherify's rule). No id and no creation time yet."""
    new = Customer(
        source_id=key,
        metadata_={},
        orders_total_amount=0,
        orders_total_count=0,
        redemptions_succeeded=0,
        redemptions_failed=0,
        redemptions_rolled_back=0,
        gift_redeemed_amount=0,
        loyalty_redeemed_points=0,
    )
    return customer_facts(new)
