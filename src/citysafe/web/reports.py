"""The staff console of citizen reports (群众举报, issue #15 point 1): the list with its filters and who is
verifying what, a report with its photos (metadata removed; what their EXIF said shown beside), the exact place,
the reports of the same matter, and the steps: claim (it expires), verify, reject with a reason, turn into a
hazard ticket or an emergency incident. The reporter's identity only for ``reports:identity``, on a button that
says the view is logged; the figures administrators may change (thresholds [U], retention periods)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.deps import Context, DbSession
from citysafe.auth.enums import Permission, Role
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.clock import format_local
from citysafe.core.errors import Forbidden
from citysafe.core.geo import haversine_m
from citysafe.emergency.rules import rules as emergency_rules
from citysafe.hazards.enums import CATEGORY_NAMES_ZH
from citysafe.public.reports import receipts, rules, service, staff
from citysafe.public.reports.schemas import DUPLICATE_NAMES_ZH, STATE_NAMES_ZH
from citysafe.web.common import page_principal, render
from citysafe.web.forms import flash, posted, run_action
from citysafe.web.i18n import N_, translator

router = APIRouter(include_in_schema=False)
PAGE = "/reports"
RULES = "/reports/rules"
LABELS = {"reason": N_("不予采纳理由"), "note": N_("核实情况"), "category": N_("事件类别"), "subtype": N_("事件类型")}
TABS = (("open", N_("待处理")), ("received", N_("待核实")), ("verified", N_("已核实")),
        ("transferred", N_("已转交整改")), ("rectified", N_("已整改销号")), ("rejected", N_("不予采纳")),
        ("", N_("全部")))
RULE_EDITORS = frozenset({Role.ADMIN, Role.PROVINCE_OFFICE})


def _principal(request: Request, db: Session) -> Principal:
    principal = page_principal(request, db)
    auth_service.require(principal, Permission.HANDLE_REPORTS)
    return principal


def _names() -> dict[str, Any]:
    return {"categories": CATEGORY_NAMES_ZH, "states": STATE_NAMES_ZH, "duplicates": DUPLICATE_NAMES_ZH,
            "display": receipts.display, "local": format_local}


@router.get(PAGE, response_class=HTMLResponse)
def list_page(request: Request, db: DbSession, ctx: Context, tab: str = "open", category: str = "",
              page: int = 1) -> Response:
    principal = _principal(request, db)
    tab = tab if tab in {key for key, _ in TABS} else "open"
    page = max(1, min(page, 10_000))
    rows, total = staff.list_reports(db, state=tab, category=category if category in CATEGORY_NAMES_ZH else "",
                                     limit=30, offset=(page - 1) * 30)
    return render(request, "reports/list.html", principal, rows=rows, total=total, tab=tab, tabs=TABS,
                  category=category, page=page, pages=max(1, (total + 29) // 30), now=ctx.clock.now(),
                  can_edit_rules=principal.role in RULE_EDITORS, **_names(), **flash(request))


@router.get(RULES, response_class=HTMLResponse)
def rules_page(request: Request, db: DbSession) -> Response:
    """The figures applied to reports, with the rule each follows; an administrator may change them."""
    principal = _principal(request, db)
    return render(request, "reports/rules.html", principal, rules=rules.RULES, values=rules.values(db),
                  local=format_local, can_edit=principal.role in RULE_EDITORS, **flash(request))


@router.post(RULES)
async def save_rules(request: Request, db: DbSession, ctx: Context) -> Response:
    form = await request.form()
    t = translator(request)

    def run() -> str:
        principal = _principal(request, db)
        if principal.role not in RULE_EDITORS:
            raise Forbidden(detail="only the province office changes these figures",
                            detail_zh="只有系统管理员或省安委办可以修改这些参数")
        current = rules.values(db)
        for rule in rules.RULES:
            raw = str(form.get(rule.code, "")).strip()
            if raw and raw != str(current[rule.code]):
                try:
                    value = int(raw)
                except ValueError:
                    value = rule.low - 1  # refused below, naming the field
                rules.set_value(db, code=rule.code, value=value, actor=principal.username, now=ctx.clock.now())
        return t.gettext("参数已保存")

    labels = {rule.code: rule.name for rule in rules.RULES}
    return run_action(db, RULES, run, labels=labels, t=t)


def _detail(request: Request, db: Session, ctx: Any, principal: Principal, report_id: int,
            identity: Any = None) -> HTMLResponse:
    report = staff.get(db, report_id=report_id)
    photos = staff.photos_of(db, report_id=report_id)
    exif = [(p, round(haversine_m(report.lon, report.lat, p.exif_lon, p.exif_lat))
             if p.exif_lon is not None and p.exif_lat is not None else None) for p in photos]
    group = service.report_group(db, report_id=report_id)
    steps = service.public_report(db, receipt=report.receipt).steps
    kinds = emergency_rules(ctx.settings).categories
    now = ctx.clock.now()
    held = report.claimed_by is not None and report.claim_expires_at is not None and report.claim_expires_at > now
    return render(request, "reports/detail.html", principal, report=report, photos=exif, group=group, steps=steps,
                  held=held, mine=held and report.claimed_by == principal.user_id, identity=identity,
                  can_identity=principal.can(Permission.READ_REPORTER_IDENTITY),
                  can_incident=principal.can(Permission.WRITE_EMERGENCY), kinds=kinds, **_names(), **flash(request))


@router.get(PAGE + "/{report_id}", response_class=HTMLResponse)
def detail_page(request: Request, report_id: RowId, db: DbSession, ctx: Context) -> Response:
    return _detail(request, db, ctx, _principal(request, db), report_id)


@router.post(PAGE + "/{report_id}/identity", response_class=HTMLResponse)
def identity_page(request: Request, report_id: RowId, db: DbSession, ctx: Context) -> Response:
    """The page again with the reporter's identity: shown in this answer only (never in a URL), audited."""
    principal = _principal(request, db)
    identity = service.reporter_identity(db, report_id=report_id, principal=principal)
    response = _detail(request, db, ctx, principal, report_id, identity=identity)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(PAGE + "/{report_id}/photos/{photo_id}")
