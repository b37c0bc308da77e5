"""Schemathesis over our own /openapi.json: every POST/PUT/DELETE (and, cheaply, every GET with
path parameters), with schema-valid and schema-violating values, through the real ASGI app on
both engines: no answer is a 5xx.

Bounded and reproducible: a fixed number of derandomized examples per operation, sent half
with random path values and half aimed at real resources of the test's project.
"""

from __future__ import annotations

from typing import Any

import httpx
import schemathesis
from hypothesis import given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup

from tests.conftest import Backend
from tests.fuzz.support import (
    ERROR_KEYS,
    FUZZ_SCALE,
    FUZZ_SETTINGS,
    JSON_HEADERS,
    Request,
    json_bytes,
)
from tests.fuzz.world import World
from tests.support import ProjectKeys

WRITE_EXAMPLES = 6 * FUZZ_SCALE  # per operation: valid and invalid values, random and real ids
READ_EXAMPLES = 2 * FUZZ_SCALE  # valid values only: a GET's only input here is its path
BASE_URL = "http://voucherd.test"


def _operations(raw: dict[str, Any]) -> list[Any]:
    schema = schemathesis.openapi.from_dict(raw)
    operations = [result.ok() for result in schema.get_all_operations()]
    fuzzed = [
        op
        for op in operations
        if op.method.upper() in ("POST", "PUT", "DELETE")
        or (op.method.upper() == "GET" and "{" in op.path)
    ]
    # Deletes last, so they remove the real resources only after everything else aimed at them.
    return sorted(fuzzed, key=lambda op: (op.method.upper() == "DELETE", op.path, op.method))


def _cases(op: Any, path_values: dict[str, str], examples: int) -> list[Any]:
    names = {p.name for p in op.path_parameters}
    real = {k: v for k, v in path_values.items() if k in names}
    modes = [GenerationMode.POSITIVE]
    if op.method.upper() != "GET":
        modes.append(GenerationMode.NEGATIVE)
    strategies = [
        op.as_strategy(mode, path_parameters=aim)
        for mode in modes
        for aim in ((None, real) if real else (None,))
    ]
    cases: list[Any] = []

    def collect(case: Any) -> None:
        cases.append(case)

    bounded = settings(FUZZ_SETTINGS, max_examples=examples)
    bounded(given(st.one_of(strategies))(collect))()
    return cases


def _voucherify_shaped(resp: httpx.Response) -> bool:
    try:
        body = resp.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.keys() >= ERROR_KEYS and body["code"] == resp.status_code


async def test_no_operation_answers_5xx(
    backend: Backend,
    fuzz_client: httpx.AsyncClient,
    world: World,
    fuzz_project: ProjectKeys,
    management_headers: dict[str, str],
) -> None:
    raw = (await fuzz_client.get("/openapi.json")).json()
    path_values = {**world.path_values(), "project_id": fuzz_project.project_id}
    failures: list[str] = []
    for op in _operations(raw):
        auth = management_headers if op.path.startswith("/management") else fuzz_project.headers
        examples = READ_EXAMPLES if op.method.upper() == "GET" else WRITE_EXAMPLES
        for case in _cases(op, path_values, examples):
            kwargs = case.as_transport_kwargs(base_url=BASE_URL)
            content = kwargs.get("data")
            headers = {**(kwargs.get("headers") or {}), **auth}
            if "json" in kwargs:
                content = json_bytes(kwargs["json"])
                headers.update(JSON_HEADERS)
            resp = await fuzz_client.request(
                kwargs["method"],
                kwargs["url"],
                params=kwargs.get("params"),
                headers=headers,
                content=content if isinstance(content, bytes | str) else None,
            )
            request = Request(
                backend.name,
                kwargs["method"],
                str(httpx.URL(kwargs["url"]).path),
                dict(kwargs.get("params") or {}),
                kwargs.get("json", content),
            )
            line = f"{resp.status_code} {request.describe()} -> {resp.text[:200]}"
            try:
                case.validate_response(resp, checks=[not_a_server_error])
            except FailureGroup:
                failures.append(f"5xx: {line}")
            if 400 <= resp.status_code < 500 and not _voucherify_shaped(resp):
                failures.append(f"not Voucherify's error body: {line}")
    assert not failures, f"{len(failures)} bad answers:\n" + "\n".join(failures)
