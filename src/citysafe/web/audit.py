"""The audit log in the console (操作日志): who did what to which record and when, in Chinese — actions and record
kinds by name, people by their names, times in the city's zone — with filters kept in the URL, paging, and an
Excel export of what the filters select. For roles holding READ_AUDIT; it calls the service GET /api/v1/audit
calls, so an office sees the entries of its own region only."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from io import BytesIO
from types import MappingProxyType
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from openpyxl import Workbook
from pydantic import ValidationError
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.deps import Context, DbSession
from citysafe.auth.enums import ROLE_NAMES_ZH, Permission
from citysafe.auth.schemas import AuditFilter, Principal
from citysafe.core.audit import AuditEntry
from citysafe.core.clock import format_local
from citysafe.core.context import AppContext
from citysafe.core.errors import CitysafeError, Forbidden, field_error
from citysafe.core.pagination import MAX_PAGE_SIZE, PageParams
from citysafe.core.render.xlsx import safe_row
from citysafe.orgs import service as orgs_service
from citysafe.orgs.enums import KIND_NAMES_ZH
from citysafe.orgs.schemas import OrganizationFilter
from citysafe.regions.names import REGION_NAMES
from citysafe.web.common import page_principal, render
from citysafe.web.i18n import N_, translator
from citysafe.web.messages import FIELD_LABELS, form_message
from citysafe.web.users import region_choices

router = APIRouter(include_in_schema=False)

ACTION_NAMES = MappingProxyType({"create": N_("新建"), "update": N_("修改"), "delete": N_("删除"),
                                 "pw_reset": N_("重置密码"),
                                 "password": N_("修改本人密码"), "logout": N_("退出登录")})
# The records people change by hand, by the names the console gives them; others keep their table's name.
ENTITY_NAMES = MappingProxyType({
    "organization": N_("单位"), "app_user": N_("账号"), "hazard_ticket": N_("隐患"), "hazard_step": N_("隐患处理步骤"),
    "hazard_place": N_("排查场所"), "hazard_attachment": N_("隐患照片或材料"), "hazard_checklist": N_("检查表"),
    "hazard_checklist_item": N_("检查项"), "inspection_plan": N_("排查计划"), "inspection_task": N_("排查任务"),
    "work_permit": N_("特殊作业票"), "work_permit_approval": N_("作业票签批"), "work_permit_gas_test": N_("气体分析"),
    "enforcement_record": N_("执法检查"), "enforcement_penalty": N_("行政处罚"), "joint_punishment": N_("联合惩戒"),
    "grid_officer": N_("网格员配置"), "risk_source": N_("风险源"), "risk_assessment": N_("风险评估"),
    "risk_factor": N_("风险因素"),
    "risk_report": N_("风险报告"), "risk_import": N_("风险源导入"), "fw_unit": N_("联网单位"),
    "fw_building": N_("建筑物"),
    "fw_uitd": N_("用户信息传输装置"), "fw_component": N_("消防设施部件"), "fw_fire_system": N_("消防系统"),
    "fw_iot_device": N_("物联设备"), "fw_maintenance": N_("维保窗口"), "fw_alarm": N_("火警/故障"),
    "fw_alarm_action": N_("警情处置"),
    "fw_device_claim": N_("设备认领"), "fw_duty_check": N_("查岗"), "fw_forwarding": N_("119 转报"),
    "region": N_("行政区划"), "kb_expert": N_("智库专家"), "em_agreement": N_("协议储备"),
    "job": N_("后台任务")})
# A kind of record no page shows (machine rows): its table's name means nothing to a reader.
OTHER_RECORD = N_("系统记录")
# Where a record of each kind is shown in the console, so an entry links to what it changed.
ENTITY_PAGES = MappingProxyType({
    "organization": "/orgs/{}", "app_user": "/users/{}", "hazard_ticket": "/hazards/tickets/{}",
    "work_permit": "/hazards/permits/{}", "risk_source": "/risk/sources/{}", "fw_unit": "/firewatch/units/{}"})
CHANGE_LABELS = MappingProxyType({
    **FIELD_LABELS, "active": N_("状态"), "organization_id": N_("所属单位"), "uscc": N_("统一社会信用代码"),
    "sector": N_("行业领域"),
    "contacts": N_("联系人"), "region_code": N_("所在区划"), "title": N_("标题"), "state": N_("状态")})
# A field some record kind names otherwise than the shared label does.
ENTITY_LABELS: MappingProxyType[str, dict[str, str]] = MappingProxyType({
    "em_agreement": {"items": N_("协议物资"), "title": N_("协议名称")}})
# Coded values by the field holding them ("enterprise" is a role's and a unit kind's code, named differently).
VALUE_NAMES: MappingProxyType[str, dict[str, str]] = MappingProxyType({
    "role": {r.value: n for r, n in ROLE_NAMES_ZH.items()}, "kind": {k.value: n for k, n in KIND_NAMES_ZH.items()}})
FILTER_LABELS = MappingProxyType({"actor": N_("操作人"), "action": N_("操作"), "entity": N_("记录类型"),
                                  "entity_id": N_("记录编号"),
                                  "region": N_("区划"), "since": N_("起始日期"), "until": N_("截止日期")})
FILTER_FIELDS = ("actor", "action", "entity", "entity_id", "region", "date_from", "date_to")
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T")
# Messages stored in both languages end with the English in brackets: the Chinese page shows the Chinese.
_ENGLISH_TAIL = re.compile(r"\s*\([A-Za-z][^()]*\)$")
PAGE_SIZE = 50
EXPORT_MAX_ROWS = 20_000


def _auditor(request: Request, db: Session) -> Principal:
    principal = page_principal(request, db)
    if not principal.can(Permission.READ_AUDIT):
        raise Forbidden(detail="this role does not read the audit log", detail_zh="当前角色无权查阅操作日志")
    return principal


def _local_day(value: str, name: str, zone: ZoneInfo) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise field_error(name, "not a date", "日期格式不正确") from exc
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def _filters(chosen: dict[str, str], ctx: AppContext) -> AuditFilter:
    """The page's filters as the API takes them: the date range is whole local days, ``date_to`` included."""
    zone = ZoneInfo(ctx.settings.timezone)
    since = _local_day(chosen["date_from"], "since", zone)
    until = _local_day(chosen["date_to"], "until", zone)
    return AuditFilter.model_validate({
        **{k: chosen[k] for k in ("actor", "action", "entity", "entity_id", "region") if chosen[k]},
        "since": since, "until": until + timedelta(days=1) if until else None})


