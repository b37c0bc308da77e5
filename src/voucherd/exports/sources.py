"""The seven exported objects of Voucherify's `ExportsCreateRequestBody`, field by field.

Field names, defaults and orders are the spec's (`Export<Object>Fields`, `…Order`, the
"Defaults" table of Create Export). Exports are a read-only report over other domains'
tables, so this module reads their models; it never writes them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, literal
from sqlalchemy.orm import aliased

from voucherd.campaigns.models import Campaign
from voucherd.customers.models import Customer
from voucherd.exports.catalogue import (
    Expr,
    Field,
    Kind,
    Row,
    Source,
    column,
    computed,
    constant,
)
from voucherd.orders.models import Order
from voucherd.publications.models import Publication
from voucherd.redemptions.models import Redemption
from voucherd.vouchers.models import PointsBucket, Voucher, VoucherTransaction

S, N, T, B = Kind.STRING, Kind.NUMBER, Kind.DATETIME, Kind.BOOLEAN

# -- voucher ---------------------------------------------------------------------------------

V = Voucher
Holder = aliased(Customer, name="holder")
# The discount field holding each discount type's value (and its formula, `<key>_formula`).
_DISCOUNT_VALUE = {
    "AMOUNT": "amount_off",
    "PERCENT": "percent_off",
    "UNIT": "unit_off",
    "FIXED": "fixed_amount",
}


def _discount(key: str) -> Field:
    return computed({"_discount": V.discount}, lambda row: (row["_discount"] or {}).get(key))


def _voucher_value(row: Row) -> Any:
    """Voucherify's `value`: the discount's amount, percent or units; a gift card's balance;
    a loyalty card's points."""
    if row["_type"] == "GIFT_VOUCHER":
        return row["_gift_balance"]
    if row["_type"] == "LOYALTY_CARD":
        return row["_loyalty_balance"]
    discount = row["_discount"] or {}
    return discount.get(_DISCOUNT_VALUE.get(discount.get("type", ""), "amount_off"))


def _voucher_formula(row: Row) -> Any:
    discount = row["_discount"] or {}
    key = _DISCOUNT_VALUE.get(discount.get("type", ""), "amount_off")
    return discount.get(f"{key}_formula")


_VALUE_COLUMNS: dict[str, Expr] = {
    "_type": V.type,
    "_discount": V.discount,
    "_gift_balance": V.gift_balance,
    "_loyalty_balance": V.loyalty_balance,
}

VOUCHER = Source(
    name="voucher",
    id_column=V.id,
    project_column=V.project_id,
    fields={
        "code": column("code", V.code),
        "voucher_type": column("voucher_type", V.type),
        "value": computed(_VALUE_COLUMNS, _voucher_value),
        "formula": computed({"_discount": V.discount}, _voucher_formula),
        "discount_type": _discount("type"),
        "campaign": column("campaign", V.campaign_name),
        "category": column("category", V.category),
        "start_date": column("start_date", V.start_date, T),
        "expiration_date": column("expiration_date", V.expiration_date, T),
        "gift_balance": column("gift_balance", V.gift_balance, N),
        "loyalty_balance": column("loyalty_balance", V.loyalty_balance, N),
        "redemption_quantity": column("redemption_quantity", V.redemption_quantity, N),
        "redemption_count": column("redemption_count", V.redeemed_quantity, N),
        "active": column("active", V.active, B),
        "metadata": column("metadata", V.metadata_),
        "id": column("id", V.id),
        "is_referral_code": column("is_referral_code", V.is_referral_code, B),
        "created_at": column("created_at", V.created_at, T),
        "updated_at": column("updated_at", V.updated_at, T),
        # voucherd refuses validity windows and validation rules on create, so none is set.
        "validity_timeframe_interval": constant(None),
        "validity_timeframe_duration": constant(None),
        "validity_day_of_week": constant(None),
        "validation_rules_id": constant(None),
        "discount_amount_limit": _discount("amount_limit"),
        "campaign_id": column("campaign_id", V.campaign_id),
        "additional_info": column("additional_info", V.additional_info),
        "customer_id": column("customer_id", V.holder_id),
        "discount_effect": _discount("effect"),
        "discount_unit_type": _discount("unit_type"),
        "discount_unit_effect": computed(
            {"_discount": V.discount},
            lambda row: (
                (row["_discount"] or {}).get("effect")
                if (row["_discount"] or {}).get("type") == "UNIT"
                else None
            ),
        ),
        "customer_source_id": column(
            "customer_source_id",
            Holder.source_id,
            S,
            "holder",
        ),
    },
    defaults=("code", "voucher_type", "value", "discount_type"),
    orders={"created_at": V.created_at, "updated_at": V.updated_at, "code": V.code},
    joins={"holder": (Holder, Holder.id == V.holder_id)},
    metadata=V.metadata_,
    # Voucher assets (QR codes, barcodes) are not served yet.
    unsupported=frozenset({"qr_code", "bar_code"}),
    unsupported_filter_prefixes=("redemption.",),
)

