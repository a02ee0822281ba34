"""The incident room's 调派 panel: the teams standing by that reach the scene soonest (by the road network in
service, or a straight-line estimate that says so), sending them, and recording arrival and release. The same
services as the API (emergency/dispatch/service.py); the routes are drawn by emergency-room.js."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from citysafe.auth.deps import Context, DbSession
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.errors import CitysafeError, Forbidden, field_error
from citysafe.emergency import service as incidents
from citysafe.emergency.dispatch import service
from citysafe.emergency.models import Incident
from citysafe.web.common import page_principal, render
from citysafe.web.forms import run_action
from citysafe.web.i18n import N_, translator
from citysafe.web.messages import form_message

router = APIRouter(include_in_schema=False)
SUGGESTED = 3  # the nearest few: the officer picks, the page does not decide
LABELS = {"team_ids": N_("出动队伍")}


def dispatch_context(db: Session, principal: Principal, incident: Incident) -> dict[str, Any]:
    """What the incident page shows of dispatch: the orders. The nearest teams are not computed here: routing
    every team standing by over the road network would slow every render of the room (and every redraw of its
    command panel); the page asks for them once, from ``dispatch_panel``, after it is drawn."""
    orders = [service.order_read(o) for o in service.of_incident(db, incident_id=incident.id)]
    may_dispatch = principal.can(Permission.WRITE_EMERGENCY) and incident.state in service.OPEN_STATES
    return {"dispatch_orders": orders, "may_dispatch": may_dispatch,
            "may_suggest": may_dispatch and incident.lon is not None}


@router.get("/emergency/incidents/{incident_id}/dispatch/panel", response_class=HTMLResponse)
def dispatch_panel(request: Request, incident_id: RowId, db: DbSession) -> Response:
    """The 调派 form with the teams that reach the scene soonest (a fragment the room loads into its panel). A
    refusal — no location, no road network readable, the scope refused — is said in the panel, not swallowed."""
    principal = _writer(request, db)
    incident = incidents.get(db, incident_id=incident_id)
    suggestions, refused = None, ""
    try:
        suggestions = service.suggest(db, incident=incident, k=SUGGESTED, kinds=None)
    except CitysafeError as exc:
        db.rollback()
        refused = form_message(exc, LABELS, translator(request))
    return render(request, "emergency/_dispatch_suggest.html", principal, i=incident,
                  dispatch_suggestions=suggestions, refused=refused)


def _writer(request: Request, db: Session) -> Principal:
    principal = page_principal(request, db)
    if not principal.can(Permission.WRITE_EMERGENCY):
        raise Forbidden(detail="only duty officers dispatch teams", detail_zh="只有值班人员可以调派队伍")
    return principal


@router.post("/emergency/incidents/{incident_id}/dispatches")
async def dispatch(request: Request, incident_id: RowId, db: DbSession, ctx: Context) -> Response:
    form = await request.form()
    chosen = [str(v) for v in form.getlist("team_id")]
    note = str(form.get("note", "")).strip()[:500]
    t = translator(request)

    def act() -> str:
        principal = _writer(request, db)
        if not chosen or not all(v.isdigit() for v in chosen):
            raise field_error("team_ids", "choose the teams to send", "请勾选要调派的队伍")
        orders = service.dispatch(db, incident=incidents.get(db, incident_id=incident_id),
                                  team_ids=[int(v) for v in chosen], note=note, principal=principal,
                                  now=ctx.clock.now())
        return t.gettext("已调派：%(teams)s", teams="、".join(o.team_name for o in orders))

    return run_action(db, f"/emergency/incidents/{incident_id}", act, labels=LABELS, t=t)


@router.post("/emergency/incidents/{incident_id}/dispatches/{dispatch_id}/{step}")
async def dispatch_step(request: Request, incident_id: RowId, dispatch_id: RowId, step: str, db: DbSession,
                        ctx: Context) -> Response:
    t = translator(request)

    def act() -> str:
        principal = _writer(request, db)
        if step not in ("arrive", "release"):
            raise field_error("step", "the step is arrive or release", "操作只能是到场或撤离")
        incident = incidents.get(db, incident_id=incident_id)
        order = service.order_of(db, incident=incident, order_id=dispatch_id)
        if step == "arrive":
            service.arrive(db, incident=incident, order=order, principal=principal, now=ctx.clock.now())
            return t.gettext("已记录 %(team)s 到场", team=order.team_name)
        service.release(db, incident=incident, order=order, principal=principal, now=ctx.clock.now())
        return t.gettext("已记录 %(team)s 撤离", team=order.team_name)

    return run_action(db, f"/emergency/incidents/{incident_id}", act, labels=LABELS, t=t)
