"""Console of unified command, on the incident page (web/emergency.py shows it): the 启动预案 form (the plans
that match the incident first), the 指挥部 panel (posts, groups, members with click-to-call, tasks by group
with their deadlines in Beijing time and overdue marked), decisions, and the liaison's 我的任务 page. They call
the same services as the API (emergency/command/service.py, reads.py)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.deps import Context, DbSession
from citysafe.auth.enums import Permission, Role
from citysafe.auth.schemas import Principal, UserFilter
from citysafe.core.bounds import RowId
from citysafe.core.clock import format_local
from citysafe.core.context import AppContext
from citysafe.core.errors import Forbidden
from citysafe.core.pagination import PageParams
from citysafe.emergency import service as incidents
from citysafe.emergency.command import reads, service
from citysafe.emergency.command.schemas import (
    POST_NAMES_ZH,
    TASK_STATE_NAMES_ZH,
    ActivationIn,
    DecisionIn,
    MemberIn,
    TaskUpdateIn,
)
from citysafe.emergency.models import Incident
from citysafe.emergency.plans import service as plans
from citysafe.emergency.plans.calc.matching import RESPONSE_LEVEL_NAMES_ZH, IncidentFacts
from citysafe.web.common import page_principal, render
from citysafe.web.forms import optional_int, posted, run_action
from citysafe.web.i18n import N_, translator

router = APIRouter(include_in_schema=False)

LABELS = MappingProxyType({
    "plan_id": N_("应急预案"), "level": N_("响应级别"), "note": N_("说明"), "post": N_("职务"),
    "group_name": N_("工作组"), "user_id": N_("账号"), "name": N_("姓名"), "phone": N_("电话"),
    "organisation": N_("单位"), "text": N_("决策内容"), "state": N_("任务状态"), "incident_id": N_("事件"),
})
# Accounts that take a post in a command: the offices, departments (their liaisons) and fire rescue.
COMMAND_ROLES = frozenset({Role.ADMIN, Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.DISTRICT_OFFICE, Role.DEPARTMENT,
                           Role.FIRE_RESCUE})


def _reader(request: Request, db: Session) -> Principal:
    principal = page_principal(request, db)
    if not principal.can(Permission.READ_EMERGENCY):
        raise Forbidden(detail="your role takes no part in emergency work", detail_zh="当前角色不参与应急值守")
    return principal


def _plan_choices(db: Session, incident: Incident) -> list[dict[str, Any]]:
    """The plans the incident calls for (with the level each suggests), then the others of the region."""
    facts = IncidentFacts(incident.category, incident.subtype, incident.grade, incident.region_code)
    matched = plans.plans_for(db, facts=facts)
    choices = [{"id": p.id, "title": p.title, "level": m.level, "matched": True} for p, m in matched]
    seen = {c["id"] for c in choices}
    others, _ = plans.list_plans(db, params=PageParams(size=100))
    choices += [{"id": p.id, "title": p.title, "level": "", "matched": False} for p in others if p.id not in seen]
    return choices


def _accounts(db: Session) -> list[dict[str, Any]]:
    users, _ = auth_service.list_users(db, params=PageParams(size=200), filters=UserFilter(active=True))
    return [{"id": u.id, "name": u.display_name or u.username, "phone": u.phone} for u in users
            if u.role in COMMAND_ROLES]


def room_context(db: Session, ctx: AppContext, principal: Principal, incident: Incident) -> dict[str, Any]:
    """What the incident page shows of the command, for ``principal``."""
    now = ctx.clock.now()
    command = service.command_of(db, incident_id=incident.id)
    may_activate = principal.can(Permission.WRITE_EMERGENCY) and incident.state in service.ACTIVATABLE
    directs = False
    if command is not None:
        directs = service.may_direct(db, principal, command, service.members(db, command_id=command.id))
    return {
        "command": reads.command_read(db, command, principal=principal, now=now) if command else None,
        "may_activate": may_activate, "may_direct": directs and incident.state in service.ACTIVATABLE,
        "plan_choices": _plan_choices(db, incident) if may_activate else [],
        "accounts": _accounts(db) if directs else [], "response_level_names": RESPONSE_LEVEL_NAMES_ZH,
        "post_names": POST_NAMES_ZH, "task_state_names": TASK_STATE_NAMES_ZH,
    }


def _path(incident_id: int) -> str:
    return f"/emergency/incidents/{incident_id}"


@router.post("/emergency/incidents/{incident_id}/activate")
async def activate(request: Request, incident_id: RowId, db: DbSession, ctx: Context) -> Response:
    values = posted(await request.form(), ("plan_id", "level", "note"))
    t = translator(request)

    def act() -> str:
        principal = _reader(request, db)
        if not principal.can(Permission.WRITE_EMERGENCY):
            raise Forbidden(detail="only duty officers activate plans", detail_zh="只有值班人员可以启动预案")
        activation_in = ActivationIn.model_validate({"plan_id": optional_int(values, "plan_id"),
                                                     "level": values["level"] or None, "note": values["note"]})
        command = service.activate(db, incident=incidents.get(db, incident_id=incident_id),
                                   activation_in=activation_in, principal=principal, settings=ctx.settings,
                                   now=ctx.clock.now())
        level = t.name(RESPONSE_LEVEL_NAMES_ZH[command.response_level])
        return t.gettext("已启动预案，%(level)s响应，指挥部已成立", level=level)

    return run_action(db, _path(incident_id), act, labels=LABELS, t=t)


@router.post("/emergency/incidents/{incident_id}/members")
async def add_member(request: Request, incident_id: RowId, db: DbSession, ctx: Context) -> Response:
    values = posted(await request.form(), ("post", "group_name", "user_id", "name", "phone", "organisation"))
    t = translator(request)

    def act() -> str:
        principal = _reader(request, db)
        member_in = MemberIn.model_validate({**values, "user_id": optional_int(values, "user_id")})
        member = service.add_member(db, incident=incidents.get(db, incident_id=incident_id), member_in=member_in,
                                    principal=principal, now=ctx.clock.now())
        post = t.name(POST_NAMES_ZH[member.post])
        if member.group_name:
            return t.gettext("已安排 %(name)s 任%(group)s%(post)s", name=member.name, group=member.group_name,
                             post=post)
        return t.gettext("已安排 %(name)s 任 %(post)s", name=member.name, post=post)

    return run_action(db, _path(incident_id), act, labels=LABELS, t=t)


@router.post("/emergency/incidents/{incident_id}/members/{member_id}/remove")
async def remove_member(request: Request, incident_id: RowId, member_id: RowId, db: DbSession,
                        ctx: Context) -> Response:
    values = posted(await request.form(), ("note",))
    t = translator(request)

    def act() -> str:
        member = service.remove_member(db, incident=incidents.get(db, incident_id=incident_id), member_id=member_id,
                                       note=values["note"], principal=_reader(request, db), now=ctx.clock.now())
        return t.gettext("%(name)s 已撤出指挥部", name=member.name)

    return run_action(db, _path(incident_id), act, labels=LABELS, t=t)


@router.post("/emergency/incidents/{incident_id}/decisions")
async def add_decision(request: Request, incident_id: RowId, db: DbSession, ctx: Context) -> Response:
    values = posted(await request.form(), ("text",))
    t = translator(request)

    def act() -> str:
        principal = _reader(request, db)
        decision = DecisionIn.model_validate(values)
        service.record_decision(db, incident=incidents.get(db, incident_id=incident_id), text=decision.text,
                                principal=principal, now=ctx.clock.now())
        return t.gettext("指挥决策已记入时间线")

    return run_action(db, _path(incident_id), act, labels=LABELS, t=t)


def _back_to(values: dict[str, str], incident_id: int) -> str:
    return "/emergency/tasks" if values.get("back") == "mine" else _path(incident_id)


@router.post("/emergency/tasks/{task_id}/update")
async def update_task(request: Request, task_id: RowId, db: DbSession, ctx: Context) -> Response:
    """更新 (a note, a state) or 完成 (the button posts state=done)."""
    values = posted(await request.form(), ("state", "note", "back"))
    t = translator(request)
    principal = _reader(request, db)
    task = service.get_task(db, task_id=task_id)
    path = _back_to(values, task.incident_id)

    def act() -> str:
        update_in = TaskUpdateIn.model_validate({"state": values["state"] or None, "note": values["note"]})
        service.update_task(db, task=task, update_in=update_in, principal=principal, now=ctx.clock.now())
        return t.gettext("任务“%(title)s”已更新：%(state)s", title=task.title,
                         state=t.name(TASK_STATE_NAMES_ZH[task.state]))

    return run_action(db, path, act, labels=LABELS, t=t)


@router.get("/emergency/tasks", response_class=HTMLResponse)
def my_tasks(request: Request, db: DbSession, ctx: Context) -> Response:
    """我的任务: the open tasks of every working group the reader serves in, the earliest deadline first."""
    principal = _reader(request, db)
    show_done = request.query_params.get("done") == "1"
    tasks = reads.my_tasks(db, principal=principal, now=ctx.clock.now(), open_only=not show_done)
    return render(request, "emergency/tasks.html", principal, tasks=tasks, show_done=show_done, local=format_local,
                  task_state_names=TASK_STATE_NAMES_ZH, ok=request.query_params.get("ok", ""),
                  error=request.query_params.get("error", ""))