# -- redemption ------------------------------------------------------------------------------

R = Redemption
RVoucher = aliased(Voucher, name="r_voucher")
RCustomer = aliased(Customer, name="r_customer")
ROrder = aliased(Order, name="r_order")
RCampaign = aliased(Campaign, name="r_campaign")

REDEMPTION = Source(
    name="redemption",
    id_column=R.id,
    project_column=R.project_id,
    fields={
        "id": column("id", R.id),
        "object": column("object", R.object),
        "date": column("date", R.created_at, T),
        "voucher_code": column("voucher_code", RVoucher.code, S, "voucher"),
        "campaign": column("campaign", RCampaign.name, S, "campaign"),
        "promotion_tier_id": computed(
            {"_rel_type": R.related_object_type, "_rel_id": R.related_object_id},
            lambda row: row["_rel_id"] if row["_rel_type"] == "promotion_tier" else None,
        ),
        "customer_id": column("customer_id", R.customer_id),
        "customer_source_id": column(
            "customer_source_id",
            RCustomer.source_id,
            S,
            "customer",
        ),
        "customer_name": column("customer_name", RCustomer.name, S, "customer"),
        "tracking_id": column("tracking_id", R.tracking_id),
        "order_id": column("order_id", R.order_id),
        "order_amount": column("order_amount", ROrder.amount, N, "order"),
        "gift_amount": column("gift_amount", R.gift_credits, N),
        "loyalty_points": column("loyalty_points", R.points, N),
        "result": column("result", R.result),
        "failure_code": column("failure_code", R.failure_code),
        "failure_message": column("failure_message", R.failure_message),
        "metadata": column("metadata", R.metadata_),
    },
    defaults=("id", "object", "voucher_code", "customer_id", "date", "result"),
    orders={
        "id": R.id,
        "voucher_code": RVoucher.code,
        "tracking_id": R.tracking_id,
        "customer_id": R.customer_id,
        "created_at": R.created_at,
    },
    joins={
        "voucher": (RVoucher, RVoucher.id == R.voucher_id),
        "customer": (RCustomer, RCustomer.id == R.customer_id),
        "order": (ROrder, ROrder.id == R.order_id),
        "campaign": (RCampaign, RCampaign.id == R.campaign_id),
    },
    metadata=R.metadata_,
)

# -- customer --------------------------------------------------------------------------------

C = Customer


def _address(key: str) -> Field:
    name = f"address_{key}"
    return column(name, C.address[key].as_string())


def _average(row: Row) -> int:
    count = row["_orders_count"] or 0
    # Integer division, as the customer object's summary answers it.
    return (row["_orders_amount"] or 0) // count if count else 0


