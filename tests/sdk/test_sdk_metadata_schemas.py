"""The official SDK's MetadataSchemasApi (list, get: what the connectors call on every sync),
ManagementApi's metadata schema calls, and voucher `assets` as the SDK parses them."""

from __future__ import annotations

import io
from typing import Any
from urllib.request import urlopen

import pytest
import voucherify as V
import zxingcpp
from PIL import Image
from voucherify.exceptions import ApiException, NotFoundException

from tests.support import ProjectKeys


def test_sdk_lists_and_gets_schemas_the_management_api_wrote(
    sdk: Any, management: Any, project: ProjectKeys
) -> None:
    pid = project.project_id
    created = management.create_metadata_schema(
        pid,
        V.ManagementProjectsMetadataSchemasCreateRequestBody(
            related_object="order",
            allow_defined_only=False,
            properties={
                "region": {"type": "string", "eq": ["EU", "US"], "optional": True},
                "booking_start_date": {"type": "datetime"},
                "location_id": {"type": "string", "array": True, "max_length": 4},
            },
        ),
    )
    assert isinstance(created, V.ManagementProjectsMetadataSchemasCreateResponseBody)
    assert created.id.startswith("ms_") and created.related_object == "order"

    api = V.MetadataSchemasApi(sdk)
    listed = api.list_metadata_schemas()
    assert isinstance(listed, V.MetadataSchemasListResponseBody)
    assert (listed.object, listed.data_ref, listed.total) == ("list", "schemas", 1)
    [schema] = listed.schemas or []
    assert (schema.id, schema.related_object, schema.object) == (
        created.id,
        "order",
        "metadata_schema",
    )
    assert schema.allow_defined_only is False and schema.created_at is not None
    got = api.get_metadata_schema("order")
    assert isinstance(got, V.MetadataSchemasGetResponseBody)
    assert got.properties["location_id"] == {
        "type": "string",
        "array": True,
        "optional": True,
        "objectType": None,
        "maxLength": 4,
    }
    assert got.properties["region"]["eq"] == ["EU", "US"]
    with pytest.raises(NotFoundException):
        api.get_metadata_schema("customer")

    updated = management.update_metadata_schema(
        pid,
        created.id,
        V.ManagementProjectsMetadataSchemasUpdateRequestBody(
            allow_defined_only=True, properties={"store": {"type": "number", "gte": 1}}
        ),
    )
    assert updated.allow_defined_only is True and set(updated.properties) == {
        "region",
        "booking_start_date",
        "location_id",
        "store",
    }
    # (SDK 6.1.1's ManagementApi has no list or get of metadata schemas: HTTP tests cover
    # them; the /v1 reads show the update.)
    assert api.get_metadata_schema("order").properties["store"]["gte"] == 1

    # The schema is enforced: an order whose metadata breaks it is refused, naming the key.
    with pytest.raises(ApiException) as refused:
        V.OrdersApi(sdk).create_order(
            V.OrdersCreateRequestBody(amount=1000, metadata={"store": 0, "region": "EU"})
        )
    assert refused.value.status == 400 and "metadata.store" in (refused.value.body or "")

    management.delete_metadata_schema(pid, created.id)
    assert api.list_metadata_schemas().total == 0


def test_sdk_parses_voucher_assets_and_their_urls_serve_the_code(sdk: Any) -> None:
    api = V.VouchersApi(sdk)
    api.create_voucher(
        "QR-SDK-1",
        V.VouchersCreateWithSpecificCodeRequestBody.from_dict(
            {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "AMOUNT", "amount_off": 100, "effect": "APPLY_TO_ORDER"},
            }
        ),
    )
    voucher = api.get_voucher("QR-SDK-1")
    assets = voucher.assets
    assert isinstance(assets, V.VoucherAssets)
    assert isinstance(assets.qr, V.VoucherAssetsQr) and isinstance(
        assets.barcode, V.VoucherAssetsBarcode
    )
    for asset in (assets.qr, assets.barcode):
        assert asset.id and asset.url and "QR-SDK-1" not in asset.url
        with urlopen(asset.url) as resp:
            assert resp.headers["Content-Type"] == "image/png"
            image = Image.open(io.BytesIO(resp.read())).convert("L")
        assert [r.text for r in zxingcpp.read_barcodes(image)] == ["QR-SDK-1"]
