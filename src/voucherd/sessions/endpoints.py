"""`DELETE /v1/vouchers/{code}/sessions/{sessionKey}`: release a validation session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from voucherd.kit.http import TransactionalRoute
from voucherd.projects.auth import AppContext, Session
from voucherd.sessions import service

router = APIRouter(tags=["vouchers"], route_class=TransactionalRoute)


@router.delete("/v1/vouchers/{code}/sessions/{sessionKey}", status_code=204)
async def release_validation_session(
    code: str,
    key: Annotated[str, Path(alias="sessionKey", max_length=200)],
    ctx: AppContext,
    session: Session,
) -> Response:
    await service.release(session, ctx, code, key)
    return Response(status_code=204)
