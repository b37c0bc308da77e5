"""The one clock: every rule that reads the time asks here, so tests can move time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """Wall clock in aware UTC, with an offset tests can move (no sleeping in tests)."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        if self._frozen is not None:
            return self._frozen
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> None:
        if self._frozen is not None:
            self._frozen += delta
        else:
            self._offset += delta

    def freeze(self, at: datetime | None = None) -> None:
        self._frozen = (at or self.now()).astimezone(UTC)

    def reset(self) -> None:
        self._offset = timedelta(0)
        self._frozen = None


clock = Clock()


def utcnow() -> datetime:
    return clock.now()
