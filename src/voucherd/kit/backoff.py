"""Keeping failing work items out of a job's next runs for a while.

Jobs take the oldest due items first; an item that fails every time would come back at the
head of every batch and, a batch of them, stall everything behind it. Failed keys are held
back (per process) and retried once their hold ends.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from voucherd.kit.clock import utcnow


class Quarantine:
    def __init__(self, hold: timedelta) -> None:
        self._hold = hold
        self._until: dict[str, datetime] = {}

    def hold(self, key: str) -> None:
        self._until[key] = utcnow() + self._hold

    def held(self) -> list[str]:
        """Keys still held back now (expired holds are forgotten)."""
        now = utcnow()
        self._until = {k: t for k, t in self._until.items() if t > now}
        return list(self._until)
