"""voucherd's own /openapi.json (kit/openapi.py) and its vendored copy of Voucherify's
success schemas (kit/openapi_vendor.py)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.contract.support import shared_reference
from voucherd.kit.openapi import ERRORS
from voucherd.kit.openapi_vendor import METHODS, VENDORED, build, render, shape


def test_vendored_copy_is_what_the_script_builds_from_the_shared_spec() -> None:
    spec = json.loads(shared_reference("voucherify-openapi.json").read_text())
    assert VENDORED.read_text(encoding="utf-8") == render(build(spec)), (
        "stale: run `python -m voucherd.kit.openapi_vendor ../shared/reference/"
        "voucherify-openapi.json`"
    )


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in doc["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


async def test_every_operation_declares_real_answers(anon_client: httpx.AsyncClient) -> None:
    doc = (await anon_client.get("/openapi.json")).json()
    schemas = doc["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert schemas["Error"]["required"] == ["code", "key", "message", "details", "request_id"]
    vendored = json.loads(VENDORED.read_text(encoding="utf-8"))["responses"]
    shared = 0
    for method, path, operation in _operations(doc):
        responses = operation["responses"]
        assert "422" not in responses, (method, path)
        success = {code: r for code, r in responses.items() if code.startswith("2")}
        assert success, (method, path)
        for code, response in success.items():
            if code == "204":
                assert "content" not in response, (method, path)
                continue
            content = response["content"]
            if "application/json" not in content:  # an image (voucher assets)
                assert all(c["schema"]["format"] == "binary" for c in content.values())
                continue
            schema = content["application/json"]["schema"]
            assert schema not in ({}, None), f"{method} {path} {code} has no response model"
        if f"{method.upper()} {shape(path)}" in vendored and "204" not in success:
            shared += 1
            assert any("vf_" in json.dumps(r) for r in success.values()), (method, path)
        if path.startswith("/v1/"):
            errors = {"400", "401", "404", "503"} | ({"409", "413"} if method != "get" else set())
            assert errors <= responses.keys(), (method, path)
            for code in errors:
                ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/Error"
    assert shared >= 90  # the operations voucherd shares with Voucherify, less the 204s
    # Every schema the document names is in it (the vendored components travel along).
    text = json.dumps(doc)
    for name in {part.split('"')[0] for part in text.split("#/components/schemas/")[1:]}:
        assert name in schemas, name
    assert set(ERRORS) >= {"400", "401", "403", "404", "409", "413", "503"}


@pytest.mark.parametrize("path", ["/v1/customers", "/v1/vouchers"])
async def test_order_values_are_voucherifys(anon_client: httpx.AsyncClient, path: str) -> None:
    doc = (await anon_client.get("/openapi.json")).json()
    order = next(p for p in doc["paths"][path]["get"]["parameters"] if p["name"] == "order")
    assert "-created_at" in order["schema"]["enum"]
