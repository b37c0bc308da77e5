"""The Management API's project object: every field Voucherify's spec requires, true to what
voucherd does."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.support import ProjectKeys, voucherify_spec_file

SPEC_FILE = voucherify_spec_file()


def _required_project_fields() -> set[str]:
    """`required` of the spec's project, gathered through its `allOf` and `$ref`s."""
    schemas = json.loads(SPEC_FILE.read_text())["components"]["schemas"]

    def required(schema: dict[str, Any]) -> set[str]:
        if "$ref" in schema:
            return required(schemas[schema["$ref"].split("/")[-1]])
        found = set(schema.get("required", []))
        for part in schema.get("allOf", []):
            found |= required(part)
        return found

    return required(schemas["ManagementProjectsGetResponseBody"])


async def test_project_carries_every_field_the_spec_requires(
    mgmt: httpx.AsyncClient, project: ProjectKeys
) -> None:
    one = (await mgmt.get(f"/management/v1/projects/{project.project_id}")).json()
    assert _required_project_fields() - set(one) == set()
    listed = (await mgmt.get("/management/v1/projects")).json()["data"]
    assert all(_required_project_fields() <= set(p) for p in listed)
    assert one["client_trusted_domains"] == []
    assert not any(v for k, v in one.items() if k.startswith("client_") and k.endswith("enabled"))


async def test_codes_are_case_sensitive_as_the_project_says(
    mgmt: httpx.AsyncClient, client: httpx.AsyncClient, project: ProjectKeys
) -> None:
    one = (await mgmt.get(f"/management/v1/projects/{project.project_id}")).json()
    assert one["case_sensitive_codes"] is True
    body = {
        "code": "MiXeD-1",
        "type": "DISCOUNT_VOUCHER",
        "discount": {"type": "AMOUNT", "amount_off": 100},
    }
    assert (await client.post("/v1/vouchers", json=body)).status_code == 200
    assert (await client.get("/v1/vouchers/MiXeD-1")).status_code == 200
    assert (await client.get("/v1/vouchers/mixed-1")).status_code == 404
