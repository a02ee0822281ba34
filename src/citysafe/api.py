"""Assembles every domain's router into the FastAPI app."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from types import ModuleType
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.routing import BaseRoute

from citysafe.auth import job_views
from citysafe.auth import views as auth_views
from citysafe.core import heap, jobs, metrics, threads
from citysafe.core.config import Settings, get_settings
from citysafe.core.context import AppContext
from citysafe.core.errors import Forbidden
from citysafe.core.observe import RequestObserver
from citysafe.core.problems import install_problem_handlers, problem_response
from citysafe.core.routing import Branch, include_by_prefix
from citysafe.core.sheets import reader as sheet_reader
from citysafe.core.uploads import BodyLimit
from citysafe.emergency import views as emergency_views
from citysafe.emergency.command import live as emergency_live
from citysafe.emergency.command import views as emergency_command_views
from citysafe.emergency.dispatch import views as emergency_dispatch_views
from citysafe.emergency.drills import views as emergency_drills_views
from citysafe.emergency.ledger import views as emergency_ledger_views
from citysafe.emergency.mutualaid import views as emergency_mutualaid_views
from citysafe.emergency.plans import views as emergency_plans_views
from citysafe.emergency.reports import views as emergency_reports_views
from citysafe.emergency.resources import views as emergency_resources_views
from citysafe.emergency.routing import views as emergency_routing_views
from citysafe.emergency.shelters import views as emergency_shelters_views
from citysafe.emergency.warnings import delivery as emergency_warnings_delivery
from citysafe.emergency.warnings import views as emergency_warnings_views
from citysafe.evaluation.applicants import views as evaluation_applicants_views
from citysafe.evaluation.dashboard import views as evaluation_dashboard_views
from citysafe.evaluation.facts import views as evaluation_facts_views
from citysafe.evaluation.indicators import views as evaluation_indicators_views
from citysafe.evaluation.sheets import views as evaluation_sheets_views
from citysafe.evaluation.workflow import views as evaluation_workflow_views
from citysafe.firewatch import metrics as firewatch_metrics
from citysafe.firewatch.alarms import timers as firewatch_timers
from citysafe.firewatch.alarms import views as firewatch_alarm_views
from citysafe.firewatch.gateway import service as firewatch_gateway
from citysafe.firewatch.gateway import views as firewatch_gateway_views
from citysafe.firewatch.ingest import mqtt as firewatch_mqtt
from citysafe.firewatch.ingest import views as firewatch_ingest_views
from citysafe.firewatch.live import hub as firewatch_live
from citysafe.firewatch.live import views as firewatch_live_views
from citysafe.firewatch.registry import views as firewatch_registry_views
from citysafe.hazards import overdue as hazards_overdue
from citysafe.hazards import views as hazards_views
from citysafe.knowledge import views as knowledge_views
from citysafe.knowledge.services import views as purchased_services_views
from citysafe.knowledge.thinktank import views as thinktank_views
from citysafe.orgs import views as orgs_views
from citysafe.public.open311 import views as open311_views
from citysafe.public.participation import views as participation_views
from citysafe.public.reports import retention as public_reports_retention
from citysafe.public.reports import views as public_reports_views
from citysafe.public.rewards import timers as rewards_timers
from citysafe.public.rewards import views as rewards_views
from citysafe.public.site import views as public_site_views
from citysafe.regions import views as regions_views
from citysafe.registry import check_startup, install_lookups, new_context, register_handlers
from citysafe.risk import timers as risk_timers
from citysafe.risk import views as risk_views
from citysafe.risk import warmup as risk_warmup
from citysafe.risk.whitepaper import views as whitepaper_views
from citysafe.web import audit as web_audit
from citysafe.web import console_tree, install_console
from citysafe.web import docs as web_docs
from citysafe.web import emergency as web_emergency
from citysafe.web import emergency_command as web_emergency_command
from citysafe.web import emergency_dispatch as web_emergency_dispatch
from citysafe.web import emergency_experts as web_emergency_experts
from citysafe.web import emergency_ledger as web_emergency_ledger
from citysafe.web import emergency_map as web_emergency_map
from citysafe.web import emergency_mutualaid as web_emergency_mutualaid
from citysafe.web import emergency_plans as web_emergency_plans
from citysafe.web import emergency_resources as web_emergency_resources
from citysafe.web import emergency_roads as web_emergency_roads
from citysafe.web import emergency_warnings as web_emergency_warnings
from citysafe.web import enforcement as web_enforcement
from citysafe.web import evaluation_flow as web_evaluation_flow
from citysafe.web import evaluation_indicators as web_evaluation_indicators
from citysafe.web import evaluation_progress as web_evaluation_progress
from citysafe.web import evaluation_sheets as web_evaluation_sheets
from citysafe.web import firewatch as web_firewatch
from citysafe.web import firewatch_registry as web_firewatch_registry
from citysafe.web import firewatch_upkeep as web_firewatch_upkeep
from citysafe.web import grids as web_grids
from citysafe.web import hazards as web_hazards
from citysafe.web import inspection as web_inspection
from citysafe.web import knowledge as web_knowledge
from citysafe.web import orgs as web_orgs
from citysafe.web import participation as web_participation
from citysafe.web import permits as web_permits
from citysafe.web import public_reports as web_public_reports
from citysafe.web import public_site as web_public_site
from citysafe.web import punishments as web_punishments
from citysafe.web import reports as web_reports
from citysafe.web import rewards as web_rewards
from citysafe.web import risk as web_risk
from citysafe.web import shell as web_shell
from citysafe.web import thinktank_experts as web_thinktank_experts
from citysafe.web import thinktank_services as web_thinktank_services
from citysafe.web import users as web_users
from citysafe.web import workbench as web_workbench
from citysafe.web.guard import install_guard
from citysafe.web.problem_pages import console_problem_page

API_PREFIX = "/api/v1"

# Each domain's views module has one ``router``; listed here in the order of DESIGN.md's layers.
API_ROUTERS: tuple[APIRouter, ...] = (
    auth_views.router,
    job_views.router,
    regions_views.router,
    orgs_views.router,
    hazards_views.router,
    firewatch_alarm_views.router,
    firewatch_registry_views.router,
    firewatch_ingest_views.router,
    firewatch_live_views.router,
    firewatch_gateway_views.router,
    risk_views.router,
    whitepaper_views.router,
    emergency_views.router,
)
# The knowledge and case library (issue #15 point 3): search, laws by article, cases, imports.
KNOWLEDGE_ROUTERS: tuple[APIRouter, ...] = (
    knowledge_views.router,  # issue #15 point 3: laws by article, cases, search
    thinktank_views.router,  # issue #15 point 4: the one expert registry (安全智库)
    purchased_services_views.router,  # issue #15 point 4: 政府购买安全服务
)
# Emergency plans and drills (issue #12, points 5 and 6), beside the incidents router of the same domain.
EMERGENCY_PLAN_ROUTERS: tuple[APIRouter, ...] = (
    emergency_plans_views.router,
    emergency_drills_views.router,
    emergency_ledger_views.router,  # the accident ledger (issue #12 point 7)
    emergency_resources_views.router,  # teams, experts, depots and stock (issue #13 point 1)
    emergency_shelters_views.router,  # shelters and evacuation (issue #13 point 3)
)
# Information reports and their clocks (issue #12, point 3).
EMERGENCY_REPORT_ROUTERS: tuple[APIRouter, ...] = (
    emergency_reports_views.router,
)
# Unified command from a digital plan (issue #12, point 4): activations, the command, tasks, the live timeline.
EMERGENCY_COMMAND_ROUTERS: tuple[APIRouter, ...] = (
    emergency_command_views.router,
)
# Dispatch by travel time on an imported road network (issue #13 point 2).
EMERGENCY_DISPATCH_ROUTERS: tuple[APIRouter, ...] = (
    emergency_routing_views.router,
    emergency_dispatch_views.router,  # dispatch orders: teams by travel time (issue #13 point 2)
    emergency_mutualaid_views.router,  # mutual aid between offices, the catalogue exchange (issue #13 point 5)
)
# Warnings (预警) and broadcast, CAP 1.2 (issue #13, point 4), and their public ATOM feed (no login).
EMERGENCY_WARNING_ROUTERS: tuple[APIRouter, ...] = (
    emergency_warnings_views.router,
    emergency_warnings_views.public_router,
)
# The demonstration-city applicants and the creation workflow, with the public 公示 list (issue #14 points 1, 6).
EVALUATION_WORKFLOW_ROUTERS: tuple[APIRouter, ...] = (
    evaluation_applicants_views.router,
    evaluation_workflow_views.router,
    evaluation_workflow_views.public_router,
)
# 城市安全状况 indicators and the platform's own evidence for the score sheets (issue #14 points 4 and 5).
EVALUATION_INDICATOR_ROUTERS: tuple[APIRouter, ...] = (
    evaluation_indicators_views.router,
    evaluation_facts_views.router,
)
# Citizen reports (随手拍/有奖举报, issue #15 point 1): the public side without an account, and the staff side.
PUBLIC_REPORT_ROUTERS: tuple[APIRouter, ...] = (
    public_reports_views.public_router,
    public_reports_views.router,
)
# Evaluation (issue #14): criteria versions, score sheets and the 考核 overview (points 2-3).
EVALUATION_ROUTERS: tuple[APIRouter, ...] = (
    evaluation_sheets_views.router,
    evaluation_dashboard_views.router,  # the province dashboard and the 通报 (point 7)
)
# Reporting rewards (issue #15 point 2): rules by jurisdiction and version, cases, approval, notices, payments.
PUBLIC_REWARD_ROUTERS: tuple[APIRouter, ...] = (
    rewards_views.router,
    rewards_views.public_router,
)
# The public site's data without a login: district risk map, warnings in force, shelters (issue #15 point 5).
PUBLIC_ROUTERS: tuple[APIRouter, ...] = (
    public_site_views.public_router,
    participation_views.router,  # issue #15 point 6: publicity, training, experience bases, volunteers
)
CONSOLE_ROUTERS: tuple[APIRouter, ...] = (
    web_shell.router,
    web_workbench.router,
    web_hazards.router,
    web_permits.router,
    web_enforcement.router,
    web_punishments.router,
    web_grids.router,
    web_inspection.router,
    web_firewatch.router,
    web_firewatch_registry.router,
    web_firewatch_upkeep.router,
    web_risk.router,
    web_emergency.router,
    web_emergency_command.router,
    web_emergency_dispatch.router,
    web_emergency_map.router,  # 指挥一张图 (issue #13 point 6)
    web_emergency_mutualaid.router,  # 区域协同 (issue #13 point 5)
    web_emergency_plans.router,
    web_emergency_ledger.router,
    web_emergency_resources.router,
    web_emergency_experts.router,  # expert pool and agreement reserves (issue #13 point 6)
    web_emergency_roads.router,  # dispatch's road network (issue #13 point 2)
    web_emergency_warnings.router,
    web_evaluation_progress.router,  # 创建进展: the province dashboard (issue #14 point 7)
    web_evaluation_flow.router,  # 示范城市创建 and its public 公示 page (issue #14 points 1, 6)
    web_evaluation_indicators.router,  # 城市安全状况 indicators, facts from the platform (issue #14 points 4, 5)
    web_evaluation_sheets.router,  # 评分与考核 (issue #14 points 2-3)
    web_thinktank_experts.router,  # 专家智库 (issue #15 point 4)
    web_thinktank_services.router,  # 政府购买安全服务 (issue #15 point 4)
    web_participation.router,  # 宣传培训、安全体验基地、志愿者与社会组织 (issue #15 point 6)
    web_knowledge.router,  # 知识库: search, laws by article, cases (issue #15 point 3)
    web_public_reports.router,  # 随手拍/有奖举报: the public pages, no login (issue #15 point 1)
    web_reports.router,  # 群众举报: the staff console (issue #15 point 1)
    web_rewards.router,  # 举报奖励 (issue #15 point 2)
    web_users.router,
    web_orgs.router,
    web_audit.router,
    web_docs.router,
    web_public_site.router,  # the public site: portal, district risk map, warnings, shelters (issue #15 point 5)
)
# Each module has ``running(app, ctx)``: an async context manager for the background work of its domain
# (gateways, live streams, timers), entered when the app starts and left when it stops.
SERVICE_MODULES: tuple[ModuleType, ...] = (
    jobs,  # first: the jobs a stopped process left unfinished are failed before new ones can start
    firewatch_live,  # before the gateway: alarms it stores must find the hub running
    emergency_live,  # the incident room's live timeline (before anything that opens incidents)
    firewatch_gateway,
    firewatch_timers,
    firewatch_mqtt,
    hazards_overdue,
    risk_warmup,
    risk_timers,
    emergency_warnings_delivery,  # deliveries of warnings a stopped process left queued go out
    rewards_timers,  # 举报奖励: the 20-day notice and 60-day claim timers
    sheet_reader,  # stops the workers that parse uploaded workbooks, if an import started them
    public_reports_retention,  # reporters' personal information erased when its retention ends (PIPL art. 19, 47)
)


def health() -> dict[str, str]:
    return {"status": "ok"}


def health_components(request: Request) -> JSONResponse:
    """The database, the GB/T 26875.3 gateway, its writer (or NATS) and the MQTT subscriber, each on its own;
    503 when any that runs in this process is down (``ok: null``: not run here)."""
    ctx: AppContext = request.app.state.ctx
    started = time.perf_counter()
    try:
        with ctx.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        database: dict[str, Any] = {"ok": True, "backend": ctx.engine.dialect.name,
                                    "ms": round((time.perf_counter() - started) * 1000, 1)}
    except SQLAlchemyError as exc:
        database = {"ok": False, "backend": ctx.engine.dialect.name, "error": type(exc).__name__}
    parts = {"database": database, **firewatch_metrics.health(ctx)}
    healthy = all(part["ok"] is not False for part in parts.values())
    return JSONResponse({"status": "ok" if healthy else "degraded", "instance": ctx.settings.instance,
                         "components": parts},
                        status_code=200 if healthy else 503)


def metrics_page(request: Request) -> Response:
    """Prometheus's text format, for a loopback peer or the bearer ``CITYSAFE_METRICS_TOKEN`` (core/metrics.py)."""
    ctx: AppContext = request.app.state.ctx
    token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not metrics.may_read(request.client.host if request.client else None, token,
                            ctx.settings.metrics_token.get_secret_value()):
        # problem+json even outside /api: the reader is a monitoring system, not a person in the console
        return problem_response(Forbidden(
            detail="metrics are for the monitoring system: loopback or CITYSAFE_METRICS_TOKEN",
            detail_zh="监控指标仅供监控系统读取（本机或凭 CITYSAFE_METRICS_TOKEN）"), request)
    return Response(generate_latest(metrics.METRICS.get(ctx).registry), media_type=CONTENT_TYPE_LATEST)


