"""Helpers shared by tests: project keys and small data builders."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from voucherd.kit.db import Database
from voucherd.projects import service as projects


@dataclass(frozen=True)
class ProjectKeys:
    project_id: str
    app_id: str
    app_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-App-Id": self.app_id, "X-App-Token": self.app_token}


async def make_project(db: Database, name: str = "Test") -> ProjectKeys:
    async with db.transaction() as session:
        project = await projects.create_project(session, name)
        key = await projects.issue_key(session, kind="app", project_id=project.id)
    return ProjectKeys(project.id, key.key_id, key.token)


SEEDS = Path(__file__).parent / "fixtures"


def load_seed(name: str) -> dict[str, Any]:
    """A seed payload from Voucherify's docs (copied from ../shared/seeds)."""
    data: dict[str, Any] = json.loads((SEEDS / name).read_text())
    return data


def assert_same_shape(seed: Any, actual: Any, path: str = "data") -> None:
    """Every key of the seed exists in `actual`, with the same JSON type where the seed has a value.

    `null` in the seed says nothing about the type; an empty list in the seed says nothing
    about item shape. A non-empty seed list needs a non-empty list, each of whose items has
    the shape of the seed's first item. Extra keys in `actual` are allowed (Voucherify adds
    fields over time).
    """
    if seed is None:
        return
    if isinstance(seed, dict):
        assert isinstance(actual, dict), f"{path}: expected object, got {type(actual).__name__}"
        missing = sorted(set(seed) - set(actual))
        assert not missing, f"{path}: missing keys {missing}"
        for key, value in seed.items():
            assert_same_shape(value, actual[key], f"{path}.{key}")
        return
    if isinstance(seed, list):
        assert isinstance(actual, list), f"{path}: expected array, got {type(actual).__name__}"
        if seed:
            assert actual, f"{path}: expected items like {seed[0]!r}, got an empty array"
            for index, item in enumerate(actual):
                assert_same_shape(seed[0], item, f"{path}[{index}]")
        return
    kinds = {bool: "boolean", int: "integer", float: "number", str: "string"}
    expected = kinds[type(seed)]
    got = kinds.get(type(actual), type(actual).__name__)
    assert got == expected, f"{path}: expected {expected} like {seed!r}, got {actual!r}"


async def recorded_events(db: Database, project: ProjectKeys, event_type: str) -> list[Any]:
    """The outbox rows of one type for a project, oldest first."""
    from sqlalchemy import select

    from voucherd.events.models import Event

    async with db.transaction(write=False) as session:
        rows = await session.execute(
            select(Event)
            .where(Event.project_id == project.project_id, Event.type == event_type)
            .order_by(Event.id)
        )
        return list(rows.scalars())


SPRING_CAMPAIGN: dict[str, Any] = {
    "name": "Spring Discounts",
    "campaign_type": "DISCOUNT_COUPONS",
    "type": "AUTO_UPDATE",
    "description": "Spring 2024 big campaign",
    "category": "Seasonal",
    "voucher": {
        "type": "DISCOUNT_VOUCHER",
        "discount": {
            "type": "PERCENT",
            "percent_off": 10,
            "amount_limit": 3000,
            "percent_off_formula": "IF(ORDER_AMOUNT > 150;15;10)",
            "effect": "APPLY_TO_ORDER",
        },
        "redemption": {"quantity": 1},
        "code_config": {"prefix": "SPRING-2024-", "pattern": "###"},
    },
}

SEED_ORDER_ITEMS: list[dict[str, Any]] = [
    {"source_id": "seed-prod-a", "related_object": "product", "quantity": 1, "price": 3500},
    {"source_id": "seed-prod-b", "related_object": "product", "quantity": 1, "price": 7999},
]


def voucherify_spec_file() -> Path:
    """Voucherify's OpenAPI, kept beside the repository in `../shared/reference/` (CI lays
    `shared/` there; a worktree sits a level deeper, so look upwards). Outside CI a checkout
    without it skips the tests that read it, with the reason; in CI its absence fails them."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "reference" / "voucherify-openapi.json"
        if candidate.exists():
            return candidate
    reason = "../shared/reference/voucherify-openapi.json is not beside this checkout"
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)


async def management_headers(db: Database) -> dict[str, str]:
    """Headers of a new Management key (it sees every project)."""
    async with db.transaction() as session:
        key = await projects.issue_key(session, kind="management", project_id=None)
    return {"X-Management-Id": key.key_id, "X-Management-Token": key.token}
