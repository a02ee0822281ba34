"""Turning every failure into RFC 9457 problem+json, in English and Chinese, with no stack trace.

A person's browser should see a page rather than JSON; core cannot render the console's pages, so whoever
installs the handlers may hand in a ``ProblemPage`` (web/problem_pages.py) that answers for the paths it owns.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from citysafe.core.errors import CitysafeError, FieldProblem, TooManyAttempts, ValidationFailed

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"

ProblemPage = Callable[[Request, CitysafeError], Response | None]
"""Renders ``error`` as a page for ``request``, or returns None to leave it problem+json. Runs in a worker
thread: it may read the database (the signed-in user for the page's header)."""

_ZH_BY_TYPE = {
    "missing": "必填项缺失",
    "string_too_short": "长度不足",
    "blank_text": "不能为空或只有空格",
    "string_too_long": "长度超限",
    "string_pattern_mismatch": "格式不正确",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "extra_forbidden": "不接受此字段",
    "yuan_amount": "以元为单位填写整数（如 5000万元 填 50000000）",
    "float_parsing": "应为数字",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "json_invalid": "JSON 格式错误",
    "datetime_from_date_parsing": "时间格式不正确",
    "datetime_parsing": "时间格式不正确",
    "too_long": "条目过多",
    "model_attributes_type": "应为对象",
    "dict_type": "应为对象",
    "list_type": "应为列表",
    "date_out_of_range": "时间须在 1990-01-01 至 2100-12-31 之间",
    "json_too_large": "内容过大",
    "json_too_deep": "嵌套层级过深",
    "json_too_many_items": "条目过多",
    "unknown_value": "取值不在允许范围内",
    "unknown_reference": "所指记录不存在",
}

_STATUS_ZH = {401: "需要登录", 403: "无权操作", 404: "未找到", 405: "不支持的请求方法", 413: "内容过大",
              415: "不支持的内容类型", 429: "请求过于频繁"}


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie", "form")]
    return ".".join(parts) or "body"


def validation_problem(errors: list[dict[str, Any]]) -> ValidationFailed:
    fields = []
    for err in errors:
        message = str(err.get("msg", "invalid"))
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        # A validator that knows the Chinese for its refusal hands it in as the error's context (core.validators).
        said = (err.get("ctx") or {}).get("zh")
        zh = str(said) if said else _ZH_BY_TYPE.get(str(err.get("type")), message)
        fields.append(FieldProblem(_field_name(tuple(err.get("loc", ()))), message, zh))
    summary = "; ".join(f"{f.field}: {f.message}" for f in fields[:5])
    summary_zh = "；".join(f"{f.field}：{f.message_zh}" for f in fields[:5])
    return ValidationFailed(detail=summary, detail_zh=summary_zh, fields=fields)


def problem_response(error: CitysafeError, request: Request) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else {}
    if isinstance(error, TooManyAttempts) and error.retry_after:
        headers["Retry-After"] = str(error.retry_after)
    return JSONResponse(error.problem(str(request.url.path)), status_code=error.status,
                        media_type=PROBLEM_JSON, headers=headers)


async def answer(error: CitysafeError, request: Request, page: ProblemPage | None) -> Response:
    """``error`` as ``page`` renders it for this request, else as problem+json."""
    if page is not None:
        rendered = await run_in_threadpool(page, request, error)
        if rendered is not None:
            return rendered
    return problem_response(error, request)


def install_problem_handlers(app: FastAPI, *, page: ProblemPage | None = None) -> None:
    @app.exception_handler(CitysafeError)
    async def _domain(request: Request, exc: CitysafeError) -> Response:
        return await answer(exc, request, page)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return await answer(validation_problem(list(exc.errors())), request, page)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        error = CitysafeError(detail=str(exc.detail), detail_zh=_STATUS_ZH.get(exc.status_code, str(exc.detail)),
                              status=exc.status_code, slug=f"http-{exc.status_code}",
                              title=str(exc.detail), title_zh=_STATUS_ZH.get(exc.status_code, "请求有误"))
        response = await answer(error, request, page)
        response.headers.update(exc.headers or {})  # the Allow of a 405
        return response

    @app.exception_handler(OperationalError)
    async def _database_busy(request: Request, exc: OperationalError) -> Response:
        if "locked" not in str(exc.orig) and "busy" not in str(exc.orig).lower():
            return await _unexpected(request, exc)
        log.warning("database busy on %s %s; client asked to retry", request.method, request.url.path)
        error = CitysafeError(detail="the database is busy; nothing was changed, please retry",
                              detail_zh="数据库繁忙，本次操作未生效，请重试", status=503, slug="busy",
                              title="Busy", title_zh="系统繁忙")
        response = await answer(error, request, page)
        response.headers["Retry-After"] = "1"
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # The reference ties what the user reports to the logged stack trace, which never leaves the server.
        ref = secrets.token_hex(4)
        log.exception("unhandled error %s on %s %s", ref, request.method, request.url.path)
        error = CitysafeError(detail=f"internal error {ref}; it has been logged",
                              detail_zh=f"系统处理这次请求时出错，错误已记录（编号 {ref}）",
                              status=500, slug="internal", title="Internal error", title_zh="内部错误")
        return await answer(error, request, page)
