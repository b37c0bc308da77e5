"""Customers on the wire: the full object and Voucherify's `SimpleCustomer`."""

from __future__ import annotations

from typing import Any

from voucherd.customers.models import Customer
from voucherd.kit.timefmt import iso, iso_date


def simple_customer(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "name": customer.name,
        "email": customer.email,
        "source_id": customer.source_id,
        "metadata": customer.metadata_ or {},
        "object": "customer",
    }


def customer_body(customer: Customer) -> dict[str, Any]:
    orders_count = customer.orders_total_count
    average = customer.orders_total_amount // orders_count if orders_count else 0
    return {
        "id": customer.id,
        "source_id": customer.source_id,
        "name": customer.name,
        "description": customer.description,
        "email": customer.email,
        "phone": customer.phone,
        "birthday": iso_date(customer.birthdate),
        "birthdate": iso_date(customer.birthdate),
        "address": customer.address,
        "summary": {
            "redemptions": {
                "total_redeemed": customer.redemptions_succeeded + customer.redemptions_failed,
                "total_failed": customer.redemptions_failed,
                "total_succeeded": customer.redemptions_succeeded,
                "total_rolled_back": customer.redemptions_rolled_back,
                "total_rollback_failed": 0,
                "total_rollback_succeeded": customer.redemptions_rolled_back,
                "gift": {"redeemed_amount": customer.gift_redeemed_amount, "amount_to_go": 0},
                "loyalty_card": {
                    "redeemed_points": customer.loyalty_redeemed_points,
                    "points_to_go": 0,
                },
            },
            "orders": {
                "total_amount": customer.orders_total_amount,
                "total_count": orders_count,
                # Integer division: the SDK types average_amount as a strict int.
                "average_amount": average,
                "last_order_amount": customer.last_order_amount,
                "last_order_date": iso(customer.last_order_date),
            },
        },
        "loyalty": {"points": 0, "referred_customers": 0, "campaigns": {}},
        "referrals": customer.referrals or {"total": 0, "campaigns": []},
        "metadata": customer.metadata_ or {},
        "system_metadata": {},
        "created_at": iso(customer.created_at),
        "updated_at": iso(customer.updated_at),
        "object": "customer",
    }
