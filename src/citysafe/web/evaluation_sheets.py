"""Console of 评分与考核: the score sheets of the region (create one, fill each scored item, attach evidence, submit,
return or lock, download the Excel sheet and the report), the criteria versions with their unverified items and
the edit form (each edit a new version), and the yearly 安全生产责任考核 overview. The same services as the API
(evaluation/criteria_store.py, evaluation/sheets)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.auth import service as auth_service
from citysafe.auth.deps import Context, DbSession
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.clock import format_local
from citysafe.core.errors import CitysafeError, field_error
from citysafe.core.pagination import PageParams
from citysafe.core.uploads import read_capped
from citysafe.evaluation import criteria_store
from citysafe.evaluation.calc.criteria import CriteriaSet, Item
from citysafe.evaluation.criteria_store import Band, ItemEdit
from citysafe.evaluation.models import Applicant, CriteriaVersion
from citysafe.evaluation.sheets import assessment, scoring, service
from citysafe.evaluation.sheets.schemas import PURPOSE_NAMES_ZH, EvidenceLink, ItemUpdate, SheetCreate
from citysafe.evaluation.workflow import sheet_link
from citysafe.orgs import service as orgs_service
from citysafe.orgs.enums import OrganizationKind
from citysafe.orgs.schemas import OrganizationFilter
from citysafe.web.common import page_principal, render
from citysafe.web.forms import back, flash, run_action
from citysafe.web.i18n import N_, Translator, translator
from citysafe.web.messages import error_detail, form_message

router = APIRouter(include_in_schema=False)
SHEETS = "/evaluation/sheets"
CRITERIA = "/evaluation/criteria"
OVERVIEW = "/evaluation/assessment"
LABELS = {"deduction": N_("评审扣分"), "reason": N_("扣分理由"), "na_reason": N_("不适用原因"),
          "findings": N_("发现问题"), "subject_name": N_("考核对象"), "applicant_id": N_("参评对象"),
          "subject_org_id": N_("考核对象单位"),
          "year": N_("年度"), "file": N_("证明材料文件"), "document": N_("评分标准文件"), "points": N_("分值"),
          "rules": N_("扣分规则"), "bands": N_("考核等次"), "note": N_("说明"), "label": N_("记录名称"),
          "record_id": N_("记录编号"), "url": N_("链接"), "deadline": N_("完成时限"), "region_code": N_("所在地区"),
          "criteria_set": N_("评分标准"), "title": N_("条目名称"), "version": N_("版本号")}
RECORD_TYPES = {"risk_source": N_("风险源"), "hazard_ticket": N_("隐患"), "white_paper": N_("风险白皮书"),
                "incident": N_("事件"), "plan": N_("应急预案"), "drill": N_("应急演练"), "permit": N_("作业票"),
                "enforcement": N_("执法记录"), "shelter": N_("避难场所"), "other": N_("其他记录")}


def _principal(request: Request, db: Session, permission: str = Permission.READ_EVALUATION) -> Principal:
    principal = page_principal(request, db)
    auth_service.require(principal, permission)
    return principal


@router.get(SHEETS, response_class=HTMLResponse)
def sheets_page(request: Request, db: DbSession, ctx: Context) -> Response:
    principal = _principal(request, db)
    rows = service.listing(db)
    versions = {r.criteria_id: criteria_store.get(db, criteria_id=r.criteria_id) for r in rows}
    sheets = [scoring.read_sheet(r, versions[r.criteria_id]) for r in rows]
    applicants = [(a.id, a.name) for a in db.scalars(select(Applicant).order_by(Applicant.name).limit(500))]
    return render(request, "evaluation/sheets/list.html", principal, sheets=sheets, applicants=applicants,
                  agencies=_agencies(db),
                  purposes=PURPOSE_NAMES_ZH, year=ctx.clock.now().year,
                  can_write=principal.can(Permission.WRITE_EVALUATION), **flash(request))


def _agencies(db: Session) -> list[tuple[int, str]]:
    """The region's 机关部门 (orgs), by name: whom a 考核 sheet may name as its subject."""
    rows, _ = orgs_service.list_organizations(db, filters=OrganizationFilter(kind=OrganizationKind.AGENCY),
                                              params=PageParams(page=1, size=200))
    return sorted(((org.id, org.name) for org in rows), key=lambda pair: pair[1])