def photo(request: Request, report_id: RowId, photo_id: RowId, db: DbSession) -> Response:
    _principal(request, db)
    content, media_type = staff.photo(db, report_id=report_id, photo_id=photo_id)
    return Response(content, media_type=media_type,
                    headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"})


@router.post(PAGE + "/{report_id}/{step}")
async def act(request: Request, report_id: RowId, step: str, db: DbSession, ctx: Context) -> Response:
    form = posted(await request.form(), ("reason", "note", "category", "subtype"))
    t = translator(request)
    here = f"{PAGE}/{report_id}"

    def run() -> str:
        principal = _principal(request, db)
        now = ctx.clock.now()
        if step == "claim":
            staff.claim(db, report_id=report_id, principal=principal, now=now)
            return t.gettext("已认领，请在认领到期前完成核实")
        if step == "release":
            staff.release(db, report_id=report_id, principal=principal, now=now)
            return t.gettext("已放弃认领")
        if step == "verify":
            staff.verify(db, report_id=report_id, principal=principal, now=now, note=form["note"])
            return t.gettext("已核实属实，可转为隐患交办整改")
        if step == "reject":
            staff.reject(db, report_id=report_id, principal=principal, now=now, reason=form["reason"])
            return t.gettext("已不予采纳，举报人可在进度页看到理由")
        if step == "ticket":
            report = staff.to_ticket(db, report_id=report_id, principal=principal, now=now)
            return t.gettext("已转为隐患 %(number)s，整改销号后举报人可看到", number=report.ticket_number)
        if step == "incident":
            subtype = form["subtype"]
            category = form["category"] or subtype.split(":", 1)[0]
            report = staff.to_incident(db, report_id=report_id, principal=principal, now=now, category=category,
                                       subtype=subtype.split(":", 1)[-1])
            return t.gettext("已转为突发事件 %(number)s", number=report.incident_number)
        raise Forbidden(detail="unknown step", detail_zh="没有这项操作")

    return run_action(db, here, run, labels=LABELS, t=t)
