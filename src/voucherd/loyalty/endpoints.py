"""`/v1/loyalties`: programs, members, points balance, transactions, transfers, expiry."""

from __future__ import annotations

from fastapi import APIRouter

from voucherd.kit.http import TransactionalRoute

router = APIRouter(prefix="/v1/loyalties", tags=["loyalties"], route_class=TransactionalRoute)
