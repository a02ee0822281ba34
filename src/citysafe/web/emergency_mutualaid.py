"""Console of mutual aid (区域协同): requests asked of this office and asked by it, with the answers (accept
with its own teams, decline with a reason), sending the teams across the boundary and recording their arrival
and release; the partners' resource catalogues (import a file, download one's own); and the incident room's
支援请求 panel. The same services as the API (emergency/mutualaid)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.deps import Context, DbSession
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.clock import format_local
from citysafe.core.errors import CitysafeError, field_error
from citysafe.emergency import service as incidents
from citysafe.emergency.models import Incident
from citysafe.emergency.mutualaid import catalogue, exchange, service
from citysafe.emergency.mutualaid.schemas import SIDE_NAMES_ZH, AcceptIn, AidRequestIn
from citysafe.emergency.resources.schemas import TEAM_KIND_NAMES_ZH
from citysafe.web.common import page_principal, render
from citysafe.web.forms import back, flash, run_action
from citysafe.web.i18n import N_, translator
from citysafe.web.messages import error_detail

router = APIRouter(include_in_schema=False)
PAGE = "/emergency/mutual-aid"
SHANGHAI = ZoneInfo("Asia/Shanghai")
LABELS = {"giver_region": N_("请求对象"), "teams": N_("所需队伍"), "supplies": N_("所需物资"), "reason": N_("请求理由"),
          "needed_by": N_("要求到达时间"), "team_ids": N_("支援队伍"), "supplies.code": N_("物资编码"),
          "supplies.quantity": N_("物资数量"), "teams.count": N_("队伍数量")}


def _principal(request: Request, db: Session, permission: str = Permission.READ_EMERGENCY) -> Principal:
    principal = page_principal(request, db)
    auth_service.require(principal, permission)
    return principal


def aid_context(db: Session, principal: Principal, incident: Incident) -> dict[str, Any]:
    """The incident room's 区域协同 panel: this incident's requests, the offices one may ask, and which of the
    incident's dispatch orders are another office's teams (their arrival is recorded through the request)."""
    requests = [service.read(db, a) for a in service.listing(db, incident_id=incident.id)]
    offices = service.partner_offices(db, principal=principal) if principal.can(Permission.WRITE_EMERGENCY) else []
    return {"aid_requests": requests, "aid_offices": offices, "aid_team_kinds": TEAM_KIND_NAMES_ZH,
            "aid_orders": {d: a.id for a in requests for d in a.dispatch_ids}}


@router.get(PAGE, response_class=HTMLResponse)
def aid_page(request: Request, db: DbSession) -> Response:
    principal = _principal(request, db)
    rows = service.listing(db)
    reads = {a.id: service.read(db, a, with_log=True) for a in rows}
    giving = {a.id for a in rows if service.GIVER in service.sides(db, a)}
    asking = {a.id for a in rows if service.REQUESTER in service.sides(db, a)}
    choices = {a.id: service.offer_choices(db, aid=a) for a in rows
               if a.id in giving and a.state in ("requested", "accepted", "dispatched")}
    orders = {a.id: service.orders_of(db, aid=a) for a in rows if a.dispatch_ids}
    return render(request, "emergency/mutual_aid.html", principal,
                  incoming=[reads[i] for i in reads if i in giving], outgoing=[reads[i] for i in reads if i in asking],
                  choices=choices, orders=orders, sides=SIDE_NAMES_ZH, kinds=TEAM_KIND_NAMES_ZH,
                  partners=[catalogue.summary(c) for c in catalogue.partners(db)],
                  external=catalogue.external_teams(db), can_write=principal.can(Permission.WRITE_EMERGENCY),
                  local=format_local, **flash(request))


def _local_time(value: str) -> datetime | None:
    """A ``datetime-local`` field, typed in Beijing time."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=SHANGHAI)
    except ValueError:
        raise field_error("needed_by", "not a time", "时间格式不正确") from None


