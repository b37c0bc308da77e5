"""Tier recalculation in the background, for members whose points did not move.

Balance changes move a member's tier at once (`membership`). This job catches the rest: tiers
added to a program whose members already hold points. Programs qualifying on points in a
period are left to the balance path (their tiers change when points move).
"""

from __future__ import annotations

import logging
from functools import partial

from voucherd.campaigns import service as campaigns
from voucherd.kit.context import RequestContext
from voucherd.kit.db import Database, is_connection_error, retry_on_conflict
from voucherd.kit.ids import new_request_id
from voucherd.tiers import repository, rules
from voucherd.tiers.membership import recompute_member_tier
from voucherd.worker import register_job

log = logging.getLogger("voucherd.tiers")

# Members looked at per run; the job runs again at once while it finds work.
RECALC_BATCH = 100
# New tiers reach existing members within minutes; the idle check scans program members, so
# it runs rarely (Voucherify recalculates tiers once a day).
RECALC_IDLE_SECONDS = 300.0


def _internal(project_id: str) -> RequestContext:
    return RequestContext(project_id=project_id, request_id=new_request_id(), channel="INTERNAL")


async def _balance_programs(db: Database) -> list[str]:
    async with db.transaction(write=False) as session:
        programs = []
        for project_id, campaign_id in await repository.programs_with_tiers(session):
            program = await campaigns.get_by_id(session, _internal(project_id), campaign_id)
            settings = rules.tier_settings((program.extra or {}).get("loyalty_tiers_expiration"))
            if settings.qualification == "BALANCE":
                programs.append(campaign_id)
        return programs


async def recalculate_card(db: Database, card_id: str) -> bool:
    """Recompute one member's tier in its own transaction; True if it changed."""
    async with db.transaction(write=True) as session:
        card = await repository.lock_card(session, card_id)
        if card is None:
            return False
        return await recompute_member_tier(session, _internal(card.project_id), card)


@register_job("tiers.recalculate", idle_seconds=RECALC_IDLE_SECONDS)
async def recalculate_tiers(db: Database) -> int:
    """Move members of balance-qualified programs into the tier their balance is in."""
    programs = await _balance_programs(db)
    async with db.transaction(write=False) as session:
        card_ids = await repository.members_in_wrong_tier(session, programs, RECALC_BATCH)
    moved = 0
    for card_id in card_ids:
        try:
            if await retry_on_conflict(partial(recalculate_card, db, card_id)):
                moved += 1
        except Exception as exc:  # one broken card must not stop the others; retried next run
            if is_connection_error(exc):
                raise  # the database is gone, not the card: the worker waits for it
            log.exception("recalculating the tier of card %s failed", card_id)
    return moved
