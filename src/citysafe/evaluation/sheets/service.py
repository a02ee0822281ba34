"""Score sheets: create one for a subject and year under the latest version of a set, fill its scored items
(findings, a reviewer's deduction with its reason, not applicable with its reason, owners, deadline, progress),
attach evidence (a file judged by its bytes, kept with its SHA-256, or a link to a platform record), and move
it draft → submitted → locked | returned.

Every change to an item is scored with the whole sheet before it is kept: a deduction larger than the item's
points, not applicable without a reason, a count where a value belongs — each is refused naming the item and
nothing is written. Locking keeps the result as computed (``Sheet.result``), its total and its grade.

Region scope: ``Sheet`` is region-scoped (core/scope.py), so every query here sees only the reader's subtree; an
applicant's sheet takes the applicant's region, a 考核 sheet the region given (the reader's by default)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.errors import Conflict, Forbidden, NotFound, field_error, not_found
from citysafe.core.filekinds import DOC, DOCX, JPEG, PDF, PNG, WEBP, XLSX, FileKind, accepted, safe_name, sniff
from citysafe.core.scope import current_scope
from citysafe.core.validators import validate_division_code
from citysafe.evaluation import criteria_store
from citysafe.evaluation.calc.criteria import CriteriaSet, Item
from citysafe.evaluation.calc.engine import Finding
from citysafe.evaluation.models import Applicant, Evidence, Sheet, SheetItem
from citysafe.evaluation.sheets import scoring
from citysafe.evaluation.sheets.schemas import (
    DEFAULT_SET,
    DEMONSTRATION_SET,
    STATE_NAMES_ZH,
    EvidenceLink,
    ItemUpdate,
    Purpose,
    SheetCreate,
    SheetState,
)
from citysafe.orgs import service as orgs_service

# 证明材料: scans and photos, Word documents, and Excel workbooks (台账, 统计表 are kept as spreadsheets).
EVIDENCE_KINDS: tuple[FileKind, ...] = (PDF, DOCX, DOC, XLSX, JPEG, PNG, WEBP)
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
EDITABLE = (SheetState.DRAFT.value, SheetState.RETURNED.value)
# What a refused file is, when its first bytes say so (the message names it, not just what is accepted).
_KNOWN_OTHERS = ((b"PK\x03\x04", "ZIP 压缩包（非 Word、Excel 文档，如 PPTX 或打包文件）",
                  "a ZIP archive (not a Word or Excel file: a PPTX, a bundle …)"),
                 (b"MZ", "可执行程序（EXE/DLL）", "a Windows executable"),
                 (b"GIF8", "GIF 图片", "a GIF image"), (b"Rar!", "RAR 压缩包", "a RAR archive"),
                 (b"\x7fELF", "可执行程序（ELF）", "an ELF executable"), (b"{\\rtf", "RTF 文档", "an RTF document"))


def get(session: Session, *, sheet_id: int, lock: bool = False) -> Sheet:
    stmt = select(Sheet).where(Sheet.id == sheet_id)
    sheet = session.scalars(stmt.with_for_update() if lock else stmt).first()
    if sheet is None:
        raise not_found("score sheet", "评分表", sheet_id)
    return sheet


def listing(session: Session, *, purpose: str | None = None, year: int | None = None,
            applicant_id: int | None = None, limit: int = 500) -> list[Sheet]:
    stmt = select(Sheet)
    if purpose is not None:
        stmt = stmt.where(Sheet.purpose == purpose)
    if year is not None:
        stmt = stmt.where(Sheet.year == year)
    if applicant_id is not None:
        stmt = stmt.where(Sheet.applicant_id == applicant_id)
    return list(session.scalars(stmt.order_by(Sheet.year.desc(), Sheet.id.desc()).limit(limit)))


def criteria_of(session: Session, sheet: Sheet) -> CriteriaSet:
    return criteria_store.as_set(criteria_store.get(session, criteria_id=sheet.criteria_id))


def create(session: Session, *, data: SheetCreate, principal: Principal, now: datetime) -> Sheet:
    """A draft for the subject and year, under the latest version of the set (one per subject, purpose, year)."""
    applicant: Applicant | None = None
    if data.purpose == Purpose.ASSESSMENT:
        subject = data.subject_name.strip()
        if data.subject_org_id is not None:
            org_name = _subject_org_name(session, data.subject_org_id)  # checked even when a name is given
            subject = subject or org_name
        if not subject:
            raise field_error("subject_name", "name the government or department assessed", "请填写考核对象")
        region = validate_division_code(data.region_code) if data.region_code else principal.region_code
        scope = current_scope(session)
        if scope is not None and not scope.covers(region):
            raise field_error("region_code", "outside your region", "考核对象所在地区不在本辖区内")
    else:
        if data.applicant_id is None:
            raise field_error("applicant_id", "an evaluation sheet is an applicant's", "请选择参评对象")
        applicant = session.scalars(select(Applicant).where(Applicant.id == data.applicant_id)).first()
        if applicant is None:
            raise not_found("applicant", "参评对象", data.applicant_id)
        subject, region = applicant.name, applicant.region_code
    set_id = data.criteria_set or DEFAULT_SET.get(data.purpose, DEMONSTRATION_SET)
    version = criteria_store.latest(session, set_id=set_id, region_code=region, now=now)
    wanted = "assessment" if data.purpose == Purpose.ASSESSMENT else "demonstration"
    if version.kind != wanted:
        raise field_error("criteria_set", f"{set_id} is a {version.kind} set; this sheet needs a {wanted} set",
                          "考核评分表须使用考核细则" if wanted == "assessment" else "示范城市评分表须使用评分标准")
    same = select(Sheet.id).where(Sheet.purpose == data.purpose.value, Sheet.year == data.year)
    same = (same.where(Sheet.applicant_id == applicant.id) if applicant is not None
            else same.where(Sheet.subject_name == subject, Sheet.region_code == region))
    existing = session.scalars(same).first()
    if existing is not None:
        raise Conflict(detail=f"sheet {existing} already scores {subject} for {data.year}",
                       detail_zh=f"{subject}{data.year}年度的评分表已存在（编号 {existing}）")
    sheet = Sheet(purpose=data.purpose.value, year=data.year, applicant_id=applicant.id if applicant else None,
                  subject_name=subject[:200], subject_org_id=data.subject_org_id, criteria_id=version.id,
                  region_code=region, state=SheetState.DRAFT.value, created_by=principal.display_name[:100],
                  created_at=now, updated_at=now)
    session.add(sheet)
    session.flush()
    scoring.refresh_total(session, sheet, criteria_store.as_set(version))
    return sheet


def _subject_org_name(session: Session, org_id: int) -> str:
    """The name of the assessed department's organisation: it must exist and lie in the reader's scope."""
    try:
        org = orgs_service.get(session, org_id=org_id)
    except NotFound:
        org = None
    scope = current_scope(session)
    if org is None or (scope is not None and not scope.covers(org.region_code)):
        raise field_error("subject_org_id", f"no organisation {org_id} in your region",
                          f"本辖区没有编号为 {org_id} 的单位")
    return str(org.name)


def _editable(sheet: Sheet) -> None:
    if sheet.state not in EDITABLE:
        name = STATE_NAMES_ZH[SheetState(sheet.state)]
        raise Conflict(detail=f"the sheet is {sheet.state}: it cannot be changed",
                       detail_zh=f"评分表{name}，不能修改")


def _leaf(criteria: CriteriaSet, item_id: str) -> Item:
    for _, item in criteria.leaves():
        if item.id == item_id:
            return item
    raise not_found("scored item", "评分项", item_id)


def item_row(session: Session, sheet: Sheet, item_id: str, *, create: bool = False) -> SheetItem | None:
    row = session.scalars(select(SheetItem).where(SheetItem.sheet_id == sheet.id,
                                                  SheetItem.item_id == item_id)).first()
    if row is None and create:
        row = SheetItem(sheet_id=sheet.id, item_id=item_id, findings={}, responsible_units=[], supporting_units=[],
                        facts=[])
        session.add(row)
    return row


def _candidate(row: SheetItem | None, data: ItemUpdate) -> dict[str, Any]:
    """The item's stored values with the update laid over them."""
    keys = ("findings", "deduction", "reason", "not_applicable", "na_reason")
    current: dict[str, Any] = {key: getattr(row, key) if row is not None else None for key in keys}
    current = {"findings": current["findings"] or {}, "deduction": current["deduction"],
               "reason": current["reason"] or "", "not_applicable": bool(current["not_applicable"]),
               "na_reason": current["na_reason"] or ""}
    for key in keys:
        if key in data.model_fields_set:
            current[key] = getattr(data, key)
    current["findings"] = current["findings"] or {}
    current["reason"], current["na_reason"] = (current["reason"] or "").strip(), (current["na_reason"] or "").strip()
    return current


