"""Branches by path prefix (core/routing.py): a request is tried only against the routes it could hit, and
routes answer exactly as before — same route chosen, same 404, 405 and trailing-slash redirect."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Match
from starlette.types import Scope

from citysafe.core.routing import Branch, common_segment, include_by_prefix


def _router(prefix: str, *paths: str, name: str) -> APIRouter:
    router = APIRouter(prefix=prefix)
    for path in paths:
        router.add_api_route(path, lambda n=name, p=path: {"router": n, "path": p}, methods=["GET"])
    return router


def _app(grouped: bool) -> FastAPI:
    routers = [
        _router("/alarms", "", "/{alarm_id}", name="alarms"),
        _router("/alarms/ingest", "/iot", name="ingest"),
        _router("", "/me", "/alarms/special", name="loose"),  # no common segment: included as it is
        _router("/alarms", "/extra", name="alarms-late"),  # after the loose router: a branch of its own
        _router("/risk", "/map", name="risk"),
    ]
    api = Branch("/api", prefix="/api") if grouped else APIRouter(prefix="/api")
    if grouped:
        include_by_prefix(api, routers, under="/api")
    else:
        for router in routers:
            api.include_router(router)
    app = FastAPI()
    app.include_router(api)
    console = [_router("", "/", name="home"), _router("", "/board", "/board/{unit}", name="board")]
    if grouped:
        include_by_prefix(app.router, console)
    else:
        for router in console:
            app.include_router(router)
    return app


def test_routes_answer_as_without_branches() -> None:
    plain, grouped = TestClient(_app(False)), TestClient(_app(True))
    for method, path in [("GET", "/api/alarms"), ("GET", "/api/alarms/7"), ("GET", "/api/alarms/ingest/iot"),
                         ("GET", "/api/me"), ("GET", "/api/alarms/special"), ("GET", "/api/alarms/extra"),
                         ("GET", "/api/risk/map"), ("GET", "/"), ("GET", "/board"), ("GET", "/board/3"),
                         ("GET", "/api/risk/map/"), ("GET", "/board/"), ("POST", "/api/risk/map"), ("GET", "/nothing"),
                         ("GET", "/api/riskier/map"), ("GET", "/api")]:
        want = plain.request(method, path, follow_redirects=False)
        got = grouped.request(method, path, follow_redirects=False)
        assert (got.status_code, got.headers.get("location"), got.headers.get("allow"), got.content) == (
            want.status_code, want.headers.get("location"), want.headers.get("allow"), want.content), (method, path)
    # '/api/alarms/{alarm_id}' is tried before the loose router's '/api/alarms/special', as before.
    assert grouped.get("/api/alarms/special").json() == {"router": "alarms", "path": "/{alarm_id}"}


def test_a_branch_is_not_tried_for_a_path_outside_it(monkeypatch: pytest.MonkeyPatch) -> None:
    tried: list[str] = []
    original = APIRoute.matches

    def spy(self: APIRoute, scope: Scope) -> tuple[Match, Scope]:
        tried.append(self.path)
        return original(self, scope)

    monkeypatch.setattr(APIRoute, "matches", spy)
    assert TestClient(_app(True)).get("/board/3").status_code == 200
    assert tried and not any(path.startswith("/api") for path in tried), tried


def test_common_segment_of_a_router() -> None:
    assert common_segment(_router("/firewatch/ingest", "/iot", name="x")) == "/firewatch"
    assert common_segment(_router("", "/firewatch", "/firewatch/{unit}", name="x")) == "/firewatch"
    assert common_segment(_router("", "/hazards", "/supervision", name="x")) == ""
    assert common_segment(_router("", "/", name="x")) == ""
    assert common_segment(_router("", "/{code}", name="x")) == ""
