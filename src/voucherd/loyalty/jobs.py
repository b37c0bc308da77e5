"""Background jobs of the loyalty domain, registered with the worker: points expiry.

Points of a bucket are valid through its `expires_on` day and expire the day after, in the
project's time zone.
Each card expires in its own short write transaction, so one card never holds up the rest and
a crash loses at most the card in hand (it is found again next run).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from voucherd.kit.backoff import Quarantine
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.db import Database, is_connection_error, retry_on_conflict
from voucherd.kit.ids import new_request_id
from voucherd.kit.zones import local_dates
from voucherd.loyalty import ledger, repository
from voucherd.projects import service as projects
from voucherd.vouchers.models import Voucher
from voucherd.worker import register_job

log = logging.getLogger("voucherd.loyalty")
# Cards whose expiry failed are left out of the next runs for this long, then retried.
_failing = Quarantine(timedelta(minutes=10))

# Cards looked at per run; the job runs again at once while it finds work.
EXPIRY_BATCH = 100
# Expiry is due once a day at midnight UTC; a minute's delay is invisible, and the idle scan
# is one indexed query (ix_points_buckets_expires_remaining).
EXPIRY_IDLE_SECONDS = 60.0


async def expire_card(db: Database, card_id: str) -> bool:
    """Expire the card's overdue points in one transaction; False if nothing was due.

    Safe to run twice at once for one card: the ledger locks the card row before it reads the
    overdue buckets, so the second run waits, then finds them empty.
    """
    async with db.transaction(write=True) as session:
        card = await session.get(Voucher, card_id)
        if card is None:
            return False
        ctx = RequestContext(
            project_id=card.project_id,
            request_id=new_request_id(),
            channel="INTERNAL",
            timezone=await projects.timezone_of(session, card.project_id),
        )
        return await ledger.expire_due(session, ctx, card, ctx.today())


@register_job("loyalty.expire_points", idle_seconds=EXPIRY_IDLE_SECONDS)
async def expire_points(db: Database) -> int:
    """Expire overdue points card by card; returns how many cards lost points (0 = idle).

    A card another worker expired first counts 0 here, so a lost race never keeps the loop
    busy.
    """
    async with db.transaction(write=False) as session:
        today_by_date = local_dates(utcnow(), await projects.zones(session))
        card_ids = await repository.cards_with_overdue_points(
            session, today_by_date, EXPIRY_BATCH, _failing.held()
        )
    handled = 0
    for card_id in card_ids:
        try:
            if await retry_on_conflict(partial(expire_card, db, card_id)):
                handled += 1
        except Exception as exc:  # one broken card must not stop the others; retried later
            if is_connection_error(exc):
                raise  # the database is gone, not the card: the worker waits for it
            log.exception("expiring points of card %s failed", card_id)
            _failing.hold(card_id)
    return handled