def _offered(form: Any, asked: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The asked supply lines with the quantity the giver typed beside each (blank or 0: not offered)."""
    out = []
    for index, line in enumerate(asked):
        typed = str(form.get(f"supply_{index}", "")).strip()
        if typed and typed != "0":
            out.append({**line, "quantity": typed})
    return out


@router.post("/emergency/incidents/{incident_id}/aid-requests")
async def ask(request: Request, incident_id: RowId, db: DbSession, ctx: Context) -> Response:
    form = await request.form()
    t = translator(request)

    def act() -> str:
        principal = _principal(request, db, Permission.WRITE_EMERGENCY)
        f = {name: str(form.get(name, "")).strip() for name in (
            "giver_region", "reason", "team_kind", "team_count", "supply_code", "supply_name", "supply_unit",
            "supply_quantity", "needed_by", "contact")}
        supply = {"code": f["supply_code"], "name": f["supply_name"], "unit": f["supply_unit"],
                  "quantity": f["supply_quantity"]}
        data = AidRequestIn.model_validate({
            "giver_region": f["giver_region"], "reason": f["reason"], "contact": f["contact"],
            "teams": [{"kind": f["team_kind"], "count": f["team_count"] or "1"}] if f["team_kind"] else [],
            "supplies": [supply] if f["supply_code"] else [], "needed_by": _local_time(f["needed_by"])})
        aid = service.request(db, incident=incidents.get(db, incident_id=incident_id), data=data, principal=principal,
                              now=ctx.clock.now())
        return t.gettext("已向%(office)s发出支援请求", office=t.name(service.read(db, aid).giver_name))

    return run_action(db, f"/emergency/incidents/{incident_id}", act, labels=LABELS, t=t)


@router.post(PAGE + "/{aid_id}/{action}")
async def answer(request: Request, aid_id: RowId, action: str, db: DbSession, ctx: Context) -> Response:
    """同意 (with the teams ticked), 拒绝 (with the reason), 撤回, 派出, 结束 from the page's forms."""
    form = await request.form()
    t = translator(request)
    back_to = str(form.get("back", "")) if str(form.get("back", "")).startswith("/emergency/") else PAGE

    def act() -> str:
        principal = _principal(request, db, Permission.WRITE_EMERGENCY)
        aid, now = service.get(db, aid_id=aid_id, lock=True), ctx.clock.now()
        note = str(form.get("note", "")).strip()
        teams = [int(str(v)) for v in form.getlist("team_id") if str(v).isdigit()]
        if action == "accept":
            service.accept(db, aid=aid, data=AcceptIn(team_ids=teams, supplies=_offered(form, aid.supplies_asked),
                                                      note=note[:2000]), principal=principal, now=now)
            return t.gettext("已同意支援，请派出队伍")
        if action == "decline":
            reason = str(form.get("reason", "")).strip()
            if not reason:
                raise field_error("reason", "say why", "拒绝支援须说明理由")
            service.decline(db, aid=aid, reason=reason[:2000], principal=principal, now=now)
            return t.gettext("已答复：无法支援")
        if action == "withdraw":
            service.withdraw(db, aid=aid, note=note[:2000], principal=principal, now=now)
            return t.gettext("已撤回支援请求")
        if action == "dispatch":
            service.dispatch(db, aid=aid, team_ids=teams, note=note[:500], principal=principal, now=now)
            return t.gettext("支援队伍已出动")
        if action == "close":
            service.close(db, aid=aid, note=note[:2000], principal=principal, now=now)
            return t.gettext("支援已结束")
        raise field_error("action", "unknown step", "未知的操作")

    return run_action(db, back_to, act, labels=LABELS, t=t)


@router.post(PAGE + "/{aid_id}/dispatches/{dispatch_id}/{step}")
async def team_step(request: Request, aid_id: RowId, dispatch_id: RowId, step: str, db: DbSession,
                    ctx: Context) -> Response:
    form = await request.form()
    t = translator(request)
    back_to = str(form.get("back", "")) if str(form.get("back", "")).startswith("/emergency/") else PAGE

    def act() -> str:
        principal = _principal(request, db, Permission.WRITE_EMERGENCY)
        if step not in ("arrive", "release"):
            raise field_error("step", "the step is arrive or release", "操作只能是到场或撤离")
        aid = service.get(db, aid_id=aid_id, lock=True)
        service.step(db, aid=aid, dispatch_id=dispatch_id, arrived=step == "arrive", principal=principal,
                     now=ctx.clock.now())
        return t.gettext("已记录到场") if step == "arrive" else t.gettext("已记录撤离")

    return run_action(db, back_to, act, labels=LABELS, t=t)


@router.get(PAGE + "/catalogue.json")
def own_catalogue(request: Request, db: DbSession, ctx: Context) -> Response:
    """本地区资源目录 for a partner, as a file (no personal numbers: the API's ``contacts`` is for agreements)."""
    principal = _principal(request, db)
    document = catalogue.export(db, principal=principal, contacts=False, now=ctx.clock.now())
    return Response(json.dumps(document, ensure_ascii=False, indent=2), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="catalogue-{principal.region_code}.json"'})


@router.post(PAGE + "/catalogues")
def import_file(request: Request, db: DbSession, ctx: Context, file: Annotated[UploadFile, File()]) -> Response:
    t = translator(request)
    try:
        principal = _principal(request, db, Permission.WRITE_EMERGENCY)
        doc = exchange.read(file.file.read(exchange.MAX_DOCUMENT_BYTES + 1))
        row = catalogue.import_catalogue(db, principal=principal, doc=doc, now=ctx.clock.now())
    except CitysafeError as exc:
        db.rollback()
        return back(PAGE, error=error_detail(exc, t))
    said = t.gettext("已导入%(name)s的资源目录：队伍 %(teams)s 支、储备库 %(depots)s 个、专家 %(experts)s 名",
                     name=t.name(row.publisher_name), teams=row.teams, depots=row.depots, experts=row.experts)
    return back(PAGE, ok=said)
