"""The ASGI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from voucherd import health
from voucherd.assets.endpoints import router as assets_router
from voucherd.assets.links import AssetLinksMiddleware
from voucherd.async_actions.endpoints import router as async_actions_router
from voucherd.campaigns.endpoints import router as campaigns_router
from voucherd.categories.endpoints import router as categories_router
from voucherd.client.endpoints import router as client_router
from voucherd.config import Settings, get_settings
from voucherd.console import endpoints as console
from voucherd.customers.endpoints import router as customers_router
from voucherd.earning.endpoints import router as earning_router
from voucherd.events.endpoints import router as events_router
from voucherd.exports.endpoints import router as exports_router
from voucherd.imports.endpoints import router as imports_router
from voucherd.kit.cors import ClientCorsMiddleware
from voucherd.kit.db import Database
from voucherd.kit.http import RequestIdAndRawPathMiddleware, install_error_handlers
from voucherd.kit.openapi import finalize
from voucherd.kit.ratelimit import RateLimiter
from voucherd.loyalty.endpoints import router as loyalty_router
from voucherd.metadata_schemas.endpoints import router as metadata_schemas_router
from voucherd.oauth.endpoints import router as oauth_router
from voucherd.orders.endpoints import router as orders_router
from voucherd.product_collections.endpoints import router as product_collections_router
from voucherd.products.endpoints import router as products_router
from voucherd.projects.endpoints import router as projects_router
from voucherd.promotions.endpoints import client_router as promotions_client_router
from voucherd.promotions.endpoints import router as promotions_router
from voucherd.publications.endpoints import router as publications_router
from voucherd.qualifications.endpoints import router as qualifications_router
from voucherd.redemptions.endpoints import router as redemptions_router
from voucherd.referrals.endpoints import router as referrals_router
from voucherd.rewards.endpoints import router as rewards_router
from voucherd.rules.endpoints import router as rules_router
from voucherd.segments.endpoints import router as segments_router
from voucherd.sessions.endpoints import router as sessions_router
from voucherd.stacking.endpoints import router as stacking_router
from voucherd.tiers.endpoints import router as tiers_router
from voucherd.vouchers.endpoints import router as vouchers_router
from voucherd.webhooks.endpoints import router as webhooks_router
from voucherd.webhooks.metrics import router as metrics_router

# Routers are matched in this order, route by route: the busiest paths (redemptions and
# orders, whose prefixes no other router uses) come first.
ROUTERS = (
    redemptions_router,
    # Before the promotions API: `/v1/promotions/validation` is this router's.
    qualifications_router,
    orders_router,
    # Before the routers whose POST `/{id}` paths would take `importCSV`, `bulk` for an id.
    imports_router,
    customers_router,
    products_router,
    product_collections_router,
    campaigns_router,
    promotions_router,
    categories_router,
    segments_router,
    vouchers_router,
    sessions_router,
    publications_router,
    loyalty_router,
    earning_router,
    tiers_router,
    rewards_router,
    referrals_router,
    rules_router,
    events_router,
    client_router,
    promotions_client_router,
    stacking_router,
    metadata_schemas_router,
    assets_router,
    async_actions_router,
    exports_router,
    projects_router,
    oauth_router,
    webhooks_router,
    metrics_router,
    health.router,
)


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    database = db or Database(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    owns_db = db is None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owns_db:
            await database.dispose()

    app = FastAPI(
        title="voucherd",
        version="0.1.0",
        description="Self-hosted, Voucherify-compatible loyalty and promotions engine (API v1).",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.client_rate_limiter = RateLimiter(settings.client_rate_limit_per_minute)
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    console.install(app)
    app.add_middleware(ClientCorsMiddleware)
    app.add_middleware(AssetLinksMiddleware)
    app.add_middleware(RequestIdAndRawPathMiddleware)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        # FastAPI's document, made true of what voucherd answers (kit/openapi.py), once.
        if app.openapi_schema is None:
            app.openapi_schema = finalize(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