CUSTOMER = Source(
    name="customer",
    id_column=C.id,
    project_column=C.project_id,
    fields={
        "name": column("name", C.name),
        "id": column("id", C.id),
        "description": column("description", C.description),
        "email": column("email", C.email),
        "source_id": column("source_id", C.source_id),
        "created_at": column("created_at", C.created_at, T),
        "updated_at": column("updated_at", C.updated_at, T),
        "address_city": _address("city"),
        "address_state": _address("state"),
        "address_line_1": _address("line_1"),
        "address_line_2": _address("line_2"),
        "address_country": _address("country"),
        "address_postal_code": _address("postal_code"),
        "redemptions_total_redeemed": column(
            "redemptions_total_redeemed",
            C.redemptions_succeeded + C.redemptions_failed,
            N,
        ),
        "redemptions_total_failed": column("redemptions_total_failed", C.redemptions_failed, N),
        "redemptions_total_succeeded": column(
            "redemptions_total_succeeded",
            C.redemptions_succeeded,
            N,
        ),
        "redemptions_total_rolled_back": column(
            "redemptions_total_rolled_back",
            C.redemptions_rolled_back,
            N,
        ),
        # The customer object's summary answers 0 here (rollbacks never fail in voucherd).
        "redemptions_total_rollback_failed": constant(0),
        "redemptions_total_rollback_succeeded": column(
            "redemptions_total_rollback_succeeded",
            C.redemptions_rolled_back,
            N,
        ),
        "orders_total_amount": column("orders_total_amount", C.orders_total_amount, N),
        "orders_total_count": column("orders_total_count", C.orders_total_count, N),
        "orders_average_amount": computed(
            {"_orders_amount": C.orders_total_amount, "_orders_count": C.orders_total_count},
            _average,
        ),
        "orders_last_order_amount": column(
            "orders_last_order_amount",
            C.last_order_amount,
            N,
        ),
        "orders_last_order_date": column("orders_last_order_date", C.last_order_date, T),
        # As the customer object answers them (`loyalty.points`, `referred_customers`).
        "loyalty_points": constant(0),
        "loyalty_referred_customers": constant(0),
        "phone": column("phone", C.phone),
        "birthday": column("birthday", C.birthdate),
        "birthdate": column("birthdate", C.birthdate),
        "metadata": column("metadata", C.metadata_),
    },
    defaults=("name", "source_id"),
    orders={
        "name": C.name,
        "id": C.id,
        "email": C.email,
        "source_id": C.source_id,
        "created_at": C.created_at,
        "updated_at": C.updated_at,
    },
    metadata=C.metadata_,
    unsupported_filter_prefixes=(
        "address.",
        "summary.",
        "loyalty.",
        "loyalty_tier.",
        "loyalty_points.",
        "system_metadata.",
    ),
)

# -- publication -----------------------------------------------------------------------------

P = Publication
PCustomer = aliased(Customer, name="p_customer")
PCampaign = aliased(Campaign, name="p_campaign")

PUBLICATION = Source(
    name="publication",
    id_column=P.id,
    project_column=P.project_id,
    fields={
        "voucher_code": column("voucher_code", P.voucher_code),
        "customer_id": column("customer_id", P.customer_id),
        "customer_source_id": column(
            "customer_source_id",
            PCustomer.source_id,
            S,
            "customer",
        ),
        "date": column("date", P.created_at, T),
        "channel": column("channel", P.channel),
        "campaign": column("campaign", PCampaign.name, S, "campaign"),
        # Giveaway draws (the only winners) do not exist in voucherd.
        "is_winner": constant(False),
        "metadata": column("metadata", P.metadata_),
    },
    # The Defaults table says `code`; the field enum calls that column `voucher_code`.
    defaults=("voucher_code", "customer_id", "date", "channel"),
    orders={
        "id": P.id,
        "voucher_code": P.voucher_code,
        "tracking_id": P.tracking_id,
        "customer_id": P.customer_id,
        "created_at": P.created_at,
        "channel": P.channel,
    },
    joins={
        "customer": (PCustomer, PCustomer.id == P.customer_id),
        "campaign": (PCampaign, PCampaign.id == P.campaign_id),
    },
    metadata=P.metadata_,
)

# -- order -----------------------------------------------------------------------------------

