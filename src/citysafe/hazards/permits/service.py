"""Applying for, approving, gas-testing, starting and closing dangerous-work permits; conflicts and expiry."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, and_, func, or_, select
from sqlalchemy.orm import Session

from citysafe.auth.enums import Role
from citysafe.auth.schemas import Principal
from citysafe.core.config import Settings
from citysafe.core.db import get_or_404
from citysafe.core.errors import Conflict, Forbidden, field_error
from citysafe.core.geo import location_wgs84
from citysafe.core.pagination import PageParams, paginate
from citysafe.hazards import rules
from citysafe.hazards.calc import permits as calc
from citysafe.hazards.calc.permits import OPEN_PERMIT_STATES, PermitAction, PermitRuleError, PermitState
from citysafe.hazards.enforcement.service import org_brief, punishments_by_org
from citysafe.hazards.permits.models import GasTest, PermitApproval, WorkPermit
from citysafe.hazards.permits.schemas import (
    ApprovalRead,
    ConflictRead,
    GasTestIn,
    GasTestRead,
    PermitActionIn,
    PermitCreate,
    PermitRead,
)
from citysafe.orgs import service as orgs_service

_OPEN = sorted(s.value for s in OPEN_PERMIT_STATES)


def _rule_error(exc: PermitRuleError) -> Exception:
    return field_error(exc.field, exc.message, exc.message_zh)


def apply(session: Session, *, permit_in: PermitCreate, principal: Principal, settings: Settings,
          now: datetime) -> WorkPermit:
    org_id = permit_in.organization_id
    if principal.role == Role.ENTERPRISE:
        if org_id not in (None, principal.organization_id):
            raise field_error("organization_id", "an enterprise applies for its own unit", "企业只能为本单位申请作业票")
        org_id = principal.organization_id
    if org_id is None:
        raise field_error("organization_id", "name the unit doing the work", "须指定作业单位")
    org = orgs_service.get(session, org_id=org_id)
    permit_rules = rules.permit_rules(settings)
    try:
        grade_code = calc.resolve_grade(permit_rules, permit_in.work_type.value, permit_in.grade,
                                        {"height_m": permit_in.height_m, "lifted_mass_t": permit_in.lifted_mass_t})
        grade = calc.check_window(permit_rules, permit_in.work_type.value, grade_code,
                                  permit_in.valid_from, permit_in.valid_to)
    except PermitRuleError as exc:
        raise _rule_error(exc) from exc
    if permit_in.valid_to <= now:
        raise field_error("valid_to", "the validity window has already ended", "作业票有效期已过")
    lon, lat = location_wgs84(permit_in.location)
    permit = WorkPermit(
        work_type=permit_in.work_type.value, grade=grade.code, height_m=permit_in.height_m,
        lifted_mass_t=permit_in.lifted_mass_t, state=PermitState.PENDING.value,
        organization_id=org.id, organization_name=org.name, region_code=org.region_code, area=permit_in.area,
        lon=lon, lat=lat, content=permit_in.content,
        safety_measures=permit_in.safety_measures, work_leader=permit_in.work_leader, guardian=permit_in.guardian,
        workers=permit_in.workers, applicant_id=principal.user_id, applicant_name=principal.display_name,
        valid_from=permit_in.valid_from, valid_to=permit_in.valid_to, approval_chain=list(grade.approvals),
        created_at=now, updated_at=now)
    session.add(permit)
    session.flush()
    return permit


def get(session: Session, *, permit_id: int) -> WorkPermit:
    return get_or_404(session, WorkPermit, permit_id, what="work permit", what_zh="作业票")


def _approvals(session: Session, permit_ids: Sequence[int]) -> dict[int, list[PermitApproval]]:
    out: dict[int, list[PermitApproval]] = defaultdict(list)
    for row in session.scalars(select(PermitApproval).where(PermitApproval.permit_id.in_(permit_ids))
                               .order_by(PermitApproval.position)):
        out[row.permit_id].append(row)
    return out


def _gas_tests(session: Session, permit_ids: Sequence[int]) -> dict[int, list[GasTest]]:
    out: dict[int, list[GasTest]] = defaultdict(list)
    for row in session.scalars(select(GasTest).where(GasTest.permit_id.in_(permit_ids))
                               .order_by(GasTest.sampled_at, GasTest.id)):
        out[row.permit_id].append(row)
    return out


def _view(p: WorkPermit) -> calc.PermitView:
    return calc.PermitView(p.id, p.work_type, p.organization_id, p.area, p.lon, p.lat, p.valid_from, p.valid_to,
                           p.state)


def conflicts_of(session: Session, permits: Sequence[WorkPermit], settings: Settings) -> dict[int, list[calc.Conflict]]:
    """Conflicts of each permit with open permits of any unit (contractors included) overlapping its window."""
    live = [p for p in permits if p.state in OPEN_PERMIT_STATES]
    if not live:
        return {}
    windows = [and_(WorkPermit.valid_from < p.valid_to, WorkPermit.valid_to > p.valid_from) for p in live]
    # Another unit's or another district's permits still clash on site: look regardless of the reader's scope.
    others = [_view(o) for o in session.scalars(select(WorkPermit).where(WorkPermit.state.in_(_OPEN), or_(*windows))
                                                 .execution_options(skip_scope=True))]
    permit_rules = rules.permit_rules(settings)
    return {p.id: calc.conflicts(_view(p), others, permit_rules) for p in live}


def _decide(permit: WorkPermit, action: PermitAction) -> PermitState:
    target = calc.PERMIT_TRANSITIONS.get((PermitState(permit.state), action))
    if target is None:
        raise Conflict(detail=f"cannot {action} a permit that is {permit.state}",
                       detail_zh=f"作业票当前状态为“{calc.PERMIT_STATE_NAMES_ZH[PermitState(permit.state)]}”，不能执行此操作")
    return target


def act(session: Session, *, permit: WorkPermit, action_in: PermitActionIn, principal: Principal,
        settings: Settings, now: datetime) -> WorkPermit:
    action = action_in.action
    target = _decide(permit, action)
    if action is PermitAction.APPROVE:
        target = _approve(session, permit, action_in, principal, now)
    elif action is PermitAction.REJECT:
        if not action_in.note.strip():
            raise field_error("note", "give the reason for rejecting", "须填写驳回理由")
        position = len(_approvals(session, [permit.id])[permit.id]) + 1
        session.add(PermitApproval(permit_id=permit.id, region_code=permit.region_code, position=position,
                                   title=permit.approval_chain[min(position, len(permit.approval_chain)) - 1],
                                   approver_id=principal.user_id, approver_name=principal.display_name,
                                   decision="reject", note=action_in.note, at=now))
    elif action is PermitAction.START:
        _check_start(session, permit, settings, now)
        permit.started_at = now
    elif action is PermitAction.CLOSE:
        permit.closed_at = now
        permit.close_note = action_in.note
    permit.state = target.value
    permit.updated_at = now
    session.flush()
    return permit


def _approve(session: Session, permit: WorkPermit, action_in: PermitActionIn, principal: Principal,
             now: datetime) -> PermitState:
    done = _approvals(session, [permit.id])[permit.id]
    if principal.user_id == permit.applicant_id:
        raise Forbidden(detail="the applicant may not approve its own permit", detail_zh="申请人不能审批自己的作业票")
    if any(a.approver_id == principal.user_id for a in done):
        raise Forbidden(detail="each step of the chain is signed by a different person",
                        detail_zh="审批链的每一级须由不同人员签批")
    position = len(done) + 1
    session.add(PermitApproval(permit_id=permit.id, region_code=permit.region_code, position=position,
                               title=permit.approval_chain[position - 1], approver_id=principal.user_id,
                               approver_name=principal.display_name, decision="approve", note=action_in.note, at=now))
    return PermitState.APPROVED if position == len(permit.approval_chain) else PermitState.PENDING


def _check_start(session: Session, permit: WorkPermit, settings: Settings, now: datetime) -> None:
    permit_rules = rules.permit_rules(settings)
    if not permit.valid_from <= now <= permit.valid_to:
        raise Conflict(detail="work may start only inside the permit's validity window",
                       detail_zh="只能在作业票有效期内开始作业")
    if permit_rules.types[permit.work_type].gas_test:
        tests = [(t.sampled_at, t.passed) for t in _gas_tests(session, [permit.id])[permit.id]]
        if not calc.gas_ready(permit_rules.gas, tests, now):
            minutes = permit_rules.gas.before_start_minutes
            raise Conflict(detail=f"a passing gas test within {minutes:g} minutes before work is required",
                           detail_zh=f"作业前 {minutes:g} 分钟内须有合格的气体分析记录")
    clashes = conflicts_of(session, [permit], settings).get(permit.id, [])
    active = set(session.scalars(select(WorkPermit.id).where(
        WorkPermit.id.in_([c.other_id for c in clashes]), WorkPermit.state == PermitState.ACTIVE.value)
        .execution_options(skip_scope=True)))
    for clash in clashes:
        if clash.other_id in active:
            raise Conflict(detail=f"{clash.reason} (permit {clash.other_id} is under way)",
                           detail_zh=f"存在冲突的作业：{clash.reason_zh}（作业票 ZY{clash.other_id:08d} 正在作业）")


def add_gas_test(session: Session, *, permit: WorkPermit, test_in: GasTestIn, principal: Principal,
                 settings: Settings, now: datetime) -> GasTest:
    if permit.state not in OPEN_PERMIT_STATES:
        raise Conflict(detail="the permit is no longer open", detail_zh="作业票已关闭，不能再记录气体分析")
    sampled = test_in.sampled_at or now
    if sampled > now:
        raise field_error("sampled_at", "a sample cannot be taken in the future", "采样时间不能晚于当前时间")
    problems = calc.gas_problems(rules.permit_rules(settings).gas, calc.GasReading(
        test_in.oxygen_pct, test_in.combustible_pct_lel, test_in.h2s_mg_m3, test_in.co_mg_m3))
    test = GasTest(permit_id=permit.id, region_code=permit.region_code, sampled_at=sampled, point=test_in.point,
                   oxygen_pct=test_in.oxygen_pct, combustible_pct_lel=test_in.combustible_pct_lel,
                   h2s_mg_m3=test_in.h2s_mg_m3, co_mg_m3=test_in.co_mg_m3, tester_name=test_in.tester_name,
                   passed=not problems, problems=problems, recorded_by=principal.user_id, note=test_in.note)
    session.add(test)
    session.flush()
    return test


def list_permits(
    session: Session, *, params: PageParams, settings: Settings, now: datetime, work_type: str | None = None,
    state: str | None = None, organization_id: int | None = None, flag: str | None = None,
) -> tuple[list[WorkPermit], int]:
    """Permits, newest first. ``flag``: ``expired`` (open past its window), ``conflict``, ``gas_retest``."""
    stmt = select(WorkPermit).order_by(WorkPermit.valid_from.desc(), WorkPermit.id.desc())
    if work_type:
        stmt = stmt.where(WorkPermit.work_type == work_type)
    if state:
        stmt = stmt.where(WorkPermit.state == state)
    if organization_id is not None:
        stmt = stmt.where(WorkPermit.organization_id == organization_id)
    if flag == "expired":
        stmt = stmt.where(WorkPermit.state.in_(_OPEN), WorkPermit.valid_to < now)
    elif flag in ("conflict", "gas_retest"):
        # Both depend on rules evaluated in Python; the open permits of a scope are few at any time.
        live = list(session.scalars(stmt.where(WorkPermit.state.in_(_OPEN))))
        if flag == "conflict":
            clashes = conflicts_of(session, live, settings)
            hits = [p for p in live if clashes.get(p.id)]
        else:
            retest = _gas_retest_ids(session, live, settings, now)
            hits = [p for p in live if p.id in retest]
        return hits[params.offset:params.offset + params.size], len(hits)
    elif flag:
        raise field_error("flag", "flag is one of expired, conflict, gas_retest",
                          "flag 须为 expired、conflict 或 gas_retest")
    return paginate(session, stmt, params)


def _gas_retest_ids(session: Session, permits: Sequence[WorkPermit], settings: Settings, now: datetime,
                    tests: Mapping[int, list[GasTest]] | None = None) -> set[int]:
    """The active permits among ``permits`` whose gas must be tested again. Their tests are read in one query
    (or given, by a caller that has them): a query per permit made the flags summary grow with the permits."""
    permit_rules = rules.permit_rules(settings)
    due = [p for p in permits
           if p.state == PermitState.ACTIVE.value and permit_rules.types[p.work_type].gas_test]
    if not due:
        return set()
    known = tests if tests is not None else _gas_tests(session, [p.id for p in due])
    last = {p.id: known[p.id][-1].sampled_at if known.get(p.id) else None for p in due}
    return {p.id for p in due if calc.gas_retest_due(permit_rules.gas, last[p.id], now)}


def permit_reads(session: Session, permits: Sequence[WorkPermit], settings: Settings,
                 now: datetime) -> list[PermitRead]:
    permit_rules = rules.permit_rules(settings)
    ids = [p.id for p in permits]
    approvals, gas = _approvals(session, ids), _gas_tests(session, ids)
    clashes = conflicts_of(session, permits, settings)
    retest = _gas_retest_ids(session, permits, settings, now, gas)
    punished = punishments_by_org(session, org_ids=[p.organization_id for p in permits], now=now)
    numbers = {p.id: p.number for p in permits}
    out = []
    for p in permits:
        kind = permit_rules.types.get(p.work_type)
        grade = kind.grades.get(p.grade) if kind else None
        signed = [a for a in approvals[p.id] if a.decision == "approve"]
        tests = gas[p.id]
        brief = org_brief(p.organization_id, p.organization_name, punished)
        assert brief is not None
        out.append(PermitRead(
            id=p.id, number=p.number, work_type=p.work_type, work_type_name=kind.name_zh if kind else p.work_type,
            grade=p.grade, grade_name=grade.name_zh if grade else p.grade, height_m=p.height_m,
            lifted_mass_t=p.lifted_mass_t, state=PermitState(p.state),
            state_name=calc.PERMIT_STATE_NAMES_ZH[PermitState(p.state)], organization=brief,
            region_code=p.region_code, area=p.area, lon=p.lon, lat=p.lat, content=p.content,
            safety_measures=p.safety_measures, work_leader=p.work_leader, guardian=p.guardian, workers=p.workers,
            applicant_name=p.applicant_name, valid_from=p.valid_from, valid_to=p.valid_to,
            approval_chain=p.approval_chain, approvals=[ApprovalRead.model_validate(a) for a in approvals[p.id]],
            next_approval=(p.approval_chain[len(signed)] if p.state == PermitState.PENDING.value
                           and len(signed) < len(p.approval_chain) else None),
            gas_test_required=bool(kind and kind.gas_test),
            gas_tests=[GasTestRead.model_validate(t) for t in tests],
            gas_ready=bool(kind and kind.gas_test and calc.gas_ready(
                permit_rules.gas, [(t.sampled_at, t.passed) for t in tests], now)),
            gas_retest_due=p.id in retest,
            expired=calc.is_expired(p.state, p.valid_to, now),
            conflicts=[_conflict_read(session, c, numbers) for c in clashes.get(p.id, [])],
            started_at=p.started_at, closed_at=p.closed_at, close_note=p.close_note, created_at=p.created_at))
    return out


def _conflict_read(session: Session, clash: calc.Conflict, numbers: dict[int, str]) -> ConflictRead:
    # The other permit may be another unit's, outside the reader's scope: only its kind and unit are told.
    other = session.execute(select(WorkPermit.work_type, WorkPermit.organization_name)
                            .where(WorkPermit.id == clash.other_id).execution_options(skip_scope=True)).first()
    return ConflictRead(other_id=clash.other_id, other_number=numbers.get(clash.other_id, f"ZY{clash.other_id:08d}"),
                        other_work_type=other[0] if other else "", other_organization_name=other[1] if other else "",
                        reason=clash.reason, reason_zh=clash.reason_zh)


def flags_summary(session: Session, *, settings: Settings, now: datetime) -> dict[str, int]:
    """How many open permits in scope are expired, in conflict, or overdue for a gas re-test."""
    live = list(session.scalars(select(WorkPermit).where(WorkPermit.state.in_(_OPEN))))
    clashes = conflicts_of(session, live, settings)
    return {"open": len(live), "expired": sum(calc.is_expired(p.state, p.valid_to, now) for p in live),
            "conflict": sum(1 for p in live if clashes.get(p.id)),
            "gas_retest": len(_gas_retest_ids(session, live, settings, now))}


def permits_version_columns() -> list[ScalarSelect[Any]]:
    """A version of the permits and their gas tests as columns of a statement (the workbench's flags ask it
    with other domains' in one): every change to a permit moves its ``updated_at``, a new one the newest id,
    a removed one the count. To be read unscoped, as the conflicts it stands for are: another district's
    permit clashes on site."""
    return [select(func.count()).select_from(WorkPermit).scalar_subquery(),
            select(func.max(WorkPermit.id)).scalar_subquery(),
            select(func.max(WorkPermit.updated_at)).scalar_subquery(),
            select(func.count()).select_from(GasTest).scalar_subquery(),
            select(func.max(GasTest.id)).scalar_subquery()]
