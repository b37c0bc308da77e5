"""`GET /health`: the process is up and the database answers."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import text
from starlette.responses import Response

from voucherd.kit.db import Database
from voucherd.kit.responses import JsonResponse

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    status: Literal["ok", "unavailable"]
    database: str
    error: str | None = Field(None, description="The failure's type, when unavailable")


@router.get(
    "/health",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "The database does not answer"}},
)
async def health(request: Request) -> Response:
    db: Database = request.app.state.db
    try:
        async with db.transaction(write=False) as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:  # any database failure means unhealthy, whatever its type
        return JsonResponse(
            {"status": "unavailable", "database": db.dialect, "error": type(exc).__name__},
            status_code=503,
        )
    return JsonResponse({"status": "ok", "database": db.dialect})