O = Order  # noqa: E741
_TOTAL_DISCOUNT = O.discount_amount + O.items_discount_amount

ORDER = Source(
    name="order",
    id_column=O.id,
    project_column=O.project_id,
    fields={
        "id": column("id", O.id),
        "source_id": column("source_id", O.source_id),
        "created_at": column("created_at", O.created_at, T),
        "updated_at": column("updated_at", O.updated_at, T),
        "status": column("status", O.status),
        "amount": column("amount", O.amount, N),
        "discount_amount": column("discount_amount", O.discount_amount, N),
        "items_discount_amount": column("items_discount_amount", O.items_discount_amount, N),
        "total_discount_amount": column("total_discount_amount", _TOTAL_DISCOUNT, N),
        "total_amount": column("total_amount", O.amount - _TOTAL_DISCOUNT, N),
        "customer_id": column("customer_id", O.customer_id),
        "referrer_id": column("referrer_id", O.referrer_id),
        "metadata": column("metadata", O.metadata_),
    },
    defaults=("id", "source_id", "status"),
    orders={"created_at": O.created_at, "updated_at": O.updated_at, "status": O.status},
    metadata=O.metadata_,
)

# -- points_expiration -----------------------------------------------------------------------

PB = PointsBucket

POINTS_EXPIRATION = Source(
    name="points_expiration",
    id_column=PB.id,
    project_column=PB.project_id,
    fields={
        "id": column("id", PB.id),
        "campaign_id": column("campaign_id", PB.campaign_id),
        "voucher_id": column("voucher_id", PB.voucher_id),
        "points": column("points", PB.remaining, N),
        # Buckets past their day are emptied by the expiry job; the rest are ACTIVE, as the
        # member's points-expiration list answers.
        "status": column("status", literal("ACTIVE")),
        "expires_at": column("expires_at", PB.expires_on, T),
    },
    defaults=("id", "campaign_id", "voucher_id", "status", "expires_at", "points"),
    orders={"expires_at": PB.expires_on},
    filter_keys=frozenset({"campaign_id", "voucher_id"}),
    metadata_filters=False,
    # Points that expire and are not spent yet: what the points-expiration list shows.
    where=(and_(PB.expires_on.is_not(None), PB.remaining > 0),),
)

# -- voucher_transactions --------------------------------------------------------------------

VT = VoucherTransaction


def _details(row: Row) -> dict[str, Any]:
    # Keys starting with `_` are voucherd's bookkeeping, never shown (see loyalty.serializers).
    return {k: v for k, v in (row["_details"] or {}).items() if not k.startswith("_")}


VOUCHER_TRANSACTIONS = Source(
    name="voucher_transactions",
    id_column=VT.id,
    project_column=VT.project_id,
    fields={
        "id": column("id", VT.id),
        "campaign_id": column("campaign_id", VT.campaign_id),
        "voucher_id": column("voucher_id", VT.voucher_id),
        "type": column("type", VT.type),
        "source_id": column("source_id", VT.source_id),
        "reason": column("reason", VT.reason),
        "source": computed(
            {"_details": VT.details},
            lambda row: (row["_details"] or {}).get("_source", "API"),
        ),
        "balance": column("balance", VT.balance_after, N),
        "amount": column("amount", VT.amount, N),
        "related_transaction_id": column("related_transaction_id", VT.related_transaction_id),
        "created_at": column("created_at", VT.created_at, T),
        "details": computed({"_details": VT.details}, _details),
    },
    # The Defaults table also names `status`, which is not in the field enum (and the SDK
    # refuses it): transactions have no status.
    defaults=("id", "type", "source_id", "reason", "source", "balance", "amount", "created_at"),
    orders={"created_at": VT.created_at},
    filter_keys=frozenset({"created_at", "voucher_id", "campaign_id"}),
    metadata_filters=False,
)

SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        VOUCHER,
        REDEMPTION,
        CUSTOMER,
        PUBLICATION,
        ORDER,
        POINTS_EXPIRATION,
        VOUCHER_TRANSACTIONS,
    )
}