def update_item(session: Session, *, sheet: Sheet, item_id: str, data: ItemUpdate, principal: Principal,
                now: datetime) -> SheetItem:
    """Change one scored item; the whole sheet is scored with the change first, so a refusal writes nothing."""
    _editable(sheet)
    criteria = criteria_of(session, sheet)
    item = _leaf(criteria, item_id)
    row = item_row(session, sheet, item_id)
    new = _candidate(row, data)
    label = f"{item.label}（{item.id}）"
    if new["not_applicable"]:
        if not new["na_reason"]:
            raise field_error("na_reason", f"{item.id}: not applicable needs a stated reason",
                              f"{label}：不适用须说明原因")
        new["findings"], new["deduction"], new["reason"] = {}, None, ""
    if new["deduction"] is not None and new["deduction"] > item.points:
        raise field_error("deduction", f"{item.id}: deduction {new['deduction']} is more than the item's "
                          f"{item.points} points", f"{label}：扣分 {new['deduction']} 超过本项分值 {item.points} 分")
    if new["deduction"] and not new["reason"]:
        raise field_error("reason", f"{item.id}: a deduction needs its reason", f"{label}：扣分须说明理由")
    finding = (Finding(not_applicable=new["na_reason"]) if new["not_applicable"] else
               Finding.model_validate({"findings": new["findings"], "deduction": new["deduction"],
                                       "reason": new["reason"]}))
    others = {r.item_id: scoring.finding_of(r) for r in scoring.items_of(session, sheet) if r.item_id != item_id}
    scoring.compute(criteria, others | {item_id: finding})  # refuses, naming the item, before anything is kept
    row = row or item_row(session, sheet, item_id, create=True)
    assert row is not None
    row.findings = {key: (str(value) if not isinstance(value, bool | int) else value)
                    for key, value in new["findings"].items()}
    row.deduction, row.reason = new["deduction"], new["reason"]
    row.not_applicable, row.na_reason = new["not_applicable"], new["na_reason"] if new["not_applicable"] else ""
    for key in ("responsible_units", "supporting_units"):
        if key in data.model_fields_set:
            setattr(row, key, [u.strip() for u in getattr(data, key) or [] if u.strip()])
    for key in ("contact", "progress"):
        if key in data.model_fields_set:
            setattr(row, key, (getattr(data, key) or "").strip())
    if "deadline" in data.model_fields_set:
        row.deadline = data.deadline
    if "done" in data.model_fields_set:
        row.done = bool(data.done)
    row.updated_by, row.updated_at = principal.display_name[:100], now
    sheet.updated_at = now
    session.flush()
    scoring.refresh_total(session, sheet, criteria)
    return row


