"""`POST /v1/customers/{id}/permanent-deletion`: the person is gone from every table and every
response; the money and counts their activity made stay (both engines)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from tests.support import ProjectKeys
from voucherd.customers.erasure import redactor
from voucherd.customers.models import Customer
from voucherd.kit.db import Base, Database

NAME = "Zebulon Quartermaine"
EMAIL = "zebulon.q@example.org"
SOURCE_ID = "crm-zeb-7713"
PHONE = "+48 600 700 800"
SECRET = "collects-rare-stamps"
NEEDLES = (NAME, EMAIL, SOURCE_ID, PHONE, SECRET, "Quartermaine")


def ok(resp: httpx.Response) -> Any:
    assert resp.status_code == 200, resp.text
    return resp.json()


async def _everything(db: Database, project: ProjectKeys) -> str:
    """Every row of every table of the project, as text."""
    parts = []
    async with db.transaction(write=False) as session:
        for table in Base.metadata.sorted_tables:
            stmt = select(table)
            if "project_id" in table.c:
                stmt = stmt.where(table.c.project_id == project.project_id)
            for row in (await session.execute(stmt)).all():
                parts.append(f"{table.name}: {row!r}")
    return "\n".join(parts)


async def _history(client: httpx.AsyncClient) -> dict[str, Any]:
    customer = ok(
        await client.post(
            "/v1/customers",
            json={
                "source_id": SOURCE_ID,
                "name": NAME,
                "email": EMAIL,
                "phone": PHONE,
                "address": {"city": "Quartermaine Town", "line_1": "1 Quartermaine St"},
                "metadata": {"hobby": SECRET},
            },
            headers={"Idempotency-Key": "create-zeb"},
        )
    )
    campaign = ok(
        await client.post(
            "/v1/campaigns",
            json={
                "name": "Gifts",
                "campaign_type": "GIFT_VOUCHERS",
                "vouchers_count": 1,
                "voucher": {"type": "GIFT_VOUCHER", "gift": {"amount": 10000}},
            },
        )
    )
    published = ok(
        await client.post(
            "/v1/publications",
            json={"campaign": {"id": campaign["id"]}, "customer": {"source_id": SOURCE_ID}},
        )
    )
    ok(
        await client.post(
            "/v1/redemptions",
            json={
                "redeemables": [
                    {
                        "object": "voucher",
                        "id": published["voucher"]["code"],
                        "gift": {"credits": 2500},
                    }
                ],
                "customer": {"source_id": SOURCE_ID},
                "order": {
                    "items": [{"source_id": "stamp-album", "quantity": 1, "price": 4000}],
                    "metadata": {"note": f"gift wrap for {EMAIL}"},
                },
            },
        )
    )
    return {"customer": customer, "code": published["voucher"]["code"], "campaign": campaign}


async def test_permanent_deletion_erases_the_person_and_keeps_the_ledger(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    history = await _history(client)
    customer_id = history["customer"]["id"]
    before = await _everything(db, project)
    assert all(needle in before for needle in NEEDLES)  # the check below can fail
    redemptions_before = ok(await client.get("/v1/redemptions"))["total"]

    deleted = ok(await client.post(f"/v1/customers/{SOURCE_ID}/permanent-deletion"))
    assert deleted["id"].startswith("del_")
    assert (deleted["related_object_id"], deleted["related_object"]) == (customer_id, "customer")
    assert (deleted["status"], deleted["object"]) == ("DONE", "pernament_deletion")
    counts = deleted["data_json"]
    assert counts["customer"] == 1 and counts["orders"] == 1
    assert counts["events"] >= counts["customer_events"] > 0

    after = await _everything(db, project)
    for needle in NEEDLES:
        assert needle not in after, f"{needle!r} survived: " + next(
            line for line in after.splitlines() if needle in line
        )
    # The money and the counts stay: the gift card is still spent, the redemption still listed.
    card = ok(await client.get(f"/v1/vouchers/{history['code']}"))
    assert card["gift"]["balance"] == 7500
    assert ok(await client.get("/v1/redemptions"))["total"] == redemptions_before
    assert (await client.get(f"/v1/customers/{customer_id}")).status_code == 404
    # Responses too: the stored idempotent response and every list.
    replay = await client.post(
        "/v1/customers", json={"source_id": SOURCE_ID, "name": NAME, "email": EMAIL,
                               "phone": PHONE, "address": {"city": "Quartermaine Town",
                               "line_1": "1 Quartermaine St"}, "metadata": {"hobby": SECRET}},
        headers={"Idempotency-Key": "create-zeb"},
    )  # fmt: skip
    for path in ("/v1/redemptions", "/v1/orders", "/v1/publications", "/v1/vouchers"):
        text = (await client.get(path)).text
        assert not any(needle in text for needle in NEEDLES), path
    assert not any(needle in replay.text for needle in NEEDLES)
    # Gone is gone: a second request finds no customer.
    again = await client.post(f"/v1/customers/{customer_id}/permanent-deletion")
    assert again.status_code == 404


async def test_permanent_deletion_of_an_unknown_customer_is_404_and_changes_nothing(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    ok(await client.post("/v1/customers", json={"source_id": "keep", "name": "Keep Me"}))
    before = await _everything(db, project)
    resp = await client.post("/v1/customers/nobody/permanent-deletion")
    assert resp.status_code == 404 and resp.json()["key"] == "not_found"
    assert await _everything(db, project) == before


def test_redactor_clears_copies_of_the_customer_and_mentions_elsewhere() -> None:
    customer = Customer(
        id="cust_1", source_id="crm-77-abc", name="Al", email="al@example.org", phone="12345"
    )
    redact = redactor(customer)
    document = {
        "customer": {"id": "cust_1", "name": "Al", "metadata": {"k": "v"}, "summary": {"n": 3}},
        "other": {"id": "cust_2", "name": "Al Other", "source_id": "crm-77-abc"},
        "note": "ship to al@example.org please",
        "list": ["Al", "Alan", 3, None],
    }
    assert redact(document) == {
        "customer": {"id": "cust_1", "name": None, "metadata": {}, "summary": {"n": 3}},
        # A different customer keeps their name; an exact copy of the source_id is cleared.
        "other": {"id": "cust_2", "name": "Al Other", "source_id": None},
        "note": "ship to [erased] please",
        # Short values are only cleared when they are the whole string.
        "list": [None, "Alan", 3, None],
    }
