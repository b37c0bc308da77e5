"""Voucherify's own OpenAPI as a contract: schemathesis over every operation of
`../shared/reference/voucherify-openapi.json` that voucherd serves, against a live voucherd,
with `response_schema_conformance` and `not_a_server_error`.

Bounded and reproducible (derandomized, a few schema-valid cases per operation, every other
one aimed at real resources). The spec's own quirks are worked around in one place,
`allowances.py`, each with its reason; every other failure fails the test.
"""

from __future__ import annotations

import json
import os
from typing import Any

import httpx
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.core.failures import FailureGroup

from tests.conftest import Backend, LiveServer
from tests.contract.allowances import contradiction, excuse, patch_spec
from tests.contract.support import (
    aimed,
    capped,
    example_cases,
    generated,
    leaves,
    load,
    operations_of,
    param_names,
    restricted,
    shape,
    shared_reference,
)
from tests.fuzz.world import PUBLIC_TARGET, World, build_world, unique
from tests.support import ProjectKeys

EXAMPLES = int(os.environ.get("VOUCHERD_CONTRACT_EXAMPLES", "4"))
CHECKS = [not_a_server_error, response_schema_conformance]
POSITIVE = [GenerationMode.POSITIVE]
# The world the test builds (tests/fuzz) predates segments, validation rules, exports, async
# actions and metadata schemas: their by-id operations answer 404 and are checked for their
# error statuses only (125 of 179 operations reached a 2xx when they joined). Raise this as
# the world learns to make them.
MIN_CHECKED_SHARE = 0.65


async def _more_resources(
    client: httpx.AsyncClient, world: World, management: dict[str, str], project_id: str
) -> dict[str, str]:
    """Real ids for the path parameters the fuzz world has none for."""

    async def made(path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
        resp = await client.post(path, json=body, headers=headers)
        assert resp.status_code == 200, resp.text
        return resp.json()

    category = await made("/v1/categories", {"name": unique("cat"), "hierarchy": 1})
    collection = await made(
        "/v1/product-collections",
        {
            "name": unique("pc"),
            "type": "STATIC",
            "products": [{"id": world.product["id"], "object": "product"}],
        },
    )
    tiers = await made(
        f"/v1/loyalties/{world.program['id']}/tiers",
        [{"name": unique("tier"), "points": {"from": 0, "to": 1000}}],
    )
    webhook = await made(
        f"/management/v1/projects/{project_id}/webhooks",
        {"target_url": PUBLIC_TARGET, "events": ["customer.created"]},
        management,
    )
    promotion = await made(
        "/v1/campaigns",
        {
            "name": unique("promo"),
            "campaign_type": "PROMOTION",
            "promotion": {
                "tiers": [
                    {"name": "5%", "action": {"discount": {"type": "PERCENT", "percent_off": 5}}}
                ]
            },
        },
    )
    promotion_tier = promotion["promotion"]["tiers"][0]
    stack = await made(
        f"/v1/promotions/{promotion['id']}/stacks",
        {"name": unique("stack"), "tiers": {"ids": [promotion_tier["id"]]}},
    )
    return {
        "promotion_campaign_id": promotion["id"],
        "promotion_tier_id": promotion_tier["id"],
        "promotion_stack_id": stack["id"],
        "category_id": category["id"],
        "collection_id": collection["id"],
        "tier_id": tiers[0]["id"],
        "webhook_id": webhook["id"],
    }


def _real_values(ours: str, theirs: str, values: dict[str, str]) -> dict[str, str]:
    """Our real resource ids under the spec's parameter names (the same position in the
    path: `/v1/campaigns/{campaign_id}` is `/v1/campaigns/{campaignId}`)."""
    return {
        spec_name: values[our_name]
        for our_name, spec_name in zip(param_names(ours), param_names(theirs), strict=True)
        if our_name in values
    }


async def test_voucherify_openapi_contract(
    backend: Backend,
    live_server: LiveServer,
    project: ProjectKeys,
    management_headers: dict[str, str],
) -> None:
    spec = json.loads(shared_reference("voucherify-openapi.json").read_text())
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=30) as client:
        ours = operations_of((await client.get("/openapi.json")).json())
        client.headers.update(project.headers)
        world = await build_world(client)
        values = {
            **world.path_values(),
            **await _more_resources(client, world, management_headers, project.project_id),
            "project_id": project.project_id,
        }
        for name in project.headers:
            del client.headers[name]
        operations = load(restricted(patch_spec(spec), ours))
        # Deletes last, so they remove the real resources only after the rest aimed at them,
        # the deepest first (a SKU before its product).
        operations.sort(
            key=lambda op: (op.method.upper() == "DELETE", -op.path.count("/"), op.path, op.method)
        )
        failures: list[str] = []
        answered: dict[str, set[int]] = {}
        for op in operations:
            real = _real_values(ours[(op.method.upper(), shape(op.path))], op.path, values)
            auth = management_headers if op.path.startswith("/management") else project.headers
            raw = spec["paths"][op.path][op.method.lower()]
            for case in [
                *example_cases(op, raw, real),
                *aimed(op, real, generated(op, EXAMPLES, POSITIVE)),
            ]:
                kwargs = case.as_transport_kwargs(base_url=live_server.base_url)
                resp = await client.request(
                    kwargs["method"],
                    kwargs["url"],
                    params=capped(kwargs.get("params")),
                    headers={**(kwargs.get("headers") or {}), **auth},
                    json=kwargs.get("json"),
                    content=kwargs.get("data") if "json" not in kwargs else None,
                )
                answered.setdefault(f"{op.method.upper()} {op.path}", set()).add(resp.status_code)
                try:
                    case.validate_response(resp, checks=CHECKS)
                except FailureGroup as group:
                    for failure in group.exceptions:
                        found = leaves(failure, resp.json())
                        body = resp.json()
                        unexcused = [
                            leaf
                            for leaf in found
                            if excuse(leaf, body) is None and contradiction(op.path, leaf) is None
                        ]
                        if found and not unexcused:
                            continue
                        detail = "\n".join(map(str, unexcused)) or str(failure)[:600]
                        failures.append(
                            f"{backend.name} {op.method.upper()} {op.path} -> "
                            f"{resp.status_code}: {failure.title}:\n{detail}"
                        )
    assert not failures, f"{len(failures)} contract failures:\n" + "\n\n".join(failures)
    # Only success answers have a schema in Voucherify's spec: a run where most operations
    # answered 4xx would check next to nothing.
    succeeded = sorted(label for label, codes in answered.items() if min(codes) < 300)
    print(f"\n{len(succeeded)}/{len(answered)} operations answered 2xx and were checked")
    for label, codes in sorted(answered.items()):
        print(f"  {sorted(codes)} {label}")
    assert len(succeeded) >= MIN_CHECKED_SHARE * len(answered), sorted(answered.items())
