"""`POST /v1/customers/{id}/permanent-deletion`: erase a customer's personal data everywhere.

Unlike `DELETE /v1/customers/{id}` (the profile row only), this also erases every copy of the
person kept elsewhere: event payloads (and with them webhook send-outs still to be delivered,
which are built from the event), redemption and order snapshots, stored idempotent responses.
Ledgers, redemptions and orders stay, keyed by the customer's random id, so balances and
reports still add up; they just no longer say who it was.

What counts as personal: name, email, phone, address, birthdate, description, metadata and
`source_id` (shops often use the email as source_id). In a copy of the customer object (any
JSON object whose `id` is the customer's) those fields are cleared; elsewhere, a string equal
to the name, email, phone or source_id is cleared, and the email, phone or source_id inside a
longer string is replaced by "[erased]".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.customers import repository
from voucherd.customers.models import Customer
from voucherd.customers.serializers import customer_body
from voucherd.events.service import count_customer_events, record_event
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.erasure import Redact, scrub
from voucherd.kit.errors import NotFound
from voucherd.kit.ids import Prefix, new_id
from voucherd.kit.timefmt import iso

_PERSONAL = ("name", "email", "phone", "address", "birthdate", "birthday", "description")
_ERASED = "[erased]"
# Shorter values are not searched for inside longer strings: "Al" would mangle every text.
_MIN_SUBSTRING = 5


def redactor(customer: Customer) -> Redact:
    exact = {v for v in (customer.name, customer.email, customer.phone, customer.source_id) if v}
    inner = [
        v
        for v in (customer.email, customer.phone, customer.source_id)
        if v and len(v) >= _MIN_SUBSTRING
    ]

    def redact(value: Any) -> Any:
        if isinstance(value, dict):
            out = {key: redact(item) for key, item in value.items()}
            if out.get("id") == customer.id:
                for field in (*_PERSONAL, "source_id"):
                    if field in out:
                        out[field] = None
                if isinstance(out.get("metadata"), dict):
                    out["metadata"] = {}
            return out
        if isinstance(value, list):
            return [redact(item) for item in value]
        if isinstance(value, str):
            if value in exact:
                return None
            for needle in inner:
                value = value.replace(needle, _ERASED)
        return value

    return redact


async def permanently_delete(
    session: AsyncSession, ctx: RequestContext, key: str
) -> dict[str, Any]:
    found = await repository.get_by_id_or_source_id(session, ctx.project_id, key)
    if found is None:
        raise NotFound("customer", key)
    await repository.lock(session, [found.id])
    customer = found
    customer_events = await count_customer_events(session, ctx.project_id, customer.id)
    order_events = await count_customer_events(
        session, ctx.project_id, customer.id, type_prefix="customer.order."
    )
    needles = [customer.id, *(v for v in (customer.email, customer.source_id) if v)]
    # Flush first: the scrub reads rows with SQL, and must see this unit of work's writes.
    await session.flush()
    changed = await scrub(
        session, ctx.project_id, needles, redactor(customer), skip=frozenset({"customers"})
    )
    for field in _PERSONAL:
        setattr(customer, field if field != "birthday" else "birthdate", None)
    customer.source_id = None
    customer.metadata_ = {}
    body = customer_body(customer)
    await session.delete(customer)
    await session.flush()
    # Receivers keep their own copies: they are told, without the data they must erase.
    await record_event(
        session, ctx, "customer.deleted", entity_id=customer.id, data={"customer": body}
    )
    return {
        "id": new_id(Prefix.PERMANENT_DELETION),
        "created_at": iso(utcnow()),
        "related_object_id": customer.id,
        "related_object": "customer",
        "status": "DONE",
        "data_json": {
            "events": changed.get("events", 0),
            "customer_events": customer_events,
            "daily_events": 0,
            "segments": 0,
            "orders": customer.orders_total_count,
            "order_events": order_events,
            "customer": 1,
        },
        # Voucherify's spelling (sic), which clients compare against.
        "object": "pernament_deletion",
    }
