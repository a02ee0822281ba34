"""Reward rules in the database (``reward_rule``): the shipped rules loaded on first use, new rules and new versions
made by the administrators of a jurisdiction — never an existing version rewritten.

Which rule applies where: the current rule of the most specific jurisdiction that contains the report's division
and has a schedule for the kind of report (a city's over its province's over the national rule). The national rule
(jurisdiction empty) is the default everywhere. A user edits only rules of jurisdictions inside its own region; the
national rule only an administrator of the whole system.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from citysafe.auth.enums import Permission, Role
from citysafe.auth.schemas import Principal
from citysafe.core.db import get_or_404
from citysafe.core.errors import Conflict, Forbidden, field_error
from citysafe.core.validators import region_prefix
from citysafe.public.rewards.calc.reward import SHIPPED, RuleDocument, shipped_rule
from citysafe.public.rewards.models import RewardRule

TEMPLATE_NOTE = "以国家标准为模板新建"  # the change note of a local rule made from the national one in the console


def document_of(row: RewardRule) -> RuleDocument:
    """The stored document as a checked rule (it was checked when stored)."""
    return RuleDocument.model_validate(row.document)


def ensure_shipped(session: Session, *, now: datetime) -> None:
    """Load each shipped rule once (the national default and the local examples); an edited one is kept."""
    known = set(session.scalars(select(RewardRule.name).where(RewardRule.name.in_(list(SHIPPED))).distinct()))
    for name in SHIPPED:
        if name in known:
            continue
        try:
            _store(session, shipped_rule(name), version=1, origin="shipped", by="system", now=now, note="随系统发布")
        except Conflict:
            continue  # another request loaded it at the same moment: the same row


def _store(session: Session, document: RuleDocument, *, version: int, origin: str, by: str, now: datetime,
           note: str) -> RewardRule:
    row = RewardRule(name=document.name, version=version, jurisdiction=document.jurisdiction, title=document.title,
                     source_document=document.document, effective_from=document.effective_from,
                     document=document.model_dump(mode="json"), current=True, origin=origin, change_note=note,
                     created_by=by[:100], created_at=now, updated_at=now)
    try:
        with session.begin_nested():  # two editors at once: the second fails on the unique version
            session.add(row)
    except IntegrityError as exc:
        raise Conflict(detail=f"rule {document.name} version {version} exists already",
                       detail_zh=f"规则 {document.title} 第 {version} 版已由他人保存，请刷新后重试") from exc
    return row


def listing(session: Session, *, now: datetime, history: bool = False) -> list[RewardRule]:
    """The current version of every rule (the national one first, then by jurisdiction), or every version."""
    ensure_shipped(session, now=now)
    stmt = select(RewardRule).order_by(RewardRule.jurisdiction, RewardRule.name, RewardRule.version.desc())
    if not history:
        stmt = stmt.where(RewardRule.current.is_(True))
    return list(session.scalars(stmt))


def versions(session: Session, *, name: str) -> list[RewardRule]:
    return list(session.scalars(select(RewardRule).where(RewardRule.name == name)
                                .order_by(RewardRule.version.desc())))


def get(session: Session, *, rule_id: int) -> RewardRule:
    return get_or_404(session, RewardRule, rule_id, what="reward rule", what_zh="奖励规则")


def applicable(session: Session, *, region_code: str, kind: str, now: datetime) -> RewardRule | None:
    """The current rule that decides a ``kind`` report in ``region_code``: the most specific jurisdiction wins."""
    ensure_shipped(session, now=now)
    candidates = [row for row in session.scalars(select(RewardRule).where(RewardRule.current.is_(True)))
                  if kind in row.document.get("schedules", {}) and _covers(row.jurisdiction, region_code)]
    return max(candidates, key=lambda row: (_depth(row.jurisdiction), row.id), default=None)


def _covers(jurisdiction: str, region_code: str) -> bool:
    return not jurisdiction or region_code.startswith(region_prefix(jurisdiction))


def _depth(jurisdiction: str) -> int:
    return len(region_prefix(jurisdiction)) if jurisdiction else 0


def may_edit(principal: Principal, jurisdiction: str) -> bool:
    """An administrator edits every rule; a province or city office the rules inside its own region."""
    if not principal.can(Permission.MANAGE_REWARD_RULES):
        return False
    if principal.role == Role.ADMIN:
        return True
    return bool(jurisdiction) and jurisdiction.startswith(region_prefix(principal.region_code))


def _require_edit(principal: Principal, jurisdiction: str, title: str) -> None:
    if not may_edit(principal, jurisdiction):
        where = "全国" if not jurisdiction else f"区划 {jurisdiction}"
        raise Forbidden(detail=f"you may not edit the reward rules of {jurisdiction or 'the nation'}",
                        detail_zh=f"无权修改“{title}”（{where}），只能维护本辖区的举报奖励标准")


def create(session: Session, *, document: RuleDocument, principal: Principal, now: datetime,
           note: str) -> RewardRule:
    """A new local rule (version 1) for a jurisdiction inside the user's region."""
    ensure_shipped(session, now=now)
    _require_edit(principal, document.jurisdiction, document.title)
    if session.scalar(select(func.count()).select_from(RewardRule).where(RewardRule.name == document.name)):
        raise field_error("name", f"a rule named {document.name} exists; edit it to make a new version",
                          f"已有名为 {document.name} 的规则，请在原规则上修改形成新版本")
    return _store(session, document, version=1, origin="created", by=principal.username, now=now, note=note)


def revise(session: Session, *, rule: RewardRule, document: RuleDocument, principal: Principal, now: datetime,
           note: str) -> RewardRule:
    """A new version of ``rule`` (the one being edited must be the current one); the old version stays."""
    _require_edit(principal, rule.jurisdiction, rule.title)
    if not rule.current:
        raise Conflict(detail="only the current version can be edited",
                       detail_zh=f"“{rule.title}”第 {rule.version} 版已被新版本取代，请在当前版本上修改")
    if document.name != rule.name:
        raise field_error("name", "the name of a rule does not change", "规则名称不能修改")
    if document.jurisdiction != rule.jurisdiction:
        raise field_error("jurisdiction", "the jurisdiction of a rule does not change", "适用区划不能修改")
    if not note.strip():
        raise field_error("note", "say what changed and why", "须说明修改内容和依据")
    rule.current = False
    session.flush()
    return _store(session, document, version=rule.version + 1, origin="edited", by=principal.username, now=now,
                  note=note.strip())