@functools.cache
def route_tree() -> tuple[BaseRoute, ...]:
    """Every API and console route, as the apps of this process include them, built once.

    FastAPI works out each route's dependencies, parameters and models when its router is included: about 0.4 s
    for the ~660 routes here, 0.8 s on a loaded 2-core machine. A process runs one app, except the test suite,
    which builds one per test and spent a quarter of its run doing this again. The tree holds no application
    state (that lives on ``app.state.ctx``, which every view reads from its request), so the apps of one
    process share it as they share the view functions themselves. Branches by path prefix: a request is matched
    only against the routes it could hit (core/routing.py)."""
    api = Branch(API_PREFIX, prefix=API_PREFIX)
    api.get("/health", tags=["system"], operation_id="health")(health)
    api.get("/health/components", tags=["system"], operation_id="health_components")(health_components)
    include_by_prefix(api, (*API_ROUTERS, *KNOWLEDGE_ROUTERS, *EMERGENCY_PLAN_ROUTERS, *EMERGENCY_REPORT_ROUTERS,
                            *EMERGENCY_COMMAND_ROUTERS, *EMERGENCY_DISPATCH_ROUTERS, *EMERGENCY_WARNING_ROUTERS,
                            *EVALUATION_WORKFLOW_ROUTERS, *EVALUATION_INDICATOR_ROUTERS, *EVALUATION_ROUTERS,
                            *PUBLIC_ROUTERS, *PUBLIC_REPORT_ROUTERS, *PUBLIC_REWARD_ROUTERS),
                      under=API_PREFIX)
    tree = APIRouter()
    tree.add_api_route("/metrics", metrics_page, include_in_schema=False)
    tree.include_router(api)
    tree.include_router(open311_views.router)  # Open311 GeoReport v2 at /open311/v2 (issue #15 point 1)
    for router in console_tree(CONSOLE_ROUTERS):
        tree.include_router(router)
    return tuple(tree.routes)


