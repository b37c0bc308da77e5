"""`/client/v1/*`: the server-side operations a browser may call, through the same services.

A client key is public (it sits in the shop's pages), so the key decides what it may do:
validation and custom events always; redeem and publish only when the operator allowed them
(`voucherd keys create --client --allow-redeem`). Origins, the per-IP rate limit and CORS
are handled before these run (projects.auth.client_context, kit.cors).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from voucherd.earning import custom_events
from voucherd.earning.schemas import CustomEventCreate
from voucherd.kit.errors import Forbidden
from voucherd.kit.http import TransactionalRoute
from voucherd.kit.responses import JsonResponse
from voucherd.projects.auth import ClientContext, Session
from voucherd.publications import service as publications
from voucherd.publications.schemas import PublicationCreate
from voucherd.publications.serializers import publication_body
from voucherd.redemptions import service as redemptions

# The redemption edge records refused redemptions; client redemptions are recorded the same way.
from voucherd.redemptions.endpoints import FailureRecordingRoute
from voucherd.redemptions.schemas import StackableRequest

router = APIRouter(prefix="/client/v1", tags=["client-side"], route_class=TransactionalRoute)

# The official SDKs send the calling page's origin as a query parameter; it is read by the
# auth dependency, and declared here so it is documented and accepted.
Origin = Annotated[str | None, Query(max_length=2048)]


@router.post("/validations")
async def validate(
    body: StackableRequest, client: ClientContext, session: Session, origin: Origin = None
) -> Response:
    return JsonResponse(await redemptions.validate(session, client.ctx, body))


async def redeem(
    body: StackableRequest, client: ClientContext, session: Session, origin: Origin = None
) -> Response:
    if not client.settings.allow_redeem:
        raise Forbidden(
            "This client key may not redeem: create one with `voucherd keys create --client "
            "--allow-redeem`, or redeem from your server"
        )
    redeemed = await redemptions.redeem(session, client.ctx, body)
    return JsonResponse(redemptions.redeemed_body(redeemed))


router.add_api_route(
    "/redemptions", redeem, methods=["POST"], route_class_override=FailureRecordingRoute
)


@router.post("/events")
async def track_custom_event(
    body: CustomEventCreate, client: ClientContext, session: Session, origin: Origin = None
) -> Response:
    return JsonResponse(await custom_events.track(session, client.ctx, body))


@router.post("/publish")
async def publish(
    body: PublicationCreate, client: ClientContext, session: Session, origin: Origin = None
) -> Response:
    """Voucherify's deprecated client-side publication, still used by older storefronts."""
    if not client.settings.allow_publish:
        raise Forbidden(
            "This client key may not publish codes: create one with `voucherd keys create "
            "--client --allow-publish`, or publish from your server"
        )
    done = await publications.create(session, client.ctx, body, join_once=False)
    return JsonResponse(publication_body(done.publication, done.customer, done.voucher))
