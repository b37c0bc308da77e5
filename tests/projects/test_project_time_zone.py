"""The project's time zone: set through the Management API, then every local day (points
expiry and its job, pending-point activation and its job) counts in it, across a midnight
and a DST change, with the moved clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.earning.helpers import create_rules, fixed_rule, item, pay_order
from tests.support import ProjectKeys, make_project
from tests.tiers.helpers import add_member, create_program, get_card, move_points
from voucherd.earning import jobs as _earning_jobs  # noqa: F401  (registers the job)
from voucherd.kit.clock import clock
from voucherd.kit.db import Database
from voucherd.loyalty import jobs as _loyalty_jobs  # noqa: F401  (registers the job)
from voucherd.worker import run_once

END_OF_MONTH = {"period_type": "MONTH", "period_value": 1, "rounding_type": "END_OF_MONTH"}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


async def set_zone(mgmt: httpx.AsyncClient, project: ProjectKeys, name: str) -> httpx.Response:
    return await mgmt.put(f"/management/v1/projects/{project.project_id}", json={"timezone": name})


async def test_the_management_api_sets_the_zone(
    mgmt: httpx.AsyncClient, project: ProjectKeys
) -> None:
    resp = await set_zone(mgmt, project, "Europe/Warsaw")
    assert resp.status_code == 200, resp.text
    assert resp.json()["timezone"] == "Europe/Warsaw"
    read = (await mgmt.get(f"/management/v1/projects/{project.project_id}")).json()
    assert read["timezone"] == "Europe/Warsaw" and read["object"] == "project"
    renamed = await mgmt.put(
        f"/management/v1/projects/{project.project_id}", json={"name": "Shop", "timezone": None}
    )
    assert (renamed.json()["name"], renamed.json()["timezone"]) == ("Shop", "Europe/Warsaw")


@pytest.mark.parametrize("name", ["Mars/Olympus", "CEST", "../../etc/passwd", ""])
async def test_an_unknown_zone_is_refused_and_nothing_changes(
    mgmt: httpx.AsyncClient, project: ProjectKeys, name: str
) -> None:
    resp = await set_zone(mgmt, project, name)
    assert resp.status_code == 400 and resp.json()["key"] == "invalid_payload", resp.text
    assert "timezone" in resp.json()["details"]
    read = (await mgmt.get(f"/management/v1/projects/{project.project_id}")).json()
    assert read["timezone"] == "UTC"


@pytest.mark.parametrize(
    "field,value",
    [
        ("currency", "EUR"),
        ("description", "x"),
        ("client_redeem_enabled", True),
        ("webhook_version", "v2017-04-20"),
    ],
)
async def test_project_settings_voucherd_does_not_keep_are_refused_by_name(
    mgmt: httpx.AsyncClient, project: ProjectKeys, field: str, value: object
) -> None:
    url = f"/management/v1/projects/{project.project_id}"
    resp = await mgmt.put(url, json={field: value})
    assert resp.status_code == 400 and field in resp.json()["details"], resp.text
    assert (await mgmt.put(url, json={field: None})).status_code == 200
    missing = await mgmt.put("/management/v1/projects/proj_nope", json={"timezone": "UTC"})
    assert missing.status_code == 404


async def test_points_expire_at_the_end_of_the_local_month_and_the_local_day(
    client: httpx.AsyncClient, mgmt: httpx.AsyncClient, project: ProjectKeys, db: Database
) -> None:
    assert (await set_zone(mgmt, project, "America/New_York")).status_code == 200
    # 2025-02-01 04:30 UTC is still January 31 in New York: earned on Jan 31, + 1 month is
    # Feb 28, rounded to the end of February (counted in UTC it would be March 31).
    clock.freeze(utc(2025, 2, 1, 4, 30))
    program = await create_program(client, expiration_rules=END_OF_MONTH)
    card = await add_member(client, program["id"], "ny")
    await move_points(client, card["code"], 100)
    loyalty = (await get_card(client, card["code"]))["loyalty_card"]
    assert loyalty["next_expiration_date"] == "2025-02-28"

    clock.freeze(utc(2025, 3, 1, 4, 59))  # 23:59 on Feb 28 in New York: still valid
    await run_once(db)
    assert (await get_card(client, card["code"]))["loyalty_card"]["balance"] == 100

    clock.freeze(utc(2025, 3, 1, 5, 0))  # local midnight: March 1
    await run_once(db)
    loyalty = (await get_card(client, card["code"]))["loyalty_card"]
    assert (loyalty["balance"], loyalty["expired_points"]) == (0, 100)


async def test_pending_points_activate_at_local_midnight_across_a_dst_change(
    client: httpx.AsyncClient, mgmt: httpx.AsyncClient, project: ProjectKeys, db: Database
) -> None:
    assert (await set_zone(mgmt, project, "Europe/Warsaw")).status_code == 200
    # 2025-03-27 23:30 UTC is 00:30 on March 28 in Warsaw (CET, +1): activation 3 local days
    # later is March 31, after the clocks moved to CEST (+2) on March 30.
    clock.freeze(utc(2025, 3, 27, 23, 30))
    program = await create_program(client)
    pending = {"period_type": "DAY", "period_value": 3}
    await create_rules(client, program["id"], fixed_rule(10, pending_points=pending))
    card = await add_member(client, program["id"], "pl")
    await pay_order(client, "pl", [item("a", 1000)], source_id="o-pl")
    entries = await client.get(f"/v1/loyalties/members/{card['code']}/pending-points")
    [entry] = entries.json()["data"]
    assert entry["activates_at"] == "2025-03-31"

    clock.freeze(utc(2025, 3, 30, 21, 59))  # 23:59 CEST on March 30
    await run_once(db)
    assert (await get_card(client, card["code"]))["loyalty_card"]["balance"] == 0

    clock.freeze(utc(2025, 3, 30, 22, 0))  # 00:00 CEST on March 31 (UTC: still March 30)
    await run_once(db)
    loyalty = (await get_card(client, card["code"]))["loyalty_card"]
    assert (loyalty["balance"], loyalty["pending_points"]) == (10, 0)


async def test_each_project_expires_by_its_own_day(
    app: Any, client: httpx.AsyncClient, mgmt: httpx.AsyncClient, db: Database
) -> None:
    # The job runs once for every project: this one stays in UTC, another is in New York.
    other = await make_project(db, "New York shop")
    assert (await set_zone(mgmt, other, "America/New_York")).status_code == 200
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://voucherd.test", headers=other.headers
    ) as ny:
        clock.freeze(utc(2025, 1, 15, 12))
        codes = {}
        for name, c in (("utc", client), ("ny", ny)):
            program = await create_program(c, expiration_rules=END_OF_MONTH)
            codes[name] = (await add_member(c, program["id"], name))["code"]
            await move_points(c, codes[name], 5)
            assert (await get_card(c, codes[name]))["loyalty_card"]["next_expiration_date"] == (
                "2025-02-28"
            )
        clock.freeze(utc(2025, 3, 1, 1, 0))  # March 1 in UTC, still Feb 28 in New York
        await run_once(db)
        assert (await get_card(client, codes["utc"]))["loyalty_card"]["expired_points"] == 5
        assert (await get_card(ny, codes["ny"]))["loyalty_card"]["expired_points"] == 0
        clock.freeze(utc(2025, 3, 1, 5, 0))
        await run_once(db)
        assert (await get_card(ny, codes["ny"]))["loyalty_card"]["expired_points"] == 5
