"""The import and bulk-update endpoints: each starts an async action and answers its id.

Registered before the vouchers, campaigns, customers and products routers: their
`/{id}` paths would otherwise take `importCSV` for an id."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Form, UploadFile
from pydantic import Field
from starlette.responses import Response

from voucherd.async_actions.models import AsyncAction
from voucherd.async_actions.schemas import AsyncActionCreatedOut
from voucherd.imports import service
from voucherd.imports.schemas import MAX_ORDERS, MAX_ROWS, EmptyBody, MetadataUpdate
from voucherd.kit.http import TransactionalRoute
from voucherd.kit.responses import JsonResponse
from voucherd.projects.auth import AppContext, Session


class ImportRoute(TransactionalRoute):
    # Files and arrays of up to 100,000 rows: bounded by `import_max_bytes`, not the 1 MB of
    # ordinary bodies.
    body_limit_setting = "import_max_bytes"


router = APIRouter(tags=["imports"], route_class=ImportRoute)

CsvFile = Annotated[UploadFile, File(description="The CSV file (UTF-8, header line first)")]
Rows = Annotated[list[dict[str, Any]], Body(max_length=MAX_ROWS)]


def _started(action: AsyncAction, status: int) -> Response:
    return JsonResponse({"async_action_id": action.id}, status_code=status)


async def _read(file: UploadFile) -> bytes:
    # Already in memory: the route read (and size-checked) the whole body before parsing it.
    return await file.read()


@router.post("/v1/vouchers/import", status_code=202, response_model=AsyncActionCreatedOut)
async def import_vouchers(body: Rows, ctx: AppContext, session: Session) -> Response:
    return _started(await service.start_json(session, ctx, "VOUCHERS.IMPORT", body), 202)


@router.post("/v1/vouchers/importCSV", status_code=202, response_model=AsyncActionCreatedOut)
async def import_vouchers_csv(
    file: CsvFile,
    ctx: AppContext,
    session: Session,
    webhooks_enable: Annotated[bool, Form()] = False,
) -> Response:
    action = await service.start_csv(
        session,
        ctx,
        "VOUCHERS.IMPORT_CSV",
        await _read(file),
        {"webhooks_enable": webhooks_enable},
    )
    return _started(action, 202)


@router.post(
    "/v1/campaigns/{campaign_id}/import", status_code=202, response_model=AsyncActionCreatedOut
)
async def import_campaign_vouchers(
    campaign_id: str, body: Rows, ctx: AppContext, session: Session
) -> Response:
    params = await service.campaign_params(session, ctx, campaign_id)
    action = await service.start_json(session, ctx, "CAMPAIGN.VOUCHERS_IMPORT", body, params)
    return _started(action, 202)


@router.post("/v1/campaigns/{campaign_id}/importCSV", response_model=AsyncActionCreatedOut)
async def import_campaign_vouchers_csv(
    campaign_id: str, file: CsvFile, ctx: AppContext, session: Session
) -> Response:
    params = await service.campaign_params(session, ctx, campaign_id)
    data = await _read(file)
    action = await service.start_csv(session, ctx, "CAMPAIGN.VOUCHERS_IMPORT_CSV", data, params)
    return _started(action, 200)  # 200 here, 202 elsewhere: as Voucherify's spec has it


@router.post("/v1/customers/importCSV", status_code=202, response_model=AsyncActionCreatedOut)
async def import_customers_csv(file: CsvFile, ctx: AppContext, session: Session) -> Response:
    data = await _read(file)
    return _started(await service.start_csv(session, ctx, "CUSTOMERS.IMPORT_CSV", data), 202)


@router.post("/v1/products/importCSV", response_model=AsyncActionCreatedOut)
async def import_products_csv(file: CsvFile, ctx: AppContext, session: Session) -> Response:
    data = await _read(file)
    return _started(await service.start_csv(session, ctx, "PRODUCTS.IMPORT_CSV", data), 200)


@router.post("/v1/skus/importCSV", response_model=AsyncActionCreatedOut)
async def import_skus_csv(file: CsvFile, ctx: AppContext, session: Session) -> Response:
    data = await _read(file)
    return _started(await service.start_csv(session, ctx, "SKUS.IMPORT_CSV", data), 200)


@router.post("/v1/orders/import", response_model=AsyncActionCreatedOut)
async def import_orders(
    body: Annotated[list[dict[str, Any]], Body(max_length=MAX_ORDERS)],
    ctx: AppContext,
    session: Session,
) -> Response:
    return _started(await service.start_json(session, ctx, "ORDERS.IMPORT", body), 200)


@router.post("/v1/products/bulk/async", status_code=202, response_model=AsyncActionCreatedOut)
async def update_products_in_bulk(
    ctx: AppContext,
    session: Session,
    body: Annotated[
        Annotated[list[dict[str, Any]], Field(max_length=MAX_ROWS)] | EmptyBody, Body()
    ],
) -> Response:
    # No body (read as `{}`) updates no product: the official SDK suites call it so.
    rows = body if isinstance(body, list) else []
    action = await service.start_json(session, ctx, "PRODUCTS.BULK_UPDATE", rows, allow_empty=True)
    return _started(action, 202)


@router.post("/v1/products/metadata/async", status_code=202, response_model=AsyncActionCreatedOut)
async def update_products_metadata_in_bulk(
    body: MetadataUpdate, ctx: AppContext, session: Session
) -> Response:
    action = await service.start_json(
        session,
        ctx,
        "PRODUCTS.METADATA_UPDATE",
        list(body.source_ids),
        {"metadata": body.metadata},
        allow_empty=True,
    )
    return _started(action, 202)
