"""Voucher assets over HTTP on both engines: every voucher object carries `assets.qr` and
`assets.barcode`, whose URLs voucherd serves (public, cached) and nobody can forge."""

from __future__ import annotations

import asyncio
import io
import secrets
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import zxingcpp
from PIL import Image

from tests.conftest import Backend
from tests.support import ProjectKeys
from voucherd.app import create_app
from voucherd.config import Settings
from voucherd.kit.db import Database
from voucherd.kit.secrets import stored_secret

DISCOUNT = {"type": "AMOUNT", "amount_off": 500, "effect": "APPLY_TO_ORDER"}


def ok(resp: httpx.Response) -> Any:
    assert resp.status_code == 200, resp.text
    return resp.json()


def decoded(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def _voucher(client: httpx.AsyncClient, code: str) -> Any:
    body = {"code": code, "type": "DISCOUNT_VOUCHER", "discount": DISCOUNT}
    return ok(await client.post("/v1/vouchers", json=body))


async def test_voucher_assets_are_absolute_links_to_images_of_the_code(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    voucher = await _voucher(client, "SPRING-10")
    assets = voucher["assets"]
    assert set(assets) == {"qr", "barcode"}
    for kind in ("qr", "barcode"):
        asset = assets[kind]
        assert asset["url"] == f"http://voucherd.test/v1/assets/{kind}/{asset['id']}"
        # The id is sealed: the code is not in it, in clear or in base64.
        assert "SPRING" not in asset["id"] and "U1BSSU5H" not in asset["id"]
        # Public, like Voucherify's links: no API keys needed to fetch the image.
        image = await anon_client.get(path_of(asset["url"]))
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/png"
        assert decoded(image.content) == ["SPRING-10"]
    assert assets["qr"]["id"] != assets["barcode"]["id"]
    # Every read of the voucher carries the same links.
    assert ok(await client.get("/v1/vouchers/SPRING-10"))["assets"] == assets


async def test_images_cache_and_take_format_and_size(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    qr = (await _voucher(client, "CACHE-1"))["assets"]["qr"]
    url = path_of(qr["url"])
    first = await anon_client.get(url)
    assert "immutable" in first.headers["cache-control"]
    again = await anon_client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    svg = await anon_client.get(url, params={"format": "svg", "size": 3})
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.headers["etag"] != first.headers["etag"]
    small = await anon_client.get(url, params={"size": 1})
    large = await anon_client.get(url, params={"size": 10})
    assert (
        Image.open(io.BytesIO(small.content)).size[0] * 10
        == (Image.open(io.BytesIO(large.content)).size[0])
    )
    for params in ({"size": 0}, {"size": 101}, {"format": "gif"}, {"size": "big"}):
        bad = await anon_client.get(url, params=params)
        assert bad.status_code == 400, (params, bad.text)
        assert bad.json()["key"] == "invalid_query_params"


async def test_forged_or_swapped_ids_are_404(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    assets = (await _voucher(client, "FORGE-1"))["assets"]
    qr, bar = assets["qr"]["id"], assets["barcode"]["id"]
    forged = qr[:-2] + ("AA" if qr[-2:] != "AA" else "BB")
    for path in (
        f"/v1/assets/qr/{forged}",
        f"/v1/assets/barcode/{qr}",  # a QR id does not open the barcode route
        f"/v1/assets/qr/{bar}",
        "/v1/assets/qr/FORGE-1",  # nor does the code itself
        "/v1/assets/qr/" + "A" * 3000,
    ):
        resp = await anon_client.get(path)
        assert resp.status_code == 404, path
        assert resp.json()["key"] == "not_found"
    assert (await anon_client.get(f"/v1/assets/pdf/{qr}")).status_code in (400, 404)


async def test_a_code_code128_cannot_carry_has_a_qr_but_its_barcode_is_422(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    assets = (await _voucher(client, "ŻÓŁW-1"))["assets"]
    assert decoded((await anon_client.get(path_of(assets["qr"]["url"]))).content) == ["ŻÓŁW-1"]
    bar = await anon_client.get(path_of(assets["barcode"]["url"]))
    assert bar.status_code == 422 and bar.json()["key"] == "invalid_code"


async def test_campaign_vouchers_publications_and_loyalty_cards_carry_assets(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    campaign = ok(
        await client.post(
            "/v1/campaigns",
            json={
                "name": "Assets",
                "campaign_type": "DISCOUNT_COUPONS",
                "vouchers_count": 2,
                "voucher": {"type": "DISCOUNT_VOUCHER", "discount": DISCOUNT},
            },
        )
    )
    listed = ok(await client.get(f"/v1/vouchers?campaign_id={campaign['id']}"))["vouchers"]
    assert len(listed) == 2
    for voucher in listed:
        qr = await anon_client.get(path_of(voucher["assets"]["qr"]["url"]))
        assert decoded(qr.content) == [voucher["code"]]
    published = ok(
        await client.post(
            "/v1/publications",
            json={"campaign": {"name": "Assets"}, "customer": {"source_id": "pub-1"}},
        )
    )
    voucher = published["voucher"]
    bar = await anon_client.get(path_of(voucher["assets"]["barcode"]["url"]))
    assert decoded(bar.content) == [voucher["code"]]
    program = ok(
        await client.post(
            "/v1/campaigns",
            json={
                "name": "Club",
                "campaign_type": "LOYALTY_PROGRAM",
                "vouchers_count": 1,
                "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
            },
        )
    )
    member = ok(
        await client.post(
            f"/v1/loyalties/{program['id']}/members", json={"customer": {"source_id": "m-1"}}
        )
    )
    qr = await anon_client.get(path_of(member["assets"]["qr"]["url"]))
    assert decoded(qr.content) == [member["code"]]


@pytest.fixture
async def public_client(
    backend: Backend, db: Database, project: ProjectKeys
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=backend.url,
        embedded_worker=False,
        public_url="https://promo.example.com/",
    )
    transport = httpx.ASGITransport(app=create_app(settings, db))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://internal:9000", headers=project.headers
    ) as c:
        yield c


async def test_public_url_fixes_the_links_and_processes_agree_on_ids(
    client: httpx.AsyncClient, public_client: httpx.AsyncClient
) -> None:
    voucher = await _voucher(client, "PUBLIC-1")
    seen = ok(await public_client.get("/v1/vouchers/PUBLIC-1"))["assets"]
    assert seen["qr"]["url"].startswith("https://promo.example.com/v1/assets/qr/")
    # Another app (process) on the same database seals with the same installation secret.
    assert seen["qr"]["id"] == voucher["assets"]["qr"]["id"]
    image = await public_client.get(path_of(seen["barcode"]["url"]))
    assert decoded(image.content) == ["PUBLIC-1"]


async def test_a_configured_secret_key_changes_every_id(
    backend: Backend, db: Database, project: ProjectKeys, client: httpx.AsyncClient
) -> None:
    voucher = await _voucher(client, "KEYED-1")
    settings = Settings(database_url=backend.url, embedded_worker=False, secret_key="k" * 32)
    transport = httpx.ASGITransport(app=create_app(settings, db))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://voucherd.test", headers=project.headers
    ) as keyed:
        seen = ok(await keyed.get("/v1/vouchers/KEYED-1"))["assets"]
        assert seen["qr"]["id"] != voucher["assets"]["qr"]["id"]
        # Ids of the other key do not open here.
        old = await keyed.get(path_of(voucher["assets"]["qr"]["url"]))
        assert old.status_code == 404
        assert (await keyed.get(path_of(seen["qr"]["url"]))).status_code == 200


async def test_an_installation_secret_is_made_once_and_then_read(db: Database) -> None:
    name = f"test-{secrets.token_hex(4)}"
    first, again = await asyncio.gather(stored_secret(db, name), stored_secret(db, name))
    assert first == again == await stored_secret(db, name)
    assert len(first) == 64 and first != await stored_secret(db)
