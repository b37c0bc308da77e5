"""`one_of`: a list bound as one parameter matches what `IN (...)` would, on both engines."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from tests.support import ProjectKeys
from voucherd.kit.db import Database
from voucherd.kit.queries import one_of
from voucherd.rules.models import RuleCounter

_BY_KEYS = (
    select(RuleCounter.key)
    .where(RuleCounter.project_id == bindparam("project_id"), one_of(RuleCounter.key, "keys"))
    .order_by(RuleCounter.key)
)

# Keys a JSON or array encoding could get wrong: quotes, commas, braces, backslashes,
# non-ASCII, NUL-free control characters and an empty string.
AWKWARD = ['a"b', "c,d", "{e}", "f\\g", "zoë", "tab\there", "", "NULL", "x'y"]


async def test_matches_exactly_the_listed_keys(db: Database, project: ProjectKeys) -> None:
    stored = [*AWKWARD, *[f"k{i:04}" for i in range(1000)]]
    async with db.transaction() as session:
        session.add_all(
            RuleCounter(project_id=project.project_id, key=key, value=1) for key in stored
        )
    wanted = [*AWKWARD, "k0000", "k0999", "not-stored", *[f"k{i:04}" for i in range(0, 1000, 7)]]
    async with db.transaction(write=False) as session:
        found = await session.scalars(_BY_KEYS, {"project_id": project.project_id, "keys": wanted})
        assert list(found) == sorted(set(wanted) - {"not-stored"})
        none = await session.scalars(_BY_KEYS, {"project_id": project.project_id, "keys": []})
        assert list(none) == []


def test_the_statement_text_does_not_grow_with_the_list() -> None:
    # One placeholder whatever the list's length: the statement is compiled once and cached.
    pg = str(_BY_KEYS.compile(dialect=postgresql.asyncpg.dialect()))  # type: ignore[attr-defined]
    lite = str(_BY_KEYS.compile(dialect=sqlite.dialect()))
    assert "rule_counters.key = ANY($2::VARCHAR[])" in pg
    assert 'rule_counters."key" IN (SELECT value FROM json_each(?))' in lite
    assert "= 1" not in lite  # a predicate, not a boolean column compared with 1
