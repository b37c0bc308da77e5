"""The console's accounts: log in and out, throttling, CSRF, roles, project scope, escaping,
through the real ASGI app on both engines."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.support import ProjectKeys, make_project
from voucherd.console import service
from voucherd.console.models import ConsoleUser
from voucherd.kit.clock import clock
from voucherd.kit.db import Database

PASSWORD = "correct horse battery"


async def _user(db: Database, project: ProjectKeys, email: str, role: str = "admin") -> None:
    async with db.transaction() as session:
        await service.create_user(
            session, project_id=project.project_id, email=email, password=PASSWORD, role=role
        )


@pytest.fixture
async def browser(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client with a cookie jar, like a browser, that does not follow redirects."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://voucherd.test"
    ) as c:
        yield c


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert found, html
    return found.group(1)


async def _log_in(
    browser: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> httpx.Response:
    form = await browser.get("/console/login")
    assert form.status_code == 200
    return await browser.post(
        "/console/login",
        data={"email": email, "password": password, "csrf_token": _csrf(form.text)},
    )


async def test_every_page_sends_an_anonymous_user_to_log_in(browser: httpx.AsyncClient) -> None:
    for method, path in [
        ("GET", "/console"),
        ("GET", "/console/audit"),
        ("POST", "/console/logout"),
    ]:
        resp = await browser.request(method, path)
        assert resp.status_code == 303, (path, resp.text)
        assert resp.headers["location"] == "/console/login"


async def test_log_in_see_home_and_audit_then_log_out(
    browser: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await _user(db, project, "Ann@Shop.example")
    wrong = await _log_in(browser, "ann@shop.example", "not the password")
    assert wrong.status_code == 401 and "Wrong email or password." in wrong.text
    unknown = await _log_in(browser, "nobody@shop.example")
    assert unknown.status_code == 401 and "Wrong email or password." in unknown.text

    done = await _log_in(browser, "ANN@shop.example")
    assert done.status_code == 303 and done.headers["location"] == "/console"
    cookie = done.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/console" in cookie
    home = await browser.get("/console")
    assert home.status_code == 200
    assert "ann@shop.example (admin)" in home.text
    assert "default-src 'self'" in home.headers["content-security-policy"]
    assert home.headers["x-frame-options"] == "DENY"
    audit = await browser.get("/console/audit")
    assert "<td>login</td>" in audit.text

    logout = await browser.post("/console/logout", data={"csrf_token": _csrf(home.text)})
    assert logout.status_code == 303 and logout.headers["location"] == "/console/login"
    assert (await browser.get("/console")).status_code == 303


async def test_forms_without_the_csrf_token_are_refused(
    browser: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await _user(db, project, "csrf@shop.example")
    await browser.get("/console/login")
    no_token = await browser.post(
        "/console/login", data={"email": "csrf@shop.example", "password": PASSWORD}
    )
    assert no_token.status_code == 400
    assert (await _log_in(browser, "csrf@shop.example")).status_code == 303
    forged = await browser.post("/console/logout", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    assert (await browser.get("/console")).status_code == 200  # still logged in


async def test_five_wrong_passwords_lock_the_account_for_a_while(
    browser: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await _user(db, project, "lock@shop.example")
    for _ in range(service.FAILURES_BEFORE_LOCK):
        assert (await _log_in(browser, "lock@shop.example", "guess guess guess")).status_code == 401
    locked = await _log_in(browser, "lock@shop.example")
    assert locked.status_code == 401 and "Too many failed attempts" in locked.text
    clock.freeze(clock.now() + service.LOCK_DURATION + timedelta(seconds=1))
    assert (await _log_in(browser, "lock@shop.example")).status_code == 303


async def test_concurrent_wrong_passwords_are_all_counted(
    db: Database, project: ProjectKeys
) -> None:
    await _user(db, project, "race@shop.example")

    async def guess() -> None:
        async with db.transaction() as session:
            await service.log_in(session, "race@shop.example", "wrong wrong wrong")

    async def user() -> ConsoleUser:
        async with db.transaction(write=False) as session:
            query = select(ConsoleUser).where(ConsoleUser.email == "race@shop.example")
            return (await session.execute(query)).scalar_one()

    # Below the lock, so every guess counts: a read-then-write would lose some on PostgreSQL.
    below = service.FAILURES_BEFORE_LOCK - 1
    await asyncio.gather(*(guess() for _ in range(below)))
    counted = await user()
    assert (counted.failed_logins, counted.locked_until) == (below, None)
    await guess()
    locked = await user()
    assert locked.failed_logins == service.FAILURES_BEFORE_LOCK
    assert locked.locked_until is not None
    assert locked.password_hash.startswith("$argon2id$")


async def test_a_user_sees_only_their_projects_numbers_and_input_is_escaped(
    browser: httpx.AsyncClient, client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    voucher = await client.post(
        "/v1/vouchers",
        json={
            "type": "DISCOUNT_VOUCHER",
            "discount": {"type": "AMOUNT", "amount_off": 500, "effect": "APPLY_TO_ORDER"},
            "redemption": {"quantity": 5},
        },
    )
    code = voucher.json()["code"]
    for _ in range(2):
        redeemed = await client.post(
            "/v1/redemptions",
            json={
                "redeemables": [{"object": "voucher", "id": code}],
                "order": {"items": [{"source_id": "mug", "quantity": 1, "price": 2000}]},
            },
        )
        assert redeemed.status_code == 200, redeemed.text
    other = await make_project(db, "Other shop")
    await _user(db, project, "mine@shop.example")
    await _user(db, other, "theirs@other.example")

    assert (await _log_in(browser, "mine@shop.example")).status_code == 303
    home = (await browser.get("/console")).text
    assert 'data-metric="today-redemptions">2<' in home
    assert "10.00" in home  # two 5.00 discounts
    assert "2 redemptions" in home  # the chart's bar for today
    async with db.transaction() as session:
        user = (
            await session.execute(
                select(ConsoleUser).where(ConsoleUser.email == "mine@shop.example")
            )
        ).scalar_one()
        await service.audit(
            session, user, "campaign.update", after={"name": "<script>alert(1)</script>"}
        )
    audit = (await browser.get("/console/audit")).text
    assert "<script>alert(1)" not in audit and "&lt;script&gt;" in audit

    await browser.post("/console/logout", data={"csrf_token": _csrf(home)})
    assert (await _log_in(browser, "theirs@other.example")).status_code == 303
    theirs = (await browser.get("/console")).text
    assert 'data-metric="today-redemptions">0<' in theirs
    assert "campaign.update" not in (await browser.get("/console/audit")).text


async def test_new_users_are_checked(db: Database, project: ProjectKeys) -> None:
    async with db.transaction() as session:
        for email, password, role in [
            ("not-an-email", PASSWORD, "admin"),
            ("a@b.example", "short", "admin"),
            ("a@b.example", PASSWORD, "owner"),
        ]:
            with pytest.raises(Exception) as refused:
                await service.create_user(
                    session, project_id=project.project_id, email=email, password=password,
                    role=role,
                )  # fmt: skip
            assert getattr(refused.value, "status", None) == 400