def _refuse_kind(data: bytes, filename: str) -> None:
    kind = sniff(data)
    if kind in EVIDENCE_KINDS:
        return
    names = "、".join(k.extension.upper() for k in EVIDENCE_KINDS)
    seen_zh, seen_en = next(((zh, en) for head, zh, en in _KNOWN_OTHERS if data.startswith(head)),
                            (f"{kind.extension.upper()} 文件", f"a {kind.extension.upper()} file") if kind else
                            ("无法识别的格式", "of an unknown kind"))
    raise field_error("file", f"{filename} is {seen_en}: evidence is kept as {names.replace('、', ', ')} only",
                      f"文件“{filename}”为{seen_zh}，不能作为证明材料保存；仅接受 {names} 格式（按文件内容判断）")


def add_file(session: Session, *, sheet: Sheet, item_id: str, filename: str, data: bytes, note: str,
             principal: Principal, now: datetime) -> Evidence:
    """A file as evidence of an item: judged by its bytes, kept with its SHA-256."""
    _editable(sheet)
    _leaf(criteria_of(session, sheet), item_id)
    if data:
        _refuse_kind(data, filename or "file")
    kind = accepted(data, field="file", max_bytes=MAX_EVIDENCE_BYTES, kinds=EVIDENCE_KINDS)
    row = item_row(session, sheet, item_id, create=True)
    session.flush()
    assert row is not None
    evidence = Evidence(sheet_id=sheet.id, sheet_item_id=row.id, kind="file",
                        label=safe_name(filename, kind, default="证明材料")[:200], content_type=kind.content_type,
                        size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data, note=note.strip(),
                        added_by=principal.display_name[:100], added_at=now)
    session.add(evidence)
    session.flush()
    return evidence


