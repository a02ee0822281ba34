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
from citysafe.web.i18n import N_, Translator, translator
from citysafe.web.messages import error_detail

NOT_PAGES = ("/api/", "/static/")


@dataclass(frozen=True)
class Advice:
    headline: str
    what: str  # empty: the error's own Chinese detail says what happened
    todo: str


ADVICE: dict[int, Advice] = {
    400: Advice(N_("请求有误"), "", N_("请检查填写的内容后重新提交。")),
    403: Advice(N_("没有权限"), "", N_("如确需办理，请联系本单位的系统管理员调整账号的角色或管辖范围。")),
    404: Advice(N_("页面或记录不存在"), N_("您要打开的页面或记录不存在，或者不在您的管辖范围内。"),
                N_("请从工作台或列表重新进入；如果是别人发来的链接，请向对方核实。")),
    405: Advice(N_("不能这样打开这个地址"), N_("这个地址只接受页面上按钮或表单的提交，不能在地址栏直接打开。"),
                N_("请回到上一页，通过页面上的按钮操作。")),
    409: Advice(N_("状态已经变化"), "", N_("请刷新页面，看到最新状态后再操作。")),
    413: Advice(N_("上传的内容过大"), "", N_("请压缩图片或拆分文件后重新上传。")),
    415: Advice(N_("文件类型不支持"), "", N_("请按页面上提示的格式重新上传。")),
    422: Advice(N_("提交的内容需要修改"), N_("以下内容没有填写或格式不对，本次提交没有生效："),
                N_("请返回上一页，按提示补全或修改后重新提交。")),
    429: Advice(N_("操作过于频繁"), "", N_("为保护系统，暂时不能继续这项操作。")),
    500: Advice(N_("系统出错"), "",
                N_("本次操作可能没有完成。请稍后重试；如果仍然出错，请把上面的编号告诉系统管理员。")),
    503: Advice(N_("系统繁忙"), N_("系统正忙于处理其他操作，这次请求没有完成，也没有改动任何数据。"),
                N_("请稍等几秒后重试（刷新页面或重新提交）；如果多次出现，请联系系统管理员。")),
}

# The console's form and query fields, by the name a person sees next to them.
FIELD_LABELS_ZH = {
    "file": N_("文件"), "crs": N_("坐标系"), "photos": N_("照片"), "category": N_("类别"),
    "description": N_("问题描述"),
    "place_name": N_("地点"), "address": N_("地址"), "lon": N_("经度"), "lat": N_("纬度"),
    "organization_id": N_("单位"),
    "major": N_("重大隐患"), "action": N_("操作"), "note": N_("说明"), "deadline": N_("整改期限"), "level": N_("等级"),
    "responsible_name": N_("责任人"), "region": N_("区域"), "region_code": N_("所属区划"), "year": N_("年份"),
    "username": N_("用户名"), "password": N_("密码"), "role": N_("角色"), "display_name": N_("姓名"),
    "phone": N_("电话"),
    "current_password": N_("当前密码"), "new_password": N_("新密码"), "confirm_password": N_("确认新密码"),
    "page": N_("页码"), "code": N_("区划"), "ticket_id": N_("隐患编号"), "task_id": N_("任务编号"),
    "source_id": N_("风险源编号"),
    "user_id": N_("账号编号"), "unit_id": N_("单位编号"),
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


def _field_problem(t: Translator, message: str, message_zh: str) -> str:
    if t.is_source:
        return message_zh or message
    return t.name(message_zh) if message_zh and t.name(message_zh) != message_zh else message


def _explained(error: CitysafeError, t: Translator) -> dict[str, Any]:
    """What the page says, in the reader's language: a headline, what happened (or the fields at fault), what
    to do."""
    advice = ADVICE.get(error.status) or ADVICE[500 if error.status >= 500 else 400]
    problems = [(t.name(FIELD_LABELS_ZH.get(f.field.rsplit(".", 1)[-1], "")), _field_problem(t, f.message,
                                                                                              f.message_zh))
                for f in error.fields]
    todo = t.gettext(advice.todo)
    if isinstance(error, TooManyAttempts):
        todo += (t.gettext("请 %(seconds)s 秒后再试。", seconds=error.retry_after) if error.retry_after
                 else t.gettext("请稍后再试。"))
    return {"headline": t.gettext(advice.headline), "problems": problems, "todo": todo,
            "what": t.gettext(advice.what) if advice.what else ("" if problems else error_detail(error, t))}


def console_problem_page(request: Request, error: CitysafeError) -> Response | None:
    """The ``ProblemPage`` of core/problems.py: the console's page for ``error``, or None off the console."""
    if not wants_page(request):
        return None
    if error.status == 401:  # a session that ended while the page was open
        return login_redirect(request)
    page = render(request, "shell/error.html", _signed_in(request), back=_back(request),
                  **_explained(error, translator(request)))
    page.status_code = error.status
    if isinstance(error, TooManyAttempts) and error.retry_after:
        page.headers["Retry-After"] = str(error.retry_after)
    # A crash is answered outside the middleware that adds these (web/guard.py), so the page brings them.
    page.headers.update({"Content-Security-Policy": console_csp(app_context(request).settings.tile_url),
                         "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})
    return page
