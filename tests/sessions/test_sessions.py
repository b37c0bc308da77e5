"""Validation sessions (LOCK): a validation reserves a use and gift credits for its session;
a redemption with the session consumes them, DELETE releases them, expiry frees them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.support import ProjectKeys
from voucherd.kit.clock import clock
from voucherd.kit.db import Database
from voucherd.projects import service as projects
from voucherd.projects.service import ClientSettings
from voucherd.sessions import service as sessions


async def _gift_card(client: httpx.AsyncClient, amount: int = 10000) -> str:
    resp = await client.post(
        "/v1/vouchers", json={"type": "GIFT_VOUCHER", "gift": {"amount": amount}}
    )
    assert resp.status_code == 200, resp.text
    return str(resp.json()["code"])


async def _code(client: httpx.AsyncClient, quantity: int | None = 1) -> str:
    body: dict[str, Any] = {
        "type": "DISCOUNT_VOUCHER",
        "discount": {"type": "AMOUNT", "amount_off": 500},
    }
    if quantity is not None:
        body["redemption"] = {"quantity": quantity}
    resp = await client.post("/v1/vouchers", json=body)
    assert resp.status_code == 200, resp.text
    return str(resp.json()["code"])


def _body(code: str, credits: int | None = None, **extra: Any) -> dict[str, Any]:
    redeemable: dict[str, Any] = {"object": "voucher", "id": code}
    if credits is not None:
        redeemable["gift"] = {"credits": credits}
    return {"redeemables": [redeemable], "order": {"amount": 10000}, **extra}


def _lock(key: str | None = None, **extra: Any) -> dict[str, Any]:
    session: dict[str, Any] = {"type": "LOCK", **extra}
    if key is not None:
        session["key"] = key
    return {"session": session}


async def _validate(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    resp = await client.post("/v1/validations", json=body)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def _inapplicable_key(answer: dict[str, Any]) -> str:
    assert answer["valid"] is False, answer
    return str(answer["inapplicable_redeemables"][0]["result"]["error"]["key"])


async def test_a_lock_echoes_its_session_with_a_generated_key_and_seven_days(
    client: httpx.AsyncClient,
) -> None:
    code = await _code(client)
    answer = await _validate(client, _body(code, **_lock()))
    assert answer["valid"] is True
    session = answer["session"]
    assert session["key"].startswith("ssn_")
    assert (session["type"], session["ttl"], session["ttl_unit"]) == ("LOCK", 7, "DAYS")
    mine = await _validate(
        client, _body(await _code(client), **_lock("cart-1", ttl=30, ttl_unit="MINUTES"))
    )
    assert mine["session"] == {"key": "cart-1", "type": "LOCK", "ttl": 30, "ttl_unit": "MINUTES"}
    # Without `session`, no session in the answer.
    assert "session" not in await _validate(client, _body(await _code(client, None)))


async def test_a_lock_holds_the_last_use_of_a_code(client: httpx.AsyncClient) -> None:
    code = await _code(client, quantity=1)
    await _validate(client, _body(code, **_lock("s1")))
    # Another session, a plain validation and a plain redemption find it used up.
    assert _inapplicable_key(await _validate(client, _body(code, **_lock("s2")))) == (
        "quantity_exceeded"
    )
    assert _inapplicable_key(await _validate(client, _body(code))) == "quantity_exceeded"
    refused = await client.post("/v1/redemptions", json=_body(code))
    assert refused.status_code == 400
    assert refused.json()["key"] == "quantity_exceeded"
    # The same session redeems it.
    redeemed = await client.post("/v1/redemptions", json=_body(code, **_lock("s1")))
    assert redeemed.status_code == 200, redeemed.text
    voucher = (await client.get(f"/v1/vouchers/{code}")).json()
    assert voucher["redemption"]["redeemed_quantity"] == 1


async def test_a_lock_holds_gift_credits_against_a_redemption_without_it(
    client: httpx.AsyncClient,
) -> None:
    card = await _gift_card(client, 10000)
    held = await _validate(client, _body(card, 6000, **_lock("checkout")))
    assert held["redeemables"][0]["result"]["gift"]["credits"] == 6000
    # 4,000 are free: more is refused, 4,000 goes through, and the plain validation sees 4,000.
    free = await _validate(client, _body(card))
    assert free["redeemables"][0]["result"]["gift"]["credits"] == 4000
    too_much = await client.post("/v1/redemptions", json=_body(card, 5000))
    assert too_much.status_code == 400
    assert too_much.json()["key"] == "gift_amount_exceeded"
    ok = await client.post("/v1/redemptions", json=_body(card, 4000))
    assert ok.status_code == 200, ok.text
    # The session still gets its 6,000.
    mine = await client.post("/v1/redemptions", json=_body(card, 6000, **_lock("checkout")))
    assert mine.status_code == 200, mine.text
    assert (await client.get(f"/v1/vouchers/{card}")).json()["gift"]["balance"] == 0


async def test_the_same_key_overwrites_its_reservation(client: httpx.AsyncClient) -> None:
    card = await _gift_card(client, 10000)
    await _validate(client, _body(card, 7000, **_lock("k")))
    await _validate(client, _body(card, 2000, **_lock("k")))  # not 7,000 + 2,000
    other = await _validate(client, _body(card, 8000, **_lock("other")))
    assert other["valid"] is True
    assert _inapplicable_key(await _validate(client, _body(card, 1))) == "gift_amount_exceeded"


async def test_the_redemption_consumes_the_session(client: httpx.AsyncClient) -> None:
    code = await _code(client, quantity=2)
    await _validate(client, _body(code, **_lock("s1")))
    redeemed = await client.post("/v1/redemptions", json=_body(code, **_lock("s1")))
    assert redeemed.status_code == 200, redeemed.text
    # Consumed: nothing held any more, releasing it is a 404, the last use is free.
    gone = await client.delete(f"/v1/vouchers/{code}/sessions/s1")
    assert gone.status_code == 404
    ok = await client.post("/v1/redemptions", json=_body(code))
    assert ok.status_code == 200, ok.text


async def test_delete_releases_a_session(client: httpx.AsyncClient) -> None:
    card = await _gift_card(client, 5000)
    await _validate(client, _body(card, 5000, **_lock("s1")))
    assert (await client.post("/v1/redemptions", json=_body(card, 1))).status_code == 400
    released = await client.delete(f"/v1/vouchers/{card}/sessions/s1")
    assert released.status_code == 204
    assert released.content == b""
    ok = await client.post("/v1/redemptions", json=_body(card, 5000))
    assert ok.status_code == 200, ok.text
    again = await client.delete(f"/v1/vouchers/{card}/sessions/s1")
    assert again.status_code == 404
    assert again.json()["key"] == "not_found"
    unknown = await client.delete("/v1/vouchers/NO-SUCH-CODE/sessions/s1")
    assert unknown.status_code == 404


async def test_expiry_frees_a_lock_without_any_job(client: httpx.AsyncClient) -> None:
    code = await _code(client, quantity=1)
    await _validate(client, _body(code, **_lock("short", ttl=10, ttl_unit="MINUTES")))
    assert _inapplicable_key(await _validate(client, _body(code))) == "quantity_exceeded"
    clock.advance(timedelta(minutes=11))
    assert (await _validate(client, _body(code)))["valid"] is True
    # An expired session is gone: DELETE is a 404, and the code redeems without it.
    assert (await client.delete(f"/v1/vouchers/{code}/sessions/short")).status_code == 404
    ok = await client.post("/v1/redemptions", json=_body(code))
    assert ok.status_code == 200, ok.text


async def test_an_expired_lock_beside_a_running_one_stops_counting(
    client: httpx.AsyncClient,
) -> None:
    card = await _gift_card(client, 10000)
    await _validate(client, _body(card, 3000, **_lock("short", ttl=1, ttl_unit="HOURS")))
    await _validate(client, _body(card, 3000, **_lock("long", ttl=2, ttl_unit="DAYS")))
    assert (await _validate(client, _body(card)))["redeemables"][0]["result"]["gift"][
        "credits"
    ] == 4000
    clock.advance(timedelta(hours=2))
    # Only "long" still holds: 7,000 free for a plain validation and a plain redemption.
    free = await _validate(client, _body(card))
    assert free["redeemables"][0]["result"]["gift"]["credits"] == 7000
    ok = await client.post("/v1/redemptions", json=_body(card, 7000))
    assert ok.status_code == 200, ok.text
    refused = await client.post("/v1/redemptions", json=_body(card, 1))
    assert refused.json()["key"] == "gift_amount_exceeded"


async def test_an_invalid_validation_holds_nothing(client: httpx.AsyncClient) -> None:
    card = await _gift_card(client, 1000)
    answer = await _validate(client, _body(card, 5000, **_lock("s")))
    assert answer["valid"] is False
    assert "session" not in answer
    assert (await client.delete(f"/v1/vouchers/{card}/sessions/s")).status_code == 404


async def test_unsupported_session_options_are_refused_by_name(
    client: httpx.AsyncClient,
) -> None:
    code = await _code(client)
    cases = [
        ({"type": "SHARED"}, "SHARED"),
        ({"type": "LOCK", "ttl": 5, "ttl_unit": "WEEKS"}, "WEEKS"),
        ({"type": "LOCK", "ttl": 0, "ttl_unit": "DAYS"}, "session.ttl"),
        ({"type": "LOCK", "ttl": 5}, "ttl_unit"),
        ({"type": "LOCK", "ttl": 400, "ttl_unit": "DAYS"}, "366 days"),
        ({"type": "LOCK", "colour": "red"}, "session.colour"),
    ]
    for session, named in cases:
        resp = await client.post("/v1/validations", json=_body(code, session=session))
        assert resp.status_code == 400, (session, resp.text)
        assert resp.json()["key"] == "invalid_payload"
        assert named in resp.json()["details"], resp.json()
    # A redemption with a session must name it; nothing was held or redeemed.
    resp = await client.post("/v1/redemptions", json=_body(code, session={"type": "LOCK"}))
    assert resp.status_code == 400
    assert "session.key" in resp.json()["details"]
    voucher = (await client.get(f"/v1/vouchers/{code}")).json()
    assert voucher["redemption"]["redeemed_quantity"] == 0
    assert (await _validate(client, _body(code)))["valid"] is True


async def test_a_session_spans_several_vouchers_and_is_released_per_code(
    client: httpx.AsyncClient,
) -> None:
    a, b = await _code(client, 1), await _code(client, 1)
    body = {
        "redeemables": [{"object": "voucher", "id": a}, {"object": "voucher", "id": b}],
        "order": {"amount": 10000},
        **_lock("both"),
    }
    assert (await _validate(client, body))["valid"] is True
    assert (await client.delete(f"/v1/vouchers/{a}/sessions/both")).status_code == 204
    assert (await _validate(client, _body(a)))["valid"] is True
    assert _inapplicable_key(await _validate(client, _body(b))) == "quantity_exceeded"


SHOP = "https://shop.example"


async def test_client_side_validation_holds_for_its_session(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    async with db.transaction() as session:
        key = await projects.issue_key(
            session,
            kind="client",
            project_id=project.project_id,
            client=ClientSettings(origins=(SHOP,)),
        )
    headers = {"X-Client-Application-Id": key.key_id, "X-Client-Token": key.token}
    code = await _code(client, 1)
    answer = await anon_client.post(
        "/client/v1/validations",
        json=_body(code, **_lock("web")),
        headers={**headers, "Origin": SHOP},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["session"]["key"] == "web"
    assert _inapplicable_key(await _validate(client, _body(code))) == "quantity_exceeded"
    assert (await client.delete(f"/v1/vouchers/{code}/sessions/web")).status_code == 204


async def test_locked_credits_for_qualifications(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    held, other, free = [await _gift_card(client, 9000) for _ in range(3)]
    await _validate(client, _body(held, 2500, **_lock("a", ttl=1, ttl_unit="HOURS")))
    await _validate(client, _body(held, 1500, **_lock("b")))
    await _validate(client, _body(other, 900, **_lock("c")))
    ids = {
        code: (await client.get(f"/v1/vouchers/{code}")).json()["id"]
        for code in (held, other, free)
    }
    async with db.transaction() as session:
        got = await sessions.locked_credits(session, project.project_id, list(ids.values()))
    assert got == {ids[held]: 4000, ids[other]: 900}
    clock.advance(timedelta(hours=2))  # "a" expired
    async with db.transaction() as session:
        got = await sessions.locked_credits(session, project.project_id, [ids[held]])
    assert got == {ids[held]: 1500}


async def test_a_balance_removal_cannot_take_held_credits(client: httpx.AsyncClient) -> None:
    card = await _gift_card(client, 10000)
    await _validate(client, _body(card, 6000, **_lock("s")))
    refused = await client.post(f"/v1/vouchers/{card}/balance", json={"amount": -5000})
    assert refused.status_code == 400, refused.text
    assert refused.json()["key"] == "gift_amount_exceeded"
    ok = await client.post(f"/v1/vouchers/{card}/balance", json={"amount": -4000})
    assert ok.status_code == 200, ok.text
    added = await client.post(f"/v1/vouchers/{card}/balance", json={"amount": 1000})
    assert added.status_code == 200, added.text