def _value(key: str, value: Any, ctx: AppContext, units: dict[int, str]) -> str:
    """A changed value as a reader knows it: names for codes and units, local times, 是/否; a code with no name is
    not shown."""
    if value is None or value == "" or value == []:
        return N_("空")
    if key == "organization_id" and isinstance(value, int):
        return units.get(value, N_("单位 #%s") % value)
    if isinstance(value, bool):
        return (N_("正常") if value else N_("已停用")) if key == "active" else (N_("是") if value else N_("否"))
    if key == "region_code" and isinstance(value, str):
        return REGION_NAMES.get(ctx).full_name(value) or value
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        # Rows of a record (contacts, an agreement's items, a checklist's results): by their names when they have
        # them, else how many; never the stored structure.
        names = [str(v["name"]) for v in value if v.get("name")]
        return "、".join(names) if names else N_("%s 项") % len(value)
    text = str(value)
    if text in VALUE_NAMES.get(key, {}):
        return VALUE_NAMES[key][text]
    if _MOMENT.match(text):
        try:
            return format_local(datetime.fromisoformat(text))[:16]
        except ValueError:
            return text
    if _CODE.match(text) and "_" in text:
        return N_("（代码值）")
    text = _ENGLISH_TAIL.sub("", text) if re.search(r"[\u4e00-\u9fff]", text) else text
    return text if len(text) <= 60 else text[:60] + "…"


def _changes(entry: AuditEntry, ctx: AppContext, units: dict[int, str]) -> tuple[list[tuple[str, str, str]], int]:
    """The labelled fields an entry changed as (label, before, after), and how many other fields it touched; a new or
    deleted record lists only the fields it holds a value in."""
    labels = {**CHANGE_LABELS, **ENTITY_LABELS.get(entry.entity, {})}
    before, after = entry.before or {}, entry.after or {}
    values = after or before
    keys = [k for k in values if k not in ("id", "created_at", "updated_at", "password_hash")
            and (entry.action == "update" or values[k] not in (None, "", [], 0, False))]
    shown = [k for k in keys if k in labels]
    rows = [(labels[k], _value(k, before.get(k), ctx, units) if entry.action == "update" else "",
             _value(k, values.get(k), ctx, units)) for k in shown]
    return rows, len(keys) - len(shown)


def _unit_names(db: Session, entries: list[AuditEntry]) -> dict[int, str]:
    """The names of the units the entries point at (those the reader may see; others stay a number)."""
    ids = {v for e in entries for side in (e.before, e.after) if side
           for k, v in side.items() if k == "organization_id" and isinstance(v, int)}
    ids |= {int(e.entity_id) for e in entries if e.entity == "organization" and e.entity_id.isdigit()}
    wanted, names = sorted(ids), dict[int, str]()
    for start in range(0, len(wanted), MAX_PAGE_SIZE):  # an export names thousands: one page of them at a time
        chunk = wanted[start:start + MAX_PAGE_SIZE]
        found, _ = orgs_service.list_organizations(db, filters=OrganizationFilter(ids=chunk),
                                                   params=PageParams(size=MAX_PAGE_SIZE))
        names |= {org.id: org.name for org in found}
    return names


