"""`POST /v1/events`: custom events sent by the shop."""

from __future__ import annotations

from fastapi import APIRouter

from voucherd.kit.http import TransactionalRoute

router = APIRouter(tags=["events"], route_class=TransactionalRoute)
