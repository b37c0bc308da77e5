"""Background jobs of the earning domain, registered with the worker.

`earning.activate_pending_points`: pending points whose `activates_at` day has come (by the
one clock, in the project's time zone) are credited to their cards, each entry in its own
small transaction, so one failing entry neither blocks nor rolls back the others.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

# Imported for their subscriptions: customer.order.paid, segment entries and tier changes.
from voucherd.earning import (  # noqa: F401
    earn,
    pending,
    repository,
    segment_events,
    tier_events,
)
from voucherd.kit.backoff import Quarantine
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.db import Database, is_connection_error, retry_on_conflict
from voucherd.kit.ids import new_request_id
from voucherd.kit.zones import local_dates
from voucherd.projects import service as projects
from voucherd.vouchers import service as vouchers
from voucherd.worker import register_job

log = logging.getLogger("voucherd.earning")

# Entries per run: small transactions keep SQLite's single writer free for API requests; the
# worker runs again at once while a run found work, so a backlog drains batch after batch.
BATCH_SIZE = 100
# Pending points activate by the day: looking once a minute is plenty when nothing is due.
IDLE_SECONDS = 60.0
# Entries that failed are left out of the next runs for this long, then retried.
_failing = Quarantine(timedelta(minutes=10))


async def _activate_one(db: Database, entry_id: str, project_id: str) -> bool:
    async with db.transaction(write=True) as session:
        ctx = RequestContext(
            project_id=project_id,
            request_id=new_request_id(),
            channel="INTERNAL",
            timezone=await projects.timezone_of(session, project_id),
        )
        entry = await repository.get_pending(session, project_id, entry_id)
        if entry is None or entry.status != repository.PENDING:
            return False  # another worker (or a manual activation) got there first
        card = (await vouchers.get_many(session, ctx, [entry.voucher_id])).get(entry.voucher_id)
        if card is None:
            return False
        try:
            await pending.activate(session, ctx, entry, card, operation_type="AUTOMATIC")
        except pending.PendingPointsNotPending:
            return False
    return True


@register_job("earning.activate_pending_points", idle_seconds=IDLE_SECONDS)
async def activate_due_pending_points(db: Database) -> int:
    async with db.transaction(write=False) as session:
        today_by_date = local_dates(utcnow(), await projects.zones(session))
        due = await repository.due_pending(session, today_by_date, BATCH_SIZE, _failing.held())
    activated = 0
    for entry_id, project_id in due:
        try:
            if await retry_on_conflict(partial(_activate_one, db, entry_id, project_id)):
                activated += 1
        except Exception as exc:  # one broken entry must not stop the others; retried later
            if is_connection_error(exc):
                raise  # the database is gone, not the entry: the worker waits for it
            log.exception("activating pending points %s failed", entry_id)
            _failing.hold(entry_id)
    return activated
