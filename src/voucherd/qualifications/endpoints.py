"""`POST /v1/qualifications`, `POST /client/v1/qualifications`, and the deprecated
`POST /v1/promotions/validation` / `GET /client/v1/promotions/validation`.

The promotions validation path lies under `/v1/promotions`, whose other routes the
promotions API registers: this router is included before it (app.py), and its path has
no `{campaignId}` segment that another route could mistake it for.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from pydantic import ValidationError
from starlette.responses import Response

from voucherd.kit.errors import InvalidQueryParams
from voucherd.kit.http import ReadOnlyRoute
from voucherd.kit.responses import JsonResponse
from voucherd.projects.auth import AppContext, ClientContext, Session
from voucherd.qualifications import promotions_validation, service
from voucherd.qualifications.schemas import (
    PromotionsValidationOut,
    PromotionsValidationRequest,
    QualificationRequest,
)

# Nothing here changes data: read-only units of work (on SQLite they never queue behind the
# writer), reading committed, live rows (no cache).
router = APIRouter(tags=["qualifications"], route_class=ReadOnlyRoute)

Origin = Annotated[str | None, Query(max_length=2048)]
AudienceOnly = Annotated[bool, Query(alias="audienceRulesOnly")]


@router.post("/v1/qualifications")
async def check_eligibility(
    body: QualificationRequest, ctx: AppContext, session: Session
) -> Response:
    return JsonResponse(await service.qualify(session, ctx, body))


@router.post("/client/v1/qualifications")
async def check_eligibility_client_side(
    body: QualificationRequest, client: ClientContext, session: Session, origin: Origin = None
) -> Response:
    return JsonResponse(await service.qualify(session, client.ctx, body))


@router.post("/v1/promotions/validation", response_model=PromotionsValidationOut)
async def validate_promotions(
    request: Request,
    ctx: AppContext,
    session: Session,
    body: Annotated[PromotionsValidationRequest | None, Body()] = None,
    audience_rules_only: AudienceOnly = False,
) -> Response:
    """Deprecated (Voucherify's connectors still call it on every cart update)."""
    campaign_id, metadata = promotions_validation.query_filters(request.query_params)
    answer = await promotions_validation.validate(
        session,
        ctx,
        body or PromotionsValidationRequest(),
        audience_only=audience_rules_only,
        campaign_id=campaign_id,
        metadata=metadata,
    )
    return JsonResponse(answer)


_BRACKETS = re.compile(r"\[([^\]]*)\]")


def nested_query(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """`customer[source_id]=x&item[0][price]=100` (the JS SDK's query form) as nested dicts;
    numeric keys make lists. Numbers stay strings until the body model reads them."""
    root: dict[str, Any] = {}
    for name, value in pairs:
        head = name.split("[", 1)[0]
        keys = [head, *_BRACKETS.findall(name[len(head) :])]
        node = root
        for key in keys[:-1]:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                raise InvalidQueryParams(f"{name}: conflicts with another parameter")
        node[keys[-1]] = value
    return {k: _lists(v) for k, v in root.items()}


def _lists(value: Any) -> Any:
    if not isinstance(value, dict):
        return _number(value)
    if value and all(k.isdigit() for k in value):
        return [_lists(value[k]) for k in sorted(value, key=int)]
    return {k: _lists(v) for k, v in value.items()}


def _number(value: str) -> Any:
    return int(value) if re.fullmatch(r"-?\d{1,15}", value) else value


def client_body(pairs: list[tuple[str, str]]) -> PromotionsValidationRequest:
    """The JS SDK's `promotions.validate` query: `amount`, `item[]` (or `items[]`),
    `order[...]`, `customer[...]`, `metadata[...]`, `tracking_id`."""
    query = nested_query([(k, v) for k, v in pairs if not k.startswith("filters")])
    order = dict(query.get("order") or {})
    if "amount" in query:
        order.setdefault("amount", query["amount"])
    items = query.get("items") or query.get("item")
    if items is not None:
        order.setdefault("items", items)
    data = {
        "customer": query.get("customer"),
        "order": order or None,
        "metadata": query.get("metadata"),
        "tracking_id": query.get("tracking_id"),
    }
    try:
        return PromotionsValidationRequest.model_validate(data)
    except ValidationError as exc:
        raise InvalidQueryParams(str(exc.errors()[0].get("msg"))) from exc


@router.get("/client/v1/promotions/validation", response_model=PromotionsValidationOut)
async def validate_promotions_client_side(
    request: Request,
    client: ClientContext,
    session: Session,
    origin: Origin = None,
    audience_rules_only: AudienceOnly = False,
) -> Response:
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k not in ("origin",)]
    campaign_id, metadata = promotions_validation.query_filters(request.query_params)
    answer = await promotions_validation.validate(
        session,
        client.ctx,
        client_body([(k, v) for k, v in pairs if k != "audienceRulesOnly"]),
        audience_only=audience_rules_only,
        campaign_id=campaign_id,
        metadata=metadata,
    )
    return JsonResponse(answer)
