"""`/v1/exports` and the shortcuts that create an export of one campaign's or card's
transactions, of orders, or of points that expire."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse
from starlette.responses import Response

from voucherd.campaigns import service as campaigns
from voucherd.config import Settings
from voucherd.exports import service
from voucherd.exports.models import Export
from voucherd.exports.schemas import ExportCreate, ShortcutExportCreate
from voucherd.exports.serializers import export_body
from voucherd.kit.context import RequestContext
from voucherd.kit.http import TransactionalRoute
from voucherd.kit.pagination import Page, list_body, paginate
from voucherd.kit.responses import JsonResponse
from voucherd.loyalty import service as loyalty
from voucherd.projects.auth import AppContext, Session, app_context
from voucherd.vouchers import service as vouchers

router = APIRouter(tags=["exports"], route_class=TransactionalRoute)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _body(request: Request, export: Export) -> dict[str, Any]:
    base = _settings(request).public_url or str(request.base_url)
    return export_body(export, service.download_url(export, base))


async def _create(
    request: Request,
    session: Session,
    ctx: RequestContext,
    exported_object: Any,
    parameters: Any,
    scope: dict[str, str] | None = None,
) -> Response:
    export = await service.create(session, ctx, exported_object, parameters, scope=scope)
    return JsonResponse(_body(request, export))


@router.post("/v1/exports")
async def create_export(
    body: ExportCreate, request: Request, ctx: AppContext, session: Session
) -> Response:
    return await _create(request, session, ctx, body.exported_object, body.parameters)


@router.get("/v1/exports")
async def list_exports(request: Request, ctx: AppContext, session: Session, page: Page) -> Response:
    rows, total, _more = await paginate(
        session,
        service.list_query(ctx),
        Export.id,
        page,
        {"status": Export.status},
    )
    return JsonResponse(list_body("exports", [_body(request, e) for e in rows], total))


@router.get("/v1/exports/{export_id}", response_model=None)
async def get_export(
    export_id: str,
    request: Request,
    session: Session,
    token: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    """The export object; with `token` (from `result.url`), the CSV file itself, no API key
    needed: the token is the credential, so the link works in a browser."""
    if token is not None:
        settings = _settings(request)
        path = await service.file_for_download(
            session, export_id, token, Path(settings.data_dir), settings.export_link_ttl_seconds
        )
        return FileResponse(
            path,
            media_type="text/plain; charset=utf-8",
            filename=f"{export_id}.csv",
            content_disposition_type="inline",
        )
    ctx = await app_context(request)
    return JsonResponse(_body(request, await service.get(session, ctx, export_id)))


@router.delete("/v1/exports/{export_id}", status_code=204)
async def delete_export(
    export_id: str, request: Request, ctx: AppContext, session: Session
) -> Response:
    await service.delete(session, ctx, export_id, Path(_settings(request).data_dir))
    return Response(status_code=204)


# -- shortcuts: the same export object, narrowed by the path ---------------------------------

TRANSACTIONS = "voucher_transactions"


async def _narrowed(
    request: Request,
    session: Session,
    ctx: RequestContext,
    body: ShortcutExportCreate,
    exported_object: str,
    **scope: str,
) -> Response:
    return await _create(request, session, ctx, exported_object, body.parameters, scope)


@router.post("/v1/campaigns/{campaign_id}/transactions/export")
async def export_campaign_transactions(
    campaign_id: str,
    body: ShortcutExportCreate,
    request: Request,
    ctx: AppContext,
    session: Session,
) -> Response:
    campaign = await campaigns.get(session, ctx, campaign_id)
    return await _narrowed(request, session, ctx, body, TRANSACTIONS, campaign_id=campaign.id)


@router.post("/v1/loyalties/{campaign_id}/transactions/export")
async def export_program_transactions(
    campaign_id: str,
    body: ShortcutExportCreate,
    request: Request,
    ctx: AppContext,
    session: Session,
) -> Response:
    program = await loyalty.get_program(session, ctx, campaign_id)
    return await _narrowed(request, session, ctx, body, TRANSACTIONS, campaign_id=program.id)


@router.post("/v1/loyalties/members/{member_id}/transactions/export")
async def export_member_transactions(
    member_id: str,
    body: ShortcutExportCreate,
    request: Request,
    ctx: AppContext,
    session: Session,
) -> Response:
    card = await loyalty.get_member(session, ctx, member_id)
    return await _narrowed(request, session, ctx, body, TRANSACTIONS, voucher_id=card.id)


@router.post("/v1/loyalties/{campaign_id}/members/{member_id}/transactions/export")
async def export_program_member_transactions(
    campaign_id: str,
    member_id: str,
    body: ShortcutExportCreate,
    request: Request,
    ctx: AppContext,
    session: Session,
) -> Response:
    card = await loyalty.get_member(session, ctx, member_id, campaign_id)
    return await _narrowed(request, session, ctx, body, TRANSACTIONS, voucher_id=card.id)


@router.post("/v1/vouchers/{code}/transactions/export")
async def export_voucher_transactions(
    code: str, body: ShortcutExportCreate, request: Request, ctx: AppContext, session: Session
) -> Response:
    voucher = await vouchers.get(session, ctx, code)
    return await _narrowed(request, session, ctx, body, TRANSACTIONS, voucher_id=voucher.id)


@router.post("/v1/loyalties/{campaign_id}/points-expiration/export")
async def export_points_expiration(
    campaign_id: str,
    body: ShortcutExportCreate,
    request: Request,
    ctx: AppContext,
    session: Session,
) -> Response:
    program = await loyalty.get_program(session, ctx, campaign_id)
    return await _narrowed(request, session, ctx, body, "points_expiration", campaign_id=program.id)


@router.post("/v1/orders/export")
async def export_orders(
    body: ShortcutExportCreate, request: Request, ctx: AppContext, session: Session
) -> Response:
    return await _create(request, session, ctx, "order", body.parameters)
