"""The console in a real browser: Debian's Chromium driven by Playwright (never a downloaded
browser), against a live voucherd. Log in, see a redemption made through the API on the home
page, find the customer, adjust their points, read the ledger; create a discount campaign with
a rule, publish one of its codes, redeem it through the API and see it on the home page and in
the customer's wallet; create a promotion and manage its tiers; run the inspector on a failing
cart and read the reason, run the simulator, log out.

Screenshots of each page go to `var/screenshots/`; with VOUCHERD_UPDATE_SCREENSHOTS=1 they
replace the ones under `docs/` that the README shows.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, Backend, LiveServer
from tests.support import ProjectKeys
from voucherd.console import service as console
from voucherd.kit.db import Database

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "a long console password"
# Chromium as root needs --no-sandbox; the rest keep it off this machine's closed network.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"
)


def _shots() -> Path:
    where = ROOT / ("docs" if os.environ.get("VOUCHERD_UPDATE_SCREENSHOTS") else "var/screenshots")
    where.mkdir(parents=True, exist_ok=True)
    return where


async def _setup(base: str, project: ProjectKeys, db: Database) -> dict[str, Any]:
    async with db.transaction() as session:
        await console.create_user(
            session,
            project_id=project.project_id,
            email="marketer@shop.example",
            password=PASSWORD,
            role="editor",
        )
    async with httpx.AsyncClient(base_url=base, headers=project.headers) as api:
        program = (
            await api.post(
                "/v1/loyalties",
                json={
                    "name": "Stars",
                    "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
                },
            )
        ).json()
        card = (
            await api.post(
                f"/v1/loyalties/{program['id']}/members",
                json={"customer": {"source_id": "browser-zoe", "name": "Zoe Browser"}},
            )
        ).json()
        await api.post(f"/v1/loyalties/members/{card['code']}/balance", json={"points": 120})
        voucher = (
            await api.post(
                "/v1/vouchers",
                json={
                    "type": "DISCOUNT_VOUCHER",
                    "discount": {"type": "AMOUNT", "amount_off": 700, "effect": "APPLY_TO_ORDER"},
                },
            )
        ).json()
        redeemed = await api.post(
            "/v1/redemptions",
            json={
                "redeemables": [{"object": "voucher", "id": voucher["code"]}],
                "customer": {"source_id": "browser-zoe"},
                "order": {"items": [{"source_id": "mug", "quantity": 1, "price": 2500}]},
            },
        )
        assert redeemed.status_code == 200, redeemed.text
    return card


async def _campaign_steps(page: Any, base: str, shots: Path) -> str:
    """Create a discount campaign with a rule (the formula checked as it is typed), then
    publish one of its codes to the customer."""
    await page.get_by_role("link", name="Campaigns").click()
    await page.get_by_role("link", name="New discount coupons").click()
    await page.get_by_label("Name", exact=True).fill("Browser ten off")
    await page.get_by_label("Value (AMOUNT and FIXED in cents, PERCENT in percent)").fill("1000")
    formula = page.get_by_label("Formula (optional", exact=False)
    await formula.fill("IF(ORDER_AMOUNT > ;10;5)")
    await page.wait_for_selector("#discount_formula-check.error")
    assert "position 18" in await page.locator("#discount_formula-check").inner_text()
    await formula.fill("")
    await page.get_by_label("Codes to generate now").fill("2")
    await page.get_by_label("Pattern (# is a random character)").fill("TEN-####")
    # Waited for by selector: the console's CSP refuses wait_for_function's eval.
    await page.wait_for_selector("#code-preview:has-text('TEN-')")
    await page.get_by_label("Rule 1 name").select_option("order.amount")
    await page.get_by_label("Rule 1 operator").select_option("$more_than")
    await page.get_by_label("Rule 1 value").fill("2000")
    await page.wait_for_selector("#rule-json:has-text('$more_than')")
    await page.screenshot(path=shots / "console-campaign-edit.png", full_page=True)
    await page.get_by_role("button", name="Create campaign").click()
    await page.wait_for_selector("h1:has-text('Browser ten off')")
    assert await page.locator('[data-metric="state"]').inner_text() == "enabled"
    await page.get_by_label("Customer id or source id").fill("browser-zoe")
    await page.get_by_role("button", name="Publish a code").click()
    notice = await page.wait_for_selector("text=Published TEN-")
    assert notice is not None
    published = (await notice.inner_text()).split()[1]
    await page.screenshot(path=shots / "console-campaign.png", full_page=True)
    await page.get_by_role("link", name="Campaigns").click()
    await page.wait_for_selector("text=Browser ten off")
    await page.screenshot(path=shots / "console-campaigns.png", full_page=True)
    return published


async def _promotion_steps(page: Any, shots: Path) -> None:
    """Create a promotion with one tier, add a second on its page, disable the first."""
    await page.get_by_role("link", name="Campaigns").click()
    await page.get_by_role("link", name="New promotion").click()
    await page.get_by_label("Name", exact=True).fill("Browser summer")
    await page.get_by_label("Tier 1 name").fill("Five off")
    await page.get_by_label("Tier 1 value", exact=False).fill("500")
    await page.get_by_role("button", name="Create campaign").click()
    await page.wait_for_selector("h1:has-text('Browser summer')")
    await page.get_by_label("Name", exact=True).fill("Ten percent")
    await page.get_by_label("Discount type").select_option("PERCENT")
    await page.get_by_label("Value (AMOUNT and FIXED", exact=False).fill("10")
    await page.get_by_role("button", name="Add the tier").click()
    await page.wait_for_selector("td:has-text('Ten percent')")
    await page.get_by_role("button", name="Disable tier Five off").click()
    await page.wait_for_selector("[data-tier-state]:has-text('disabled')")
    await page.screenshot(path=shots / "console-promotion.png", full_page=True)


async def _guarded_code(base: str, project: ProjectKeys) -> str:
    """For the inspector: a code whose validation rule wants an order above 50.00."""
    async with httpx.AsyncClient(base_url=base, headers=project.headers) as api:
        voucher = (
            await api.post(
                "/v1/vouchers",
                json={
                    "type": "DISCOUNT_VOUCHER",
                    "discount": {"type": "PERCENT", "percent_off": 10},
                },
            )
        ).json()
        rule = (
            await api.post(
                "/v1/validation-rules",
                json={
                    "name": "Orders above 50",
                    "rules": {
                        "1": {"name": "order.amount", "conditions": {"$more_than": [5000]}},
                        "logic": "1",
                    },
                },
            )
        ).json()
        assigned = await api.post(
            f"/v1/validation-rules/{rule['id']}/assignments",
            json={"related_object_type": "voucher", "related_object_id": voucher["id"]},
        )
        assert assigned.status_code == 200, assigned.text
    code: str = voucher["code"]
    return code


async def test_marketer_journey_in_chromium(
    backend: Backend, live_server: LiveServer, project: ProjectKeys, db: Database
) -> None:
    if backend.name != "sqlite":
        pytest.skip("the browser journey runs once, on SQLite")
    from playwright.async_api import async_playwright

    card = await _setup(live_server.base_url, project, db)
    guarded = await _guarded_code(live_server.base_url, project)
    shots = _shots()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        base = live_server.base_url
        await page.goto(f"{base}/console")
        assert page.url.endswith("/console/login")
        await page.get_by_label("Email").fill("marketer@shop.example")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.screenshot(path=shots / "console-login.png")
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_url(f"{base}/console")
        assert await page.locator('[data-metric="today-redemptions"]').inner_text() == "1"
        assert await page.get_by_role("img", name="Redemptions per day, last 30 days").count() == 1
        await page.screenshot(path=shots / "console-home.png", full_page=True)

        await page.get_by_role("link", name="Customers").click()
        await page.get_by_label("Id, source id or email").fill("browser-zoe")
        await page.get_by_role("button", name="Find").click()
        await page.wait_for_selector("h1:has-text('Zoe Browser')")
        assert await page.get_by_role("cell", name="120 points").count() == 1
        await page.screenshot(path=shots / "console-customer.png", full_page=True)

        await page.get_by_role("link", name=card["code"]).click()
        await page.get_by_label("Points (negative to remove)").fill("-20")
        await page.get_by_label("Reason (kept in the ledger)").fill("birthday mix-up")
        await page.get_by_role("button", name="Adjust").click()
        await page.wait_for_selector("text=birthday mix-up")
        assert await page.locator('[data-metric="balance"]').inner_text() == "100 points"
        await page.screenshot(path=shots / "console-card.png", full_page=True)

        published = await _campaign_steps(page, base, shots)
        # The code the console published, redeemed through the API over the rule's 20.00,
        # shows on the home page and in the customer's wallet.
        async with httpx.AsyncClient(base_url=base, headers=project.headers) as api:
            redeemed = await api.post(
                "/v1/redemptions",
                json={
                    "redeemables": [{"object": "voucher", "id": published}],
                    "customer": {"source_id": "browser-zoe"},
                    "order": {"amount": 3000},
                },
            )
            assert redeemed.status_code == 200, redeemed.text
        await page.get_by_role("link", name="Home").click()
        assert await page.locator('[data-metric="today-redemptions"]').inner_text() == "2"
        await page.get_by_role("link", name="Customers").click()
        await page.get_by_label("Id, source id or email").fill("browser-zoe")
        await page.get_by_role("button", name="Find").click()
        wallet_row = page.get_by_role("row").filter(has_text=published)
        cells = (await wallet_row.inner_text()).split("\t")
        assert (cells[0], cells[-1].strip()) == (published, "1")  # redeemed once
        await _promotion_steps(page, shots)
        # The inspector: a cart below the code's minimum, and the reason with its numbers.
        await page.get_by_role("link", name="Inspector").click()
        await page.get_by_label("Item 1 product or SKU").fill("mug")
        await page.get_by_label("Item 1 quantity").fill("1")
        await page.get_by_label("Item 1 unit price").fill("45.00")
        await page.get_by_label("Customer: id, source id or email").fill("browser-zoe")
        await page.get_by_label("Codes, one per line").fill(guarded)
        await page.get_by_role("button", name="Inspect").click()
        await page.wait_for_selector("text=order amount 45.00 is not more than 50.00")
        row = page.locator(f'[data-redeemable="{guarded}"]')
        assert await row.locator("[data-status]").inner_text() == "INAPPLICABLE"
        await page.screenshot(path=shots / "console-inspector.png", full_page=True)

        # The simulator: the program with a draft rule of 1 point per 10.00, over the last
        # 30 days (the form's default): Zoe's orders of 25.00 and 30.00 would have earned
        # 2 + 3 points.
        await page.get_by_role("link", name="Simulator").click()
        await page.get_by_label("Program and rule").select_option(label="Stars: add a rule")
        await page.get_by_label("Points for").select_option("ORDER_AMOUNT")
        await page.get_by_label("Every (amount").fill("10.00")
        await page.get_by_label("Points", exact=True).fill("1")
        await page.get_by_role("button", name="Simulate").click()
        await page.wait_for_selector("text=Orders replayed")
        assert await page.locator('[data-metric="simulated-total"]').inner_text() == "5"
        assert await page.locator('[data-metric="actual-total"]').inner_text() == "0"
        await page.screenshot(path=shots / "console-simulator.png", full_page=True)

        # Keyboard only: the skip link is the first stop, the navigation follows.
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.textContent") == "Skip to content"

        await page.get_by_role("button", name="Log out").click()
        await page.wait_for_url(f"{base}/console/login")
        await page.goto(f"{base}/console")
        assert page.url.endswith("/console/login")
        await browser.close()
