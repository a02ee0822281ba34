"""Assembles every domain's router into the FastAPI app."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import APIRouter, FastAPI

from citysafe.core import heap
from citysafe.core.config import Settings, get_settings
from citysafe.core.context import AppContext
from citysafe.core.events import bus
from citysafe.core.problems import install_problem_handlers
from citysafe.registry import load_models
from citysafe.web import install_console

API_PREFIX = "/api/v1"

# Each domain's views module has one ``router``; listed here in the order of DESIGN.md's layers.
API_ROUTER_MODULES = (
    "citysafe.auth.views",
    "citysafe.regions.views",
    "citysafe.orgs.views",
    "citysafe.hazards.views",
    "citysafe.firewatch.views",
    "citysafe.firewatch.views_registry",
    "citysafe.firewatch.views_ingest",
    "citysafe.firewatch.live",
    "citysafe.firewatch.downlink",
    "citysafe.risk.views",
    "citysafe.risk.whitepaper.views",
)
CONSOLE_ROUTER_MODULES = (
    "citysafe.web.shell",
    "citysafe.web.hazards",
    "citysafe.web.firewatch",
    "citysafe.web.risk",
)
# Each module has ``register(bus)``, subscribing its domain's reactions to other domains' events.
HANDLER_MODULES: tuple[str, ...] = (
    "citysafe.risk.handlers",
    "citysafe.firewatch.handlers",
    "citysafe.hazards.handlers",
)
# Each module has ``running(app, ctx)``: an async context manager for the background work of its domain
# (gateways, live streams, timers), entered when the app starts and left when it stops.
SERVICE_MODULES: tuple[str, ...] = (
    "citysafe.firewatch.live",  # before the gateway: alarms it stores must find the hub running
    "citysafe.firewatch.gateway",
    "citysafe.firewatch.timers",
    "citysafe.firewatch.mqtt",
    "citysafe.hazards.overdue",
    "citysafe.risk.warmup",
)


def _routers(modules: tuple[str, ...]) -> list[APIRouter]:
    return [importlib.import_module(name).router for name in modules]


def create_app(settings: Settings | None = None, *, ctx: AppContext | None = None) -> FastAPI:
    load_models()
    context = ctx or AppContext.from_settings(settings or get_settings())
    bus.bind(context.session_factory)

    for name in HANDLER_MODULES:
        importlib.import_module(name).register(bus)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Events left undelivered by a crash or a failed handler go out before new work starts.
        await asyncio.to_thread(bus.deliver_pending)
        async with AsyncExitStack() as stack:
            for name in SERVICE_MODULES:
                await stack.enter_async_context(importlib.import_module(name).running(app, context))
            if context.settings.settle_heap:
                heap.settle()  # a server process (serve, demo): see core/heap.py
            yield

    app = FastAPI(
        title="citysafe", version="0.1.0", lifespan=lifespan,
        description="城市安全风险综合监管平台 API — risk, hazards, fire monitoring, emergency.",
    )
    app.state.ctx = context
    install_problem_handlers(app)

    api = APIRouter(prefix=API_PREFIX)

    @api.get("/health", tags=["system"], operation_id="health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    for router in _routers(API_ROUTER_MODULES):
        api.include_router(router)
    app.include_router(api)
    install_console(app, list(_routers(CONSOLE_ROUTER_MODULES)))
    return app
