"""HTTP endpoints of the earning domain (paths under /v1/loyalties and friends)."""

from __future__ import annotations

from fastapi import APIRouter

from voucherd.kit.http import TransactionalRoute

router = APIRouter(tags=["earning"], route_class=TransactionalRoute)
