"""voucherd's own `/openapi.json` is true: schemathesis with all its response checks over every
operation, schema-valid and schema-violating cases, through the real app on both engines,
aimed half at random and half at real resources: 0 failures.

So every status voucherd answers is documented, every body matches its documented schema
(Voucherify's, for the operations it shares with Voucherify: kit/openapi.py), valid input is
accepted or refused for a documented reason, and invalid input is refused.
"""

from __future__ import annotations

from typing import Any

import httpx
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup

from tests.contract.support import aimed, capped, generated, load
from tests.fuzz.support import JSON_HEADERS, json_bytes
from tests.fuzz.world import World
from tests.support import ProjectKeys

EXAMPLES = 4  # per operation and generation mode
BASE_URL = "http://voucherd.test"
# Schema-valid input may still break a rule no schema states (a date in the past, a card
# with too few points, a string holding NUL, an integer beyond 64 bits, an unknown id): such
# input is refused with the documented 400 and Voucherify's error body. So positive cases may
# answer 400 as well as schemathesis's defaults; every other check runs as configured.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "403", "404", "409"]
            }
        }
    }
)


async def test_own_openapi_holds_for_every_answer(
    fuzz_client: httpx.AsyncClient,
    world: World,
    fuzz_project: ProjectKeys,
    management_headers: dict[str, str],
) -> None:
    raw = (await fuzz_client.get("/openapi.json")).json()
    values = {**world.path_values(), "project_id": fuzz_project.project_id}
    operations = load(raw, CONFIG)
    operations.sort(
        key=lambda op: (op.method.upper() == "DELETE", -op.path.count("/"), op.path, op.method)
    )
    failures: list[str] = []
    for op in operations:
        auth = management_headers if op.path.startswith("/management") else fuzz_project.headers
        names = {p.name for p in op.path_parameters}
        real = {k: v for k, v in values.items() if k in names}
        # Negative cases for operations with a body: a path of free strings has no invalid
        # value to generate (hypothesis spends seconds per operation finding none).
        modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if op.body else [])
        for case in aimed(op, real, generated(op, EXAMPLES, modes)):
            kwargs = case.as_transport_kwargs(base_url=BASE_URL)
            params = capped(kwargs.get("params"))
            content: Any = kwargs.get("data")
            headers = {**(kwargs.get("headers") or {}), **auth}
            if "json" in kwargs:
                content = json_bytes(kwargs["json"])
                headers.update(JSON_HEADERS)
            resp = await fuzz_client.request(
                kwargs["method"],
                kwargs["url"],
                params=params,
                headers=headers,
                content=content if isinstance(content, bytes | str) else None,
                data=content if isinstance(content, dict) else None,
            )
            try:
                case.validate_response(resp)
            except FailureGroup as group:
                for failure in group.exceptions:
                    detail = str(failure)[:500]
                    failures.append(
                        f"{op.method.upper()} {op.path} -> {resp.status_code}: "
                        f"{failure.title}\n{detail}\n  query {params}"
                        f"\n  body {str(kwargs.get('json', content))[:200]}"
                        f"\n  answer {resp.text[:300]}"
                    )
    assert not failures, f"{len(failures)} failures:\n" + "\n\n".join(failures)
