"""`/v1/segments` and `/v1/customers/{id}/segments`."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from voucherd.kit.http import TransactionalRoute
from voucherd.kit.responses import JsonResponse
from voucherd.projects.auth import AppContext, Session
from voucherd.segments import membership as _membership  # noqa: F401  (subscribes to customer changes)
from voucherd.segments import service
from voucherd.segments.schemas import CustomerSegmentsListOut, SegmentCreate, SegmentOut
from voucherd.segments.serializers import segment_body, simple_segment

router = APIRouter(tags=["segments"], route_class=TransactionalRoute)


@router.post("/v1/segments", response_model=SegmentOut)
async def create_segment(body: SegmentCreate, ctx: AppContext, session: Session) -> Response:
    return JsonResponse(segment_body(await service.create(session, ctx, body)))


@router.get("/v1/segments/{segment_id}", response_model=SegmentOut)
async def get_segment(segment_id: str, ctx: AppContext, session: Session) -> Response:
    return JsonResponse(segment_body(await service.get(session, ctx, segment_id)))


@router.delete("/v1/segments/{segment_id}", status_code=204)
async def delete_segment(segment_id: str, ctx: AppContext, session: Session) -> Response:
    await service.delete(session, ctx, segment_id)
    return Response(status_code=204)


@router.get("/v1/customers/{customer_id}/segments", response_model=CustomerSegmentsListOut)
async def list_customer_segments(customer_id: str, ctx: AppContext, session: Session) -> Response:
    found = await service.segments_of_customer(session, ctx, customer_id)
    data = [simple_segment(s) for s in found]
    return JsonResponse({"object": "list", "data_ref": "data", "data": data, "total": len(data)})
