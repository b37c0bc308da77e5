"""Registers webhook delivery with the background worker (and the event subscriber, by
importing the service), for `voucherd serve` and `voucherd worker`."""

from __future__ import annotations

from voucherd.config import get_settings
from voucherd.kit.db import Database
from voucherd.webhooks import service as _service  # noqa: F401  (subscribes to every event)
from voucherd.webhooks.worker import Deliverer, DeliveryConfig
from voucherd.worker import on_shutdown, register_job

# How long the worker waits before looking again when nothing was due: the delay a new event
# may sit before its first attempt, against one small claim query per interval.
IDLE_SECONDS = 0.25

_deliverer: Deliverer | None = None


def deliverer() -> Deliverer:
    global _deliverer
    if _deliverer is None:
        _deliverer = Deliverer(DeliveryConfig.from_settings(get_settings()))
    return _deliverer


@register_job("webhooks.deliver", idle_seconds=IDLE_SECONDS)
async def deliver_webhooks(db: Database) -> int:
    return await deliverer().tick(db)


@on_shutdown
async def stop_delivering() -> None:
    if _deliverer is not None:
        await _deliverer.stop()
