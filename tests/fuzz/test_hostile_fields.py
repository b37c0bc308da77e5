"""Targeted fuzz: a valid body per write endpoint with one field at a time turned hostile (NUL
bytes, lone surrogates, integers beyond 64 bits, deep nesting, huge strings, negative and zero
amounts, wrong types). Our /openapi.json declares some bodies loosely, so schemathesis alone
rarely gets this deep. Every answer is below 500; a refusal is Voucherify's error body and
leaves the project exactly as it was."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import Backend
from tests.fuzz.support import (
    FUZZ_SCALE,
    FUZZ_SETTINGS,
    HOSTILE,
    HOSTILE_VALUES,
    JSON_HEADERS,
    RECORDS_REFUSALS,
    Request,
    assert_voucherify_error,
    json_bytes,
    snapshot,
)
from tests.fuzz.world import WRITE_ENDPOINTS, World
from tests.support import ProjectKeys
from voucherd.kit.db import Database

EXAMPLES = 4 * FUZZ_SCALE  # per endpoint, after the sweep of every named hostile value
Path = tuple[str | int, ...]
LONG_STRING = "x" * 5000
# Endpoints where a refusal that is not a malformed request is recorded on purpose.
RECORDING = {"validations", "redemptions", "rollbacks", "rewards.redeem"}


def field_paths(body: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every value in the body, plus a new key in every object (metadata included)."""
    if isinstance(body, dict):
        yield (*prefix, "fz_extra")
        for key, value in body.items():
            yield (*prefix, key)
            yield from field_paths(value, (*prefix, key))
    elif isinstance(body, list):
        for index, value in enumerate(body):
            yield (*prefix, index)
            yield from field_paths(value, (*prefix, index))


# Counts of rows a request creates: an accepted value makes that many rows (up to a million
# codes), which measures bulk inserts, not input handling; capped, out-of-range ones stay.
BULK_COUNTS = {"vouchers_count"}
BULK_CAP = 5


def _value_at(body: Any, path: Path) -> Any:
    for step in path:
        if isinstance(body, dict):
            body = body.get(step)
        elif isinstance(body, list) and isinstance(step, int) and step < len(body):
            body = body[step]
        else:
            return None
    return body


def mutate(body: Any, path: Path, value: Any) -> Any:
    if path[-1] in BULK_COUNTS and isinstance(value, int) and value > BULK_CAP:
        value = value if value > 1_000_000 else BULK_CAP
    mutated = copy.deepcopy(body)
    target = mutated
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return mutated


@pytest.mark.parametrize("endpoint", WRITE_ENDPOINTS, ids=lambda e: e.name)
async def test_one_hostile_field_never_answers_5xx(
    endpoint: Any,
    backend: Backend,
    fuzz_client: httpx.AsyncClient,
    world: World,
    fuzz_project: ProjectKeys,
    management_headers: dict[str, str],
    db: Database,
) -> None:
    path = endpoint.path(world).format(project_id=fuzz_project.project_id)
    headers = management_headers if path.startswith("/management") else fuzz_project.headers
    paths = sorted(set(field_paths(endpoint.body(world))), key=repr)
    drawn: list[tuple[Any, Path, Any]] = []

    def collect(field: Path, value: Any) -> None:
        drawn.append((endpoint.body(world), field, value))

    # A string longer than any column at every string field (a schema without a length limit over a
    # sized column is a 500 on PostgreSQL only); every named hostile value once, at fields
    # taken in turn; then hypothesis' own draws.
    valid = endpoint.body(world)
    for field in paths:
        if isinstance(_value_at(valid, field), str):
            collect(field, LONG_STRING)
    for i, value in enumerate(HOSTILE_VALUES):
        collect(paths[(i * 7 + len(endpoint.name)) % len(paths)], value)
    bounded = settings(FUZZ_SETTINGS, max_examples=EXAMPLES)
    bounded(given(st.sampled_from(paths), HOSTILE)(collect))()

    before: dict[str, Any] | None = None
    for body, field, value in drawn:
        if before is None:
            before = await snapshot(db, fuzz_project.project_id, skip=frozenset())
        mutated = mutate(body, field, value)
        request = Request(backend.name, endpoint.method, path, {}, mutated)
        resp = await fuzz_client.request(
            endpoint.method, path, content=json_bytes(mutated), headers={**headers, **JSON_HEADERS}
        )
        assert resp.status_code < 500, f"{resp.status_code} {request.describe()} -> {resp.text}"
        if resp.status_code < 400:
            before = None  # it changed things: compare the next refusal with the new state
        else:
            assert_voucherify_error(resp, request)
            malformed = resp.json()["key"] in ("invalid_payload", "invalid_query_params")
            skip = frozenset() if malformed or endpoint.name not in RECORDING else RECORDS_REFUSALS
            after = await snapshot(db, fuzz_project.project_id, skip=skip)
            unchanged = {k: v for k, v in before.items() if k not in skip}
            changed = sorted(k for k in unchanged if after[k] != unchanged[k])
            # Names only: pytest's diff of two snapshots with 100 kB strings takes minutes.
            assert not changed, (
                f"refused but changed {changed}: {request.describe()} -> {resp.text}"
            )
            before = after if not skip else None