def add_link(session: Session, *, sheet: Sheet, item_id: str, link: EvidenceLink, principal: Principal,
             now: datetime) -> Evidence:
    """A platform record (a risk source, a hazard ticket, a plan, a drill …) as evidence of an item."""
    _editable(sheet)
    _leaf(criteria_of(session, sheet), item_id)
    row = item_row(session, sheet, item_id, create=True)
    session.flush()
    assert row is not None
    evidence = Evidence(sheet_id=sheet.id, sheet_item_id=row.id, kind="record", label=link.label.strip(),
                        record_type=link.record_type, record_id=link.record_id.strip(), url=link.url.strip(),
                        note=link.note.strip(), added_by=principal.display_name[:100], added_at=now)
    session.add(evidence)
    session.flush()
    return evidence


def get_evidence(session: Session, *, sheet: Sheet, evidence_id: int) -> Evidence:
    evidence = session.get(Evidence, evidence_id)
    if evidence is None or evidence.sheet_id != sheet.id:
        raise not_found("evidence", "证明材料", evidence_id)
    return evidence


def remove_evidence(session: Session, *, sheet: Sheet, evidence_id: int) -> None:
    _editable(sheet)
    session.delete(get_evidence(session, sheet=sheet, evidence_id=evidence_id))
    session.flush()


def _state(sheet: Sheet, *allowed: SheetState) -> None:
    if sheet.state not in {a.value for a in allowed}:
        name = STATE_NAMES_ZH[SheetState(sheet.state)]
        raise Conflict(detail=f"the sheet is {sheet.state}", detail_zh=f"评分表当前为“{name}”，不能进行此操作")


def submit(session: Session, *, sheet: Sheet, principal: Principal, now: datetime) -> Sheet:
    _state(sheet, SheetState.DRAFT, SheetState.RETURNED)
    scoring.refresh_total(session, sheet, criteria_of(session, sheet))
    sheet.state, sheet.updated_at = SheetState.SUBMITTED.value, now
    return sheet


def return_sheet(session: Session, *, sheet: Sheet, note: str, principal: Principal, now: datetime) -> Sheet:
    _reviewer(principal)
    _state(sheet, SheetState.SUBMITTED)
    if not note.strip():
        raise field_error("note", "say why it is returned", "退回须说明原因")
    sheet.state, sheet.state_note, sheet.updated_at = SheetState.RETURNED.value, note.strip(), now
    return sheet


def lock(session: Session, *, sheet: Sheet, principal: Principal, now: datetime) -> Sheet:
    """Keep the result as computed now: later criteria versions and edits never change it."""
    _reviewer(principal)
    _state(sheet, SheetState.SUBMITTED)
    result = scoring.refresh_total(session, sheet, criteria_of(session, sheet))
    sheet.result = result.as_dict()
    sheet.state, sheet.state_note = SheetState.LOCKED.value, ""
    sheet.locked_at, sheet.locked_by, sheet.updated_at = now, principal.display_name[:100], now
    return sheet


def _reviewer(principal: Principal) -> None:
    if not principal.can(Permission.REVIEW_EVALUATION):
        raise Forbidden(detail="only a reviewer returns or locks a sheet", detail_zh="只有审核人员可以退回或锁定评分表")
