"""HTTP endpoints of the tiers domain (paths under /v1/loyalties and friends)."""

from __future__ import annotations

from fastapi import APIRouter

from voucherd.kit.http import TransactionalRoute

router = APIRouter(tags=["tiers"], route_class=TransactionalRoute)
