"""What a running server tells its operators: one access line per request with a request id, the request id on
every log line written while the request runs, JSON log lines for a log collector, and the HTTP figures of
``/metrics`` (core/metrics.py).

The request id is the caller's ``X-Request-ID`` when it is a sane token (a proxy such as nginx sets one, so its
log and ours join up), else a new one; it is sent back in the answer's ``X-Request-ID``.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from citysafe.core.metrics import AppMetrics

REQUEST_ID: ContextVar[str] = ContextVar("citysafe_request_id", default="")
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")
# Lines of these paths would drown the rest: health probes every few seconds, static files.
_QUIET_PREFIXES = ("/api/v1/health", "/static/", "/metrics")

access_log = logging.getLogger("citysafe.access")


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


def log_config(fmt: str, level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the server and uvicorn: ``json`` (one object per line, for a log
    collector) or ``text`` (for a terminal); both carry the request id."""
    formatter: dict[str, Any] = (
        {"()": "pythonjsonlogger.json.JsonFormatter",
         "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
         "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}}
        if fmt == "json" else
        {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"})
    handler = {"class": "logging.StreamHandler", "formatter": "main", "filters": ["request_id"],
               "stream": "ext://sys.stderr"}
    return {
        "version": 1, "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"main": formatter},
        "handlers": {"main": handler},
        "root": {"handlers": ["main"], "level": level},
        "loggers": {name: {"handlers": ["main"], "level": level, "propagate": False}
                    for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
    }


def route_of(scope: Scope) -> str:
    """The matched route's full template (``/api/v1/hazards/tickets/{ticket_id}``): a label of bounded count.

    A route inside an included router knows only its own part of the template (``/tickets/{ticket_id}``); the
    part before it is the request's path less that part with the request's values put in."""
    found = getattr(scope.get("route"), "path", None)
    if not found:
        return "unmatched"
    template = str(found)
    params = scope.get("path_params", {})
    filled = _PARAM.sub(lambda m: str(params.get(m.group(1), "")), template)
    path: str = scope["path"]
    return path[: len(path) - len(filled)] + template if filled and path.endswith(filled) else template


class RequestObserver:
    """ASGI middleware: the request id, the access line and the HTTP metrics of every request."""

    def __init__(self, app: ASGIApp, metrics: Callable[[Scope], AppMetrics | None]) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route, method, path = route_of(scope), scope["method"], scope["path"]
            figures = self.metrics(scope)
            if figures is not None:
                figures.observe_request(method=method, route=route, status=status, seconds=seconds)
            if not path.startswith(_QUIET_PREFIXES):
                access_log.info("%s %s %d %.1f ms", method, path, status, seconds * 1000,
                                extra={"method": method, "path": path, "route": route, "status": status,
                                       "duration_ms": round(seconds * 1000, 1)})
            REQUEST_ID.reset(token)
