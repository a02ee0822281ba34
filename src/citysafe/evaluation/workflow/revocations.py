"""撤销命名: proposals (a failed 复评, or a 重大/特别重大 accident in a named applicant's area, proposed by the
event handler) and the province's decision on each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.db import get_or_404
from citysafe.core.errors import Conflict
from citysafe.core.validators import region_prefix
from citysafe.evaluation.models import Applicant
from citysafe.evaluation.workflow import rules, service
from citysafe.evaluation.workflow.models import Revocation
from citysafe.evaluation.workflow.schemas import RevocationDecideIn, RevocationRead


def propose_for_accident(session: Session, *, incident_id: int, region_code: str, grade: str) -> list[Revocation]:
    """A proposal for every named applicant whose area holds the incident's division; once per applicant and
    incident, so a redelivered or re-graded event adds nothing. A zone without a division code of its own is
    matched by the division it lies in: the province checks whether the accident lay in the zone."""
    made = []
    named = session.scalars(select(Applicant).where(Applicant.standing == "named"))
    for applicant in named:
        if not region_code.startswith(region_prefix(applicant.region_code)):
            continue
        exists = session.scalar(select(Revocation.id).where(Revocation.applicant_id == applicant.id,
                                                            Revocation.incident_id == incident_id))
        if exists:
            continue
        grade_zh = "特别重大" if grade == "especially_major" else "重大"
        detail = f"事件 {incident_id} 定级为{grade_zh}事故（发生地 {region_code}）"
        if applicant.kind == "zone" and applicant.division_code is None:
            detail += "；开发区无独立区划，请核实事故是否发生在开发区范围内"
        row = Revocation(applicant_id=applicant.id, reason="major_accident", incident_id=incident_id, detail=detail,
                         region_code=applicant.region_code, proposed_by="system:events")
        session.add(row)
        made.append(row)
    session.flush()
    return made


def listing(session: Session, *, state: str | None = None, applicant_id: int | None = None) -> list[Revocation]:
    stmt = select(Revocation).order_by(Revocation.id.desc())
    if state:
        stmt = stmt.where(Revocation.state == state)
    if applicant_id is not None:
        stmt = stmt.where(Revocation.applicant_id == applicant_id)
    return list(session.scalars(stmt))


def decide(session: Session, *, revocation_id: int, data: RevocationDecideIn, principal: Principal,
           now: datetime) -> Revocation:
    row = get_or_404(session, Revocation, revocation_id, what="revocation", what_zh="撤销命名建议")
    applicant = get_or_404(session, Applicant, row.applicant_id, what="applicant", what_zh="参评对象")
    if "province" not in service.party_of(principal, applicant):
        service.forbid(session, applicant, "province", "决定撤销命名")
    if row.state != "proposed":
        raise Conflict(detail="decided already", detail_zh="该撤销命名建议已有决定，不能重复决定")
    row.state, row.decision_note = data.state, data.note.strip()
    row.decided_by, row.decided_at = principal.username, now
    if data.state == "revoked":
        applicant.standing = "revoked"
    session.flush()
    return row


def read(session: Session, row: Revocation) -> RevocationRead:
    applicant = session.get(Applicant, row.applicant_id)
    return RevocationRead.model_validate(row).model_copy(update={
        "applicant_name": applicant.name if applicant else "",
        "reason_name": rules.REVOCATION_REASON_NAMES_ZH.get(row.reason, row.reason),
        "state_name": rules.REVOCATION_STATE_NAMES_ZH.get(row.state, row.state)})