@router.post(SHEETS)
async def create_sheet(request: Request, db: DbSession, ctx: Context) -> Response:
    form = await request.form()
    t = translator(request)
    try:
        principal = _principal(request, db, Permission.WRITE_EVALUATION)
        keys = ("purpose", "year", "applicant_id", "subject_name", "subject_org_id")
        f = {k: str(form.get(k, "")).strip() for k in keys}
        data = SheetCreate.model_validate({"purpose": f["purpose"], "year": f["year"] or None,
                                           "applicant_id": f["applicant_id"] or None,
                                           "subject_name": f["subject_name"],
                                           "subject_org_id": f["subject_org_id"] or None})
        sheet = service.create(db, data=data, principal=principal, now=ctx.clock.now())
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return back(SHEETS, error=form_message(exc, LABELS, t))
    return back(f"{SHEETS}/{sheet.id}", ok=t.gettext("评分表已建立，请逐项填报"))


def _rule_inputs(item: Item, findings: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for rule in item.rules:
        kind = rule.type
        unit = getattr(rule, "unit", "")
        hint = {"per_finding": N_("发现问题数（处）"), "award": N_("次数"), "binary": N_("是否符合"),
                "threshold": f"{getattr(rule, 'metric', '')}（{unit}）" if unit else getattr(rule, "metric", "")}[kind]
        out.append({"id": rule.id, "type": kind, "text": rule.text or rule.id, "hint": hint,
                    "value": findings.get(rule.id, "")})
    return out


@router.get(SHEETS + "/{sheet_id}", response_class=HTMLResponse)
def sheet_page(request: Request, sheet_id: RowId, db: DbSession, item: str = "") -> Response:
    principal = _principal(request, db)
    sheet = service.get(db, sheet_id=sheet_id)
    detail = scoring.detail(db, sheet)
    chosen = next((i for i in detail.items if i.item_id == item), None)
    criteria: CriteriaSet = service.criteria_of(db, sheet)
    leaf = next((x for _, x in criteria.leaves() if chosen and x.id == chosen.item_id), None)
    groups: list[dict[str, Any]] = []
    for entry in detail.items:
        key = (entry.level1 or N_("鼓励项"), entry.level2)
        if not groups or (groups[-1]["level1"], groups[-1]["level2"]) != key:
            groups.append({"level1": key[0], "level2": key[1], "items": []})
        groups[-1]["items"].append(entry)
    editable = sheet.state in service.EDITABLE and principal.can(Permission.WRITE_EVALUATION)
    application = sheet_link.application_of(db, sheet_id=sheet.id) if sheet.purpose == "self" else None
    return render(request, "evaluation/sheets/sheet.html", principal, s=detail, groups=groups, chosen=chosen,
                  application=application,
                  rules=_rule_inputs(leaf, chosen.findings) if leaf and chosen else [], editable=editable,
                  can_review=principal.can(Permission.REVIEW_EVALUATION), record_types=RECORD_TYPES,
                  levels={lv["item"]: lv for lv in detail.levels}, local=format_local, **flash(request))


def _findings(form: Any, item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for rule in item.rules:
        typed = str(form.get(f"rule_{rule.id}", "")).strip()
        if not typed:
            continue
        if rule.type == "binary":
            out[rule.id] = typed == "met"
            continue
        try:
            number = Decimal(typed)
        except InvalidOperation:
            raise field_error("findings", f"rule {rule.id}: not a number",
                              f"“{rule.text or rule.id}”应填写数字") from None
        whole = rule.type in ("per_finding", "award") and number == number.to_integral()
        out[rule.id] = int(number) if whole else number
    return out


def _units(text: str) -> list[str]:
    return [u.strip() for u in text.replace("，", "、").replace(",", "、").split("、") if u.strip()]


@router.post(SHEETS + "/{sheet_id}/items/{item_id}")
async def save_item(request: Request, sheet_id: RowId, item_id: str, db: DbSession, ctx: Context) -> Response:
    form = await request.form()
    t = translator(request)
    here = f"{SHEETS}/{sheet_id}?item={item_id}"

    def act() -> str:
        principal = _principal(request, db, Permission.WRITE_EVALUATION)
        sheet = service.get(db, sheet_id=sheet_id, lock=True)
        leaf = next((x for _, x in service.criteria_of(db, sheet).leaves() if x.id == item_id), None)
        if leaf is None:
            raise field_error("item_id", "no such item", "没有这个评分项")
        f = {k: str(form.get(k, "")).strip() for k in ("deduction", "reason", "na_reason", "responsible_units",
                                                         "supporting_units", "contact", "deadline", "progress")}
        data = ItemUpdate.model_validate({
            "findings": _findings(form, leaf), "deduction": f["deduction"] or None, "reason": f["reason"],
            "not_applicable": form.get("not_applicable") == "1", "na_reason": f["na_reason"],
            "responsible_units": _units(f["responsible_units"]), "supporting_units": _units(f["supporting_units"]),
            "contact": f["contact"], "deadline": date.fromisoformat(f["deadline"]) if f["deadline"] else None,
            "progress": f["progress"], "done": form.get("done") == "1"})
        service.update_item(db, sheet=sheet, item_id=item_id, data=data, principal=principal, now=ctx.clock.now())
        return t.gettext("已保存，得分已重新计算")

    try:
        return run_action(db, here, act, labels=LABELS, t=t)
    except ValueError:  # a date the browser let through malformed
        db.rollback()
        return back(here, error=t.gettext("完成时限格式不正确"))


@router.post(SHEETS + "/{sheet_id}/items/{item_id}/evidence")
def upload_evidence(request: Request, sheet_id: RowId, item_id: str, db: DbSession, ctx: Context,
                    file: Annotated[UploadFile, File()], note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    t = translator(request)
    here = f"{SHEETS}/{sheet_id}?item={item_id}"
    try:
        principal = _principal(request, db, Permission.WRITE_EVALUATION)
        data = read_capped(file.file, max_bytes=service.MAX_EVIDENCE_BYTES, field="file")
        evidence = service.add_file(db, sheet=service.get(db, sheet_id=sheet_id, lock=True), item_id=item_id,
                                    filename=file.filename or "", data=data, note=note, principal=principal,
                                    now=ctx.clock.now())
    except CitysafeError as exc:
        db.rollback()
        return back(here, error=error_detail(exc, t))
    return back(here, ok=t.gettext("已上传证明材料：%(name)s", name=evidence.label))


@router.post(SHEETS + "/{sheet_id}/items/{item_id}/links")
async def link_evidence(request: Request, sheet_id: RowId, item_id: str, db: DbSession, ctx: Context) -> Response:
    form = await request.form()
    t = translator(request)

    def act() -> str:
        principal = _principal(request, db, Permission.WRITE_EVALUATION)
        link = EvidenceLink.model_validate({k: str(form.get(k, "")).strip() for k in (
            "record_type", "record_id", "label", "url", "note")})
        service.add_link(db, sheet=service.get(db, sheet_id=sheet_id, lock=True), item_id=item_id, link=link,
                         principal=principal, now=ctx.clock.now())
        return t.gettext("已关联平台记录")

    return run_action(db, f"{SHEETS}/{sheet_id}?item={item_id}", act, labels=LABELS, t=t)


@router.post(SHEETS + "/{sheet_id}/evidence/{evidence_id}/delete")
async def delete_evidence(request: Request, sheet_id: RowId, evidence_id: RowId, db: DbSession) -> Response:
    form = await request.form()
    t = translator(request)
    item = str(form.get("item", ""))

    def act() -> str:
        _principal(request, db, Permission.WRITE_EVALUATION)
        service.remove_evidence(db, sheet=service.get(db, sheet_id=sheet_id, lock=True), evidence_id=evidence_id)
        return t.gettext("已删除证明材料")

    return run_action(db, f"{SHEETS}/{sheet_id}?item={item}", act, labels=LABELS, t=t)


@router.post(SHEETS + "/{sheet_id}/{action}")
async def sheet_step(request: Request, sheet_id: RowId, action: str, db: DbSession, ctx: Context) -> Response:
    """提交, 退回 (with the reason), 锁定."""
    form = await request.form()
    t = translator(request)

    def act() -> str:
        needed = Permission.WRITE_EVALUATION if action == "submit" else Permission.REVIEW_EVALUATION
        principal = _principal(request, db, needed)
        sheet, now = service.get(db, sheet_id=sheet_id, lock=True), ctx.clock.now()
        if action == "submit":
            service.submit(db, sheet=sheet, principal=principal, now=now)
            return t.gettext("评分表已提交")
        if action == "return":
            service.return_sheet(db, sheet=sheet, note=str(form.get("note", ""))[:2000], principal=principal, now=now)
            return t.gettext("评分表已退回")
        if action == "lock":
            service.lock(db, sheet=sheet, principal=principal, now=now)
            return t.gettext("评分表已锁定，得分不再变化")
        raise field_error("action", "unknown step", "未知的操作")

    return run_action(db, f"{SHEETS}/{sheet_id}", act, labels=LABELS, t=t)


# --- criteria versions ----------------------------------------------------------------------------------------


@router.get(CRITERIA, response_class=HTMLResponse)
def criteria_page(request: Request, db: DbSession, ctx: Context, version: int = 0, item: str = "") -> Response:
    principal = _principal(request, db)
    rows = criteria_store.listing(db, now=ctx.clock.now())
    chosen = next((r for r in rows if r.id == version), rows[0] if rows else None)
    unverified = criteria_store.unverified_items(chosen) if chosen else []
    editing = None
    node = criteria_store.item_of(criteria_store.as_set(chosen), item) if chosen is not None and item else None
    if node is not None and not node.verified:
        editing = {"id": node.id, "title": node.title, "content": node.content, "points": node.points,
                   "note": node.note, "label": node.label, "scored": not node.children,
                   "rules": json.dumps([r.model_dump(mode="json") for r in node.rules], ensure_ascii=False)}
    grades = criteria_store.as_set(chosen).grades if chosen is not None else None
    return render(request, "evaluation/sheets/criteria.html", principal, rows=rows, chosen=chosen,
                  unverified=unverified, editing=editing, grades=grades,
                  can_manage=principal.can(Permission.MANAGE_CRITERIA), local=format_local,
                  source=criteria_store.PERFORMANCE_SOURCE, **flash(request))


@router.post(CRITERIA)
def upload_criteria(request: Request, db: DbSession, ctx: Context, file: Annotated[UploadFile, File()]) -> Response:
    t = translator(request)
    try:
        principal = _principal(request, db, Permission.MANAGE_CRITERIA)
        data = read_capped(file.file, max_bytes=2 * 1024 * 1024, field="document")
        row = criteria_store.upload(db, text=data, principal=principal, now=ctx.clock.now())
    except CitysafeError as exc:
        db.rollback()
        return back(CRITERIA, error=t.gettext("评分标准未导入：%(why)s", why=error_detail(exc, t)))
    return back(f"{CRITERIA}?version={row.id}", ok=t.gettext("已导入评分标准 %(version)s", version=row.version))


def _new_version(db: Session, t: Translator, failed: str, make: Callable[[], CriteriaVersion]) -> Response:
    """Run an edit that makes a new version; show the new version, or the refusal on the page it came from."""
    try:
        row = make()
    except (CitysafeError, ValidationError) as exc:
        db.rollback()
        return back(failed, error=form_message(exc, LABELS, t))
    return back(f"{CRITERIA}?version={row.id}",
                ok=t.gettext("已形成新版本 %(version)s，原版本保持不变", version=row.version))


@router.post(CRITERIA + "/{criteria_id}/items/{item_id}")
async def edit_item(request: Request, criteria_id: RowId, item_id: str, db: DbSession, ctx: Context) -> Response:
    form = await request.form()

    def make() -> CriteriaVersion:
        principal = _principal(request, db, Permission.MANAGE_CRITERIA)
        f = {k: str(form.get(k, "")).strip() for k in ("title", "content", "points", "note", "rules", "source")}
        try:
            rules = json.loads(f["rules"]) if f["rules"] else None
        except json.JSONDecodeError:
            raise field_error("rules", "not JSON", "扣分规则须为 JSON 格式") from None
        if rules is not None and not isinstance(rules, list):
            raise field_error("rules", "a list of rules", "扣分规则须为列表")
        edit = ItemEdit.model_validate({"item_id": item_id, "title": f["title"] or None, "content": f["content"],
                                        "points": f["points"] or None, "note": f["note"], "rules": rules,
                                        "verified": True if form.get("verified") == "1" else None,
                                        "source": f["source"] or None})
        return criteria_store.edit_items(db, criteria_id=criteria_id, edits=[edit], principal=principal,
                                         now=ctx.clock.now())

    return _new_version(db, translator(request), f"{CRITERIA}?version={criteria_id}&item={item_id}", make)


@router.post(CRITERIA + "/{criteria_id}/grades")
async def edit_grades(request: Request, criteria_id: RowId, db: DbSession, ctx: Context) -> Response:
    form = await request.form()

    def make() -> CriteriaVersion:
        principal = _principal(request, db, Permission.MANAGE_CRITERIA)
        names = [str(v).strip() for v in form.getlist("band_name")]
        mins = [str(v).strip() for v in form.getlist("band_min")]
        links = [str(v).strip() for v in form.getlist("band_performance")]
        bands = [Band.model_validate({"name": n, "min": m}) for n, m in zip(names, mins, strict=False) if n]
        performance = {n: p for n, p in zip(names, links, strict=False) if n and p}
        return criteria_store.edit_grades(db, criteria_id=criteria_id, bands=bands, performance=performance,
                                          principal=principal, now=ctx.clock.now())

    return _new_version(db, translator(request), f"{CRITERIA}?version={criteria_id}", make)


# --- 考核 overview ---------------------------------------------------------------------------------------------


@router.get(OVERVIEW, response_class=HTMLResponse)
def overview_page(request: Request, db: DbSession, ctx: Context, year: int = 0) -> Response:
    principal = _principal(request, db)
    this_year = ctx.clock.now().year
    # Unasked, the latest year assessed (a year's 考核 is held early the next year), else this year.
    latest = next((s.year for s in service.listing(db, purpose="assessment", limit=1)), this_year)
    chosen = year if 1990 <= year <= 2100 else latest
    data = assessment.overview(db, year=chosen)
    return render(request, "evaluation/sheets/overview.html", principal, o=data,
                  years=range(this_year, this_year - 6, -1), can_write=principal.can(Permission.WRITE_EVALUATION),
                  **flash(request))
