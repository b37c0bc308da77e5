"""A project's stacking rules: create, read, change, return to defaults; and the rules the
redemption engine applies."""

from __future__ import annotations

import time

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.categories import service as categories
from voucherd.kit.clock import utcnow
from voucherd.kit.errors import DuplicateFound, InvalidPayload, NotFound
from voucherd.kit.ids import Prefix, new_id
from voucherd.stacking import repository
from voucherd.stacking.models import StackingRulesRow
from voucherd.stacking.rules import StackingRules
from voucherd.stacking.schemas import StackingRulesBody, check_consistent

_CATEGORY_FIELDS = (
    "exclusive_categories",
    "joint_categories",
    "discounted_amount_mode_categories",
    "no_effect_skip_categories",
    "no_effect_redeem_anyway_categories",
)


# The rules every validation and redemption follows are remembered this long per process, so
# the hot path reads no row for them (tests/perf/test_statement_budget.py). A change is seen
# by other processes within this time, as a revoked key is (projects.auth); the process that
# makes it forgets at once.
RULES_CACHE_SECONDS = 10.0
_rules_cache: dict[str, tuple[float, StackingRules]] = {}


def forget_cached(project_id: str | None = None) -> None:
    if project_id is None:
        _rules_cache.clear()
    else:
        _rules_cache.pop(project_id, None)


async def rules_for(session: AsyncSession, project_id: str) -> StackingRules:
    """The rules a project's validations and redemptions follow."""
    now = time.monotonic()
    hit = _rules_cache.get(project_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    row = await repository.get_for_project(session, project_id)
    rules = StackingRules.from_stored(row.rules if row else None)
    _rules_cache[project_id] = (now + RULES_CACHE_SECONDS, rules)
    return rules


async def current(
    session: AsyncSession, project_id: str
) -> tuple[StackingRules, StackingRulesRow | None]:
    row = await repository.get_for_project(session, project_id)
    return StackingRules.from_stored(row.rules if row else None), row


async def _check_categories(
    session: AsyncSession, project_id: str, stored: dict[str, object]
) -> None:
    """Every category a rule names exists in the project (a typo would silently never match)."""
    named: dict[str, list[str]] = {}
    for name in _CATEGORY_FIELDS:
        ids = stored.get(name)
        named[name] = [str(i) for i in ids] if isinstance(ids, list) else []
    limits = stored.get("applicable_redeemables_category_limits")
    named["applicable_redeemables_category_limits"] = (
        [str(i) for i in limits] if isinstance(limits, dict) else []
    )
    wanted = sorted({i for ids in named.values() for i in ids})
    unknown = set(await categories.missing(session, project_id, wanted))
    for name, ids in named.items():
        for category_id in ids:
            if category_id in unknown:
                raise InvalidPayload(f"{name}: category {category_id} does not exist")


async def _validated(session: AsyncSession, project_id: str, stored: dict[str, object]) -> None:
    check_consistent(StackingRules.from_stored(stored).as_dict())
    await _check_categories(session, project_id, stored)


def _already_exist() -> DuplicateFound:
    return DuplicateFound(
        "Custom stacking rules already exist for this project: update or delete them",
        resource_type="stacking_rules",
    )


async def create(
    session: AsyncSession, project_id: str, body: StackingRulesBody
) -> StackingRulesRow:
    if await repository.get_for_project(session, project_id) is not None:
        raise _already_exist()
    stored = body.given()
    await _validated(session, project_id, stored)
    row = StackingRulesRow(
        id=new_id(Prefix.STACKING_RULES), project_id=project_id, rules=stored, created_at=utcnow()
    )
    try:
        # The unique project_id decides two concurrent creates; the loser fails alone, in
        # its savepoint, as if it had seen the winner's row.
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError as exc:
        raise _already_exist() from exc
    forget_cached(project_id)
    return row


async def get(
    session: AsyncSession, project_id: str, rules_id: str, *, for_update: bool = False
) -> StackingRulesRow:
    row = await repository.get_for_project(session, project_id, for_update=for_update)
    if row is None or row.id != rules_id:
        raise NotFound("stacking_rules", rules_id)
    return row


async def update(
    session: AsyncSession, project_id: str, rules_id: str, body: StackingRulesBody
) -> StackingRulesRow:
    """Changes the fields given; the others keep their value."""
    # Locked: two updates of different fields merge into the stored JSON one after the
    # other, so neither loses the other's change.
    row = await get(session, project_id, rules_id, for_update=True)
    stored = {**row.rules, **body.given()}
    await _validated(session, project_id, stored)
    row.rules = stored
    row.updated_at = utcnow()
    await session.flush()
    forget_cached(project_id)
    return row


async def delete(session: AsyncSession, project_id: str, rules_id: str) -> None:
    """The project returns to the default rules."""
    row = await get(session, project_id, rules_id)
    await session.delete(row)
    await session.flush()
    forget_cached(project_id)


@categories.on_delete
async def _forget_deleted_category(
    session: AsyncSession, project_id: str, category_id: str
) -> None:
    """Rules stop naming a deleted category (they would refuse every later update)."""
    row = await repository.get_for_project(session, project_id, for_update=True)
    if row is None:
        return
    stored = dict(row.rules)
    for name in _CATEGORY_FIELDS:
        if isinstance(stored.get(name), list):
            stored[name] = [c for c in stored[name] if c != category_id]
    limits = stored.get("applicable_redeemables_category_limits")
    if isinstance(limits, dict):
        stored["applicable_redeemables_category_limits"] = {
            k: v for k, v in limits.items() if k != category_id
        }
    row.rules = stored
    forget_cached(project_id)
