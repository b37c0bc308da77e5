"""`GET /metrics`: webhook delivery in Prometheus' text format.

Numbers come from the send-out table, not from process memory, so any API process reports
the work of every worker (embedded or `voucherd worker`, one or several).
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from voucherd.kit.clock import utcnow
from voucherd.kit.http import TransactionalRoute
from voucherd.projects.auth import Session
from voucherd.webhooks import repository
from voucherd.webhooks.models import SENDOUT_STATUSES, SUCCEEDED

router = APIRouter(tags=["metrics"], route_class=TransactionalRoute)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _metric(name: str, kind: str, help_text: str, samples: list[tuple[str, float]]) -> str:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    lines += [f"{name}{labels} {value:g}" for labels, value in samples]
    return "\n".join(lines)


@router.get("/metrics", include_in_schema=False)
async def metrics(session: Session) -> Response:
    by_status, attempts, retries = await repository.sendout_totals(session)
    oldest = await repository.oldest_open_created_at(session)
    age = max((utcnow() - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
    failed_attempts = attempts - by_status.get(SUCCEEDED, 0)
    text = "\n".join(
        [
            _metric(
                "voucherd_webhook_delivered_total",
                "counter",
                "Send-outs a receiver accepted with a 2xx.",
                [("", by_status.get(SUCCEEDED, 0))],
            ),
            _metric(
                "voucherd_webhook_failed_attempts_total",
                "counter",
                "Delivery attempts that did not get a 2xx (errors, timeouts, non-2xx).",
                [("", max(failed_attempts, 0))],
            ),
            _metric(
                "voucherd_webhook_retried_total",
                "counter",
                "Delivery attempts after the first one of a send-out.",
                [("", retries)],
            ),
            _metric(
                "voucherd_webhook_failed_sendouts",
                "gauge",
                "Send-outs that gave up (retries exhausted or 410); replay sends them again.",
                [("", by_status.get("FAILED", 0))],
            ),
            _metric(
                "voucherd_webhook_sendouts",
                "gauge",
                "Send-outs by status.",
                [(f'{{status="{s}"}}', by_status.get(s, 0)) for s in SENDOUT_STATUSES],
            ),
            _metric(
                "voucherd_webhook_oldest_pending_age_seconds",
                "gauge",
                "Age of the oldest send-out still to deliver on an active endpoint (0 if none).",
                [("", round(age, 3))],
            ),
        ]
    )
    return Response(text + "\n", media_type=CONTENT_TYPE)
