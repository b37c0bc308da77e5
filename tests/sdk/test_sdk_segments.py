"""The official SDK's SegmentsApi against voucherd (create static and auto-update, get,
delete) and CustomersApi's list of a customer's segments."""

from __future__ import annotations

from typing import Any

import pytest
import voucherify as V
from voucherify.exceptions import BadRequestException, NotFoundException


def test_sdk_segments(sdk: Any) -> None:
    customers = V.CustomersApi(sdk)
    ann = customers.create_customer(
        V.CustomersCreateRequestBody(source_id="ann", metadata={"tier": "gold"})
    )
    customers.create_customer(V.CustomersCreateRequestBody(source_id="bob"))
    api = V.SegmentsApi(sdk)

    static = api.create_segment(
        V.SegmentsCreateRequestBody(name="Picked", type="static", customers=[ann.id, "bob"])
    )
    assert isinstance(static, V.SegmentsCreateResponseBody)
    assert static.id is not None and static.id.startswith("seg_")
    assert (static.name, static.type, static.filter, static.object) == (
        "Picked",
        "static",
        None,
        "segment",
    )
    assert static.initial_sync_status == "DONE" and static.created_at is not None

    gold = {"junction": "and", "metadata.tier": {"conditions": {"$is": "gold"}}}
    auto = api.create_segment(
        V.SegmentsCreateRequestBody(name="Gold", type="auto-update", filter=gold)
    )
    assert (auto.type, auto.filter) == ("auto-update", gold)

    got = api.get_segment(auto.id)
    assert isinstance(got, V.SegmentsGetResponseBody)
    assert (got.id, got.name, got.type, got.filter) == (auto.id, "Gold", "auto-update", gold)

    listed = customers.list_customer_segments(ann.id)
    assert isinstance(listed, V.CustomersSegmentsListResponseBody)
    assert (listed.object, listed.data_ref, listed.total) == ("list", "data", 2)
    assert sorted((s.id, s.object) for s in listed.data or []) == sorted(
        [(static.id, "segment"), (auto.id, "segment")]
    )
    assert [s.id for s in customers.list_customer_segments("bob").data or []] == [static.id]

    members = customers.list_customers(segment_id=auto.id)
    assert [c.id for c in members.customers or []] == [ann.id]

    api.delete_segment(auto.id)
    with pytest.raises(NotFoundException):
        api.get_segment(auto.id)
    assert customers.list_customer_segments(ann.id).total == 1

    with pytest.raises(BadRequestException):
        api.create_segment(
            V.SegmentsCreateRequestBody(name="Ghosts", type="static", customers=["nobody"])
        )
