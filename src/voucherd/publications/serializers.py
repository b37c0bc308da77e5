"""Publications on the wire."""

from __future__ import annotations

from typing import Any

from voucherd.customers.models import Customer
from voucherd.customers.serializers import customer_body
from voucherd.kit.timefmt import iso
from voucherd.publications.models import Publication
from voucherd.vouchers.models import Voucher
from voucherd.vouchers.serializers import gift_body, loyalty_card_body, voucher_body


def publication_base(publication: Publication) -> dict[str, Any]:
    return {
        "id": publication.id,
        "object": "publication",
        "created_at": iso(publication.created_at),
        "customer_id": publication.customer_id,
        "tracking_id": publication.tracking_id,
        "metadata": publication.metadata_ or {},
        "channel": publication.channel,
        "source_id": publication.source_id,
        "result": "SUCCESS",
    }


def publication_body(
    publication: Publication, customer: Customer, voucher: Voucher
) -> dict[str, Any]:
    """`POST /v1/publications` answer (and the `publication` of reward events)."""
    return {
        **publication_base(publication),
        "customer": customer_body(customer),
        "vouchers_id": [voucher.id],
        "voucher": voucher_body(voucher),
    }


def publication_list_item(
    publication: Publication, customer: Customer | None, voucher: Voucher | None
) -> dict[str, Any]:
    body = publication_base(publication)
    # A customer deleted since (or erased) is shown by its id alone: the spec's list item
    # requires an object, and the random id says nothing about the person.
    body["customer"] = (
        customer_body(customer)
        if customer
        else {"id": publication.customer_id, "object": "customer"}
    )
    body["vouchers"] = [publication.voucher_code]
    body["vouchers_id"] = [publication.voucher_id]
    if voucher is not None:
        body["voucher"] = {
            "code": voucher.code,
            "object": "voucher",
            "campaign": voucher.campaign_name,
            "gift": gift_body(voucher),
            "loyalty_card": loyalty_card_body(voucher),
            "discount": voucher.discount,
            "is_referral_code": voucher.is_referral_code,
        }
    return body
