"""Errors met in the console, as a Chinese page of the console: what happened, what to do, a way back.

core/problems.py turns every error into problem+json; ``console_problem_page`` is the hook it is handed
(api.py) and answers instead for console paths, so a clerk never sees JSON or a stack trace. The API, the
static files and a script that asks for JSON keep problem+json. A 404 says the same whether the record is
missing or lies in another district, so a page never tells which ids exist elsewhere.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response

from citysafe.auth.deps import app_context
from citysafe.auth.schemas import Principal
from citysafe.core.db import unit_of_work
from citysafe.core.errors import CitysafeError, TooManyAttempts
from citysafe.web.common import local_referer, login_redirect, page_principal, render
from citysafe.web.guard import console_csp

NOT_PAGES = ("/api/", "/static/")


@dataclass(frozen=True)
class Advice:
    headline: str
    what: str  # empty: the error's own Chinese detail says what happened
    todo: str


ADVICE: dict[int, Advice] = {
    400: Advice("请求有误", "", "请检查填写的内容后重新提交。"),
    403: Advice("没有权限", "", "如确需办理，请联系本单位的系统管理员调整账号的角色或管辖范围。"),
    404: Advice("页面或记录不存在", "您要打开的页面或记录不存在，或者不在您的管辖范围内。",
                "请从工作台或列表重新进入；如果是别人发来的链接，请向对方核实。"),
    405: Advice("不能这样打开这个地址", "这个地址只接受页面上按钮或表单的提交，不能在地址栏直接打开。",
                "请回到上一页，通过页面上的按钮操作。"),
    409: Advice("状态已经变化", "", "请刷新页面，看到最新状态后再操作。"),
    413: Advice("上传的内容过大", "", "请压缩图片或拆分文件后重新上传。"),
    415: Advice("文件类型不支持", "", "请按页面上提示的格式重新上传。"),
    422: Advice("提交的内容需要修改", "以下内容没有填写或格式不对，本次提交没有生效：",
                "请返回上一页，按提示补全或修改后重新提交。"),
    429: Advice("操作过于频繁", "", "为保护系统，暂时不能继续这项操作。"),
    500: Advice("系统出错", "", "本次操作可能没有完成。请稍后重试；如果仍然出错，请把上面的编号告诉系统管理员。"),
    503: Advice("系统繁忙", "系统正忙于处理其他操作，这次请求没有完成，也没有改动任何数据。",
                "请稍等几秒后重试（刷新页面或重新提交）；如果多次出现，请联系系统管理员。"),
}

# The console's form and query fields, by the name a person sees next to them.
FIELD_LABELS_ZH = {
    "file": "文件", "crs": "坐标系", "photos": "照片", "category": "类别", "description": "问题描述",
    "place_name": "地点", "address": "地址", "lon": "经度", "lat": "纬度", "organization_id": "单位",
    "major": "重大隐患", "action": "操作", "note": "说明", "deadline": "整改期限", "level": "等级",
    "responsible_name": "责任人", "region": "区域", "region_code": "所属区划", "year": "年份",
    "username": "用户名", "password": "密码", "role": "角色", "display_name": "姓名", "phone": "电话",
    "current_password": "当前密码", "new_password": "新密码", "confirm_password": "确认新密码",
    "page": "页码", "code": "区划", "ticket_id": "隐患编号", "task_id": "任务编号", "source_id": "风险源编号",
    "user_id": "账号编号", "unit_id": "单位编号",
}


def wants_page(request: Request) -> bool:
    """A console path asked for by a browser; a script that asks for JSON only gets JSON."""
    if request.url.path.startswith(NOT_PAGES):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept or "json" not in accept


def _signed_in(request: Request) -> Principal | None:
    """The user for the page's header: the one the handler found, else the cookie's, else nobody (the
    database may be what failed, so any error here leaves the page anonymous rather than failing it)."""
    known = getattr(request.state, "principal", None)
    if isinstance(known, Principal):
        return known
    with contextlib.suppress(Exception), unit_of_work(app_context(request).read_session_factory) as db:
        return page_principal(request, db)
    return None


def _back(request: Request) -> str:
    """Where 返回上一页 goes: the console page the user came from, unless that was the login."""
    back = local_referer(request)
    return "" if urlsplit(back).path == "/login" else back


def _explained(error: CitysafeError) -> dict[str, Any]:
    """What the page says: a headline, what happened (or the fields at fault), what to do."""
    advice = ADVICE.get(error.status) or ADVICE[500 if error.status >= 500 else 400]
    problems = [(FIELD_LABELS_ZH.get(f.field.rsplit(".", 1)[-1], ""), f.message_zh or f.message)
                for f in error.fields]
    todo = advice.todo
    if isinstance(error, TooManyAttempts):
        todo += f"请 {error.retry_after} 秒后再试。" if error.retry_after else "请稍后再试。"
    return {"headline": advice.headline, "problems": problems, "todo": todo,
            "what": advice.what or ("" if problems else error.detail_zh or error.detail)}


def console_problem_page(request: Request, error: CitysafeError) -> Response | None:
    """The ``ProblemPage`` of core/problems.py: the console's page for ``error``, or None off the console."""
    if not wants_page(request):
        return None
    if error.status == 401:  # a session that ended while the page was open
        return login_redirect(request)
    page = render(request, "shell/error.html", _signed_in(request), back=_back(request), **_explained(error))
    page.status_code = error.status
    if isinstance(error, TooManyAttempts) and error.retry_after:
        page.headers["Retry-After"] = str(error.retry_after)
    # A crash is answered outside the middleware that adds these (web/guard.py), so the page brings them.
    page.headers.update({"Content-Security-Policy": console_csp(app_context(request).settings.tile_url),
                         "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})
    return page
