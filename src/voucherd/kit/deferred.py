"""Rows a unit of work writes only when it commits, in one INSERT per table.

The event outbox uses this: a redemption records four events (and a send-out per subscribed
endpoint for each), which were four-plus separate INSERTs, each a round trip on PostgreSQL.
Deferred, they are written by one executemany per table just before COMMIT, in the same
transaction, so an event still exists exactly when the change it describes was committed.

- Rows are written in the order tables first received a row, so a parent table (events)
  is written before the rows that reference it (webhook send-outs).
- Rows deferred inside a savepoint that rolls back are dropped with it, as its INSERTs would
  have been; a rolled-back unit of work drops them all.
- Nothing may read these tables back in the same unit of work (nothing does: send-outs and
  events are read by the delivery worker and the list endpoints, in later transactions).
- Rows are written by the unit of work's COMMIT, not by a savepoint's release; every savepoint
  here is a context manager, closed before its unit of work commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, event, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.sql.dml import Insert

_ROWS = "voucherd.deferred_rows"
_MARKS = "voucherd.deferred_marks"
_RELEASED = "voucherd.deferred_released"
_INSERTS: dict[Table, Insert] = {}


def defer_insert(session: AsyncSession, table: Table, row: dict[str, Any]) -> None:
    """INSERT `row` into `table` when the session's transaction commits."""
    session.sync_session.info.setdefault(_ROWS, []).append((table, row))


def pending_rows(session: AsyncSession, table: Table) -> list[dict[str, Any]]:
    """What `table` will receive at commit (for tests of this module)."""
    return [row for t, row in session.sync_session.info.get(_ROWS, ()) if t is table]


@event.listens_for(Session, "after_transaction_create")
def _remember_savepoint_start(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        session.info.setdefault(_MARKS, {})[transaction] = len(session.info.get(_ROWS, ()))


@event.listens_for(Session, "before_commit")
def _write_deferred(session: Session) -> None:
    if session.in_nested_transaction():
        # A savepoint's release: its rows wait for the COMMIT of the unit of work.
        session.info.setdefault(_RELEASED, set()).add(session.get_nested_transaction())
        return
    if not session.info.get(_ROWS):
        return
    # Pending ORM rows first (COMMIT would flush them next): a deferred row may reference one.
    session.flush()
    rows: list[tuple[Table, dict[str, Any]]] = session.info.pop(_ROWS)
    by_table: dict[Table, list[dict[str, Any]]] = {}
    for table, row in rows:
        by_table.setdefault(table, []).append(row)
    for table, group in by_table.items():
        stmt = _INSERTS.get(table)
        if stmt is None:
            stmt = _INSERTS[table] = insert(table)
        session.execute(stmt, group)


@event.listens_for(Session, "after_transaction_end")
def _settle(session: Session, transaction: SessionTransaction) -> None:
    """A savepoint that ended without being released was rolled back (by an exception in its
    block, or by a failed flush inside it, which fires no rollback event of its own): its rows
    go. The unit of work's end drops whatever was not written (a rollback)."""
    if transaction.nested:
        mark = session.info.get(_MARKS, {}).pop(transaction, None)
        released = session.info.get(_RELEASED, set())
        if transaction in released:
            released.discard(transaction)
        elif mark is not None and session.info.get(_ROWS):
            del session.info[_ROWS][mark:]
    elif transaction.parent is None:
        for key in (_ROWS, _MARKS, _RELEASED):
            session.info.pop(key, None)