def create_app(settings: Settings | None = None, *, ctx: AppContext | None = None) -> FastAPI:
    """The app of one application context (``ctx``, else a new one on ``settings`` or the environment's):
    its bus, caches and services belong to this app alone."""
    context = ctx or new_context(settings or get_settings())
    check_startup(context)
    register_handlers(context.bus)
    install_lookups(context)  # a context made elsewhere (tests) gets them too

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Events left undelivered by a crash or a failed handler go out before new work starts.
        await asyncio.to_thread(context.bus.deliver_pending)
        threads.configure(app.state, context.settings.request_threads)
        async with AsyncExitStack() as stack:
            for module in SERVICE_MODULES:
                await stack.enter_async_context(module.running(app, context))
            if context.settings.settle_heap:
                heap.settle()  # a server process (serve, demo): see core/heap.py
            yield

    app = FastAPI(
        title="citysafe", version="0.1.0", lifespan=lifespan,
        # /docs and /redoc come from web/docs.py, on vendored assets: FastAPI's load from a CDN.
        docs_url=None, redoc_url=None,
        description="城市安全风险综合监管平台 API — risk, hazards, fire monitoring, emergency.",
    )
    app.state.ctx = context
    # Console paths answer errors with a page of the console, the API with problem+json.
    install_problem_handlers(app, page=console_problem_page)
    app.add_middleware(BodyLimit, max_bytes=context.settings.request_max_bytes, page=console_problem_page)

    # The routes of every app in the process are one tree, built once (see ``route_tree``).
    app.router.routes.extend(route_tree())
    install_console(app, CONSOLE_ROUTERS)
    install_guard(app, context.settings)  # cross-site writes refused, security headers on every response
    # Outermost: the request id, the access line and the HTTP figures cover every answer, refusals included.
    metrics.add_collectors(context, (("platform", metrics.PlatformCollector(context)),
                                     ("firewatch", firewatch_metrics.FirewatchCollector(context))))
    app.add_middleware(RequestObserver, metrics=lambda _scope: metrics.METRICS.get(context))
    return app
