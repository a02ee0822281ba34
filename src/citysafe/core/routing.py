"""Branches of the route tree by path prefix, so a request is matched only against the routes it could hit.

FastAPI matches a request against every route in turn, descending into every included router, and does it
twice per request (to choose the route, then to hand it over): with the API's hundred and sixty routes
before the console's, matching was a quarter of the server's CPU under the console's load (issue #11
"Speed", bench/console.py). A ``Branch`` holds the routers under one prefix and answers "no match" at once
for a path outside it, so a console page skips the API and an API call is tried against its domain's routes
only. Routes, their order within a prefix, OpenAPI and URL building are unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter
from starlette.routing import Match
from starlette.types import Scope


def _route_path(scope: Scope) -> str:
    """The path routes are matched on: the request's path less the application's ``root_path``, as
    Starlette's routing computes it."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path != root and path[len(root)] == "/":
        return path[len(root):]
    return path


class Branch(APIRouter):
    """Routers whose every path starts with ``under``; a request elsewhere is not matched against them."""

    def __init__(self, under: str, **options: Any) -> None:
        super().__init__(**options)
        self.under = under

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if self.under:
            path = _route_path(scope)
            if path != self.under and not path.startswith(self.under + "/"):
                return Match.NONE, {}
        return super().matches(scope)


def _segment(path: str) -> str:
    """'/firewatch' of '/firewatch/units/{unit_id}'; '' for '/' or a path that starts with a parameter."""
    first = path.strip("/").split("/", 1)[0]
    return "" if not first or "{" in first else "/" + first


def common_segment(router: APIRouter) -> str:
    """The first path segment every route of ``router`` shares ('' when they do not all share one, or
    when the router holds routers of its own and no prefix says where they lie)."""
    if router.prefix:
        return _segment(router.prefix)
    segments = {_segment(getattr(route, "path", "")) for route in router.routes}
    if len(segments) != 1 or any(not hasattr(route, "path") for route in router.routes):
        return ""
    return segments.pop()


def include_by_prefix(parent: APIRouter, routers: Iterable[APIRouter], *, under: str = "") -> None:
    """Include ``routers`` in ``parent`` (whose paths start with ``under``) in their order, consecutive
    routers under one first path segment together in a ``Branch``: the order in which routes are tried is
    unchanged. A router whose routes share no segment is included as it is."""
    included: list[APIRouter] = []  # filled first, then included: a branch is complete when it is included
    branch: Branch | None = None
    for router in routers:
        segment = common_segment(router)
        if not segment:
            branch = None
            included.append(router)
            continue
        if branch is None or branch.under != under + segment:
            branch = Branch(under + segment)
            included.append(branch)
        branch.include_router(router)
    for item in included:
        parent.include_router(item)