def _record_name(entry: AuditEntry, units: dict[int, str], accounts: dict[int, Any]) -> str:
    if not entry.entity_id.isdigit():
        return ""
    if entry.entity == "organization":
        return units.get(int(entry.entity_id), "")
    account = accounts.get(int(entry.entity_id)) if entry.entity == "app_user" else None
    return account.display_name if account else ""


def _rows(entries: Iterable[AuditEntry], db: Session, ctx: AppContext) -> list[dict[str, Any]]:
    entries = list(entries)
    people = auth_service.users_by_username(db, usernames=[e.actor for e in entries])
    units = _unit_names(db, entries)
    accounts = auth_service.users_by_id(db, ids=[int(e.entity_id) for e in entries
                                                 if e.entity == "app_user" and e.entity_id.isdigit()])
    rows = []
    for e in entries:
        person = people.get(e.actor)
        changes, others = _changes(e, ctx, units)
        page = ENTITY_PAGES.get(e.entity)
        rows.append({"at": format_local(e.at), "actor": e.actor,
                     "actor_name": person.display_name if person else (N_("系统") if e.actor == "system" else e.actor),
                     "action": ACTION_NAMES.get(e.action, e.action), "entity": ENTITY_NAMES.get(e.entity, OTHER_RECORD),
                     "entity_id": e.entity_id,
                     "record_name": _record_name(e, units, accounts),
                     "link": page.format(e.entity_id) if page and e.action != "delete" else "",
                     "region": REGION_NAMES.get(ctx).full_name(e.region_code) if e.region_code else N_("全省（系统）"),
                     "changes": changes, "others": others})
    return rows


def _chosen(request: Request) -> dict[str, str]:
    return {name: request.query_params.get(name, "").strip()[:100] for name in FILTER_FIELDS}


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, db: DbSession, ctx: Context, page: int = 1) -> Response:
    principal = _auditor(request, db)
    chosen = _chosen(request)
    params = PageParams.clamped(page, PAGE_SIZE)
    entries: list[AuditEntry]
    try:
        filters = _filters(chosen, ctx)
    except (CitysafeError, ValidationError) as exc:
        # A refused filter lists nothing rather than everything: the reader asked for less, not more.
        entries, total, error = [], 0, form_message(exc, FILTER_LABELS, translator(request))
    else:
        entries, total = auth_service.list_audit(db, principal=principal, params=params, filters=filters)
        error = ""
    query = {k: v for k, v in chosen.items() if v}
    actor_user = auth_service.users_by_username(db, usernames=[chosen["actor"]]).get(chosen["actor"])
    return render(request, "audit/list.html", principal, rows=_rows(entries, db, ctx), total=total, page=params.page,
                  pages=params.pages(total), page_query=lambda n: "/audit?" + urlencode(query | {"page": n}),
                  chosen=chosen, actions=ACTION_NAMES, entities=sorted(ENTITY_NAMES.items(), key=lambda kv: kv[1]),
                  regions=region_choices(db, principal), actor_name=actor_user.display_name if actor_user else "",
                  export_url="/audit/export.xlsx" + (f"?{urlencode(query)}" if query else ""), error=error)


@router.get("/audit/export.xlsx")
def audit_export(request: Request, db: DbSession, ctx: Context) -> Response:
    """The filtered log as an Excel sheet, the newest first (at most EXPORT_MAX_ROWS rows; the sheet says so)."""
    principal = _auditor(request, db)
    filters = _filters(_chosen(request), ctx)
    entries = auth_service.audit_rows(db, principal=principal, filters=filters, limit=EXPORT_MAX_ROWS + 1)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(translator(request).gettext("操作日志"))
    sheet.append([translator(request).gettext("时间（北京时间）"), translator(request).gettext("操作人"),
                  translator(request).gettext("用户名"), translator(request).gettext("操作"),
                  translator(request).gettext("记录类型"), translator(request).gettext("记录编号"),
                  translator(request).gettext("区划"), translator(request).gettext("变更内容")])
    for row in _rows(entries[:EXPORT_MAX_ROWS], db, ctx):
        changed = "；".join(f"{label}：{was} → {now}" if was else f"{label}：{now}"
                           for label, was, now in row["changes"])
        sheet.append(safe_row([row["at"], row["actor_name"], row["actor"], row["action"], row["entity"],
                               row["entity_id"], row["region"], changed]))
    if len(entries) > EXPORT_MAX_ROWS:
        sheet.append([translator(request).gettext("仅导出最近 %(n)s 条，请缩小筛选范围", n=EXPORT_MAX_ROWS)])
    out = BytesIO()
    book.save(out)
    filename = f"audit-{ctx.clock.now():%Y%m%d}.xlsx"
    return Response(out.getvalue(), headers={"Content-Disposition": f'attachment; filename="{filename}"'},
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
