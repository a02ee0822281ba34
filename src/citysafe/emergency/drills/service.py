"""Scheduling and recording drills, their evaluation and findings; the drill-duty rules and who is overdue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from importlib import resources

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.clock import to_local
from citysafe.core.config import Settings
from citysafe.core.db import first_or_404, get_or_404
from citysafe.core.errors import Conflict, NotFound, field_error
from citysafe.core.pagination import PageParams, paginate
from citysafe.core.scope import in_region
from citysafe.emergency import service as incidents
from citysafe.emergency.calc.lifecycle import STATE_NAMES_ZH as INCIDENT_STATE_NAMES_ZH
from citysafe.emergency.drills.calc import duties as calc
from citysafe.emergency.drills.models import Drill, DrillDutyRule, DrillFinding
from citysafe.emergency.drills.schemas import (
    CONTENT_KIND_NAMES_ZH,
    FORM_KIND_NAMES_ZH,
    STATE_NAMES_ZH,
    DrillCreate,
    DrillDetail,
    DrillIncidentRead,
    DrillLiveIn,
    DrillRead,
    DrillRecordIn,
    DutyRuleIn,
    DutyRulesIn,
    DutyRulesRead,
    EvaluationItem,
    FindingIn,
    FindingRead,
    OverdueRead,
)
from citysafe.emergency.models import Incident
from citysafe.emergency.plans import service as plans_service
from citysafe.emergency.plans.models import EmergencyPlan
from citysafe.emergency.rules import rules
from citysafe.emergency.schemas import IncidentCreate
from citysafe.hazards import service as hazards_service
from citysafe.orgs import service as orgs_service


def _score_pct(items: Sequence[EvaluationItem]) -> float | None:
    top = sum(i.max_score for i in items)
    return round(100 * sum(i.score for i in items) / top, 1) if top else None


def _plan_for(session: Session, plan_id: int) -> EmergencyPlan:
    try:
        return plans_service.get(session, plan_id=plan_id)
    except NotFound as exc:  # outside the caller's scope answers as absent: the field names it
        raise field_error("plan_id", f"no plan {plan_id} in your region",
                          f"您的管辖范围内没有编号为 {plan_id} 的应急预案") from exc


def _check_held(held_on: date, today: date) -> None:
    if held_on > today:
        raise field_error("held_on", "a drill cannot be recorded as held on a future day", "实施日期不能晚于今天")


def create(session: Session, *, drill_in: DrillCreate, principal: Principal, now: datetime) -> Drill:
    plan = _plan_for(session, drill_in.plan_id)
    if not plans_service.may_write(principal, plan):
        raise field_error("plan_id", "you may not run drills of this plan", "您无权为该预案安排演练")
    if drill_in.held_on is not None:
        _check_held(drill_in.held_on, to_local(now).date())
    elif drill_in.evaluation:
        raise field_error("evaluation", "a drill is evaluated once it is held: give held_on",
                          "演练实施后才能评估，请填写实施日期")
    drill = Drill(plan_id=plan.id, plan_version=plan.version, organization_id=plan.organization_id,
                  region_code=plan.region_code, title=drill_in.title, content_kind=drill_in.content_kind,
                  form_kind=drill_in.form_kind,
                  state="held" if drill_in.held_on else "scheduled", scheduled_on=drill_in.scheduled_on,
                  held_on=drill_in.held_on, place=drill_in.place, organizer=drill_in.organizer,
                  participants=drill_in.participants, summary=drill_in.summary,
                  evaluation=[i.model_dump() for i in drill_in.evaluation], score_pct=_score_pct(drill_in.evaluation),
                  recorded_by_name=principal.display_name, created_at=now, updated_at=now)
    session.add(drill)
    session.flush()
    return drill


def get(session: Session, *, drill_id: int) -> Drill:
    return get_or_404(session, Drill, drill_id, what="drill", what_zh="演练")


def _not_startable(drill: Drill) -> Conflict:
    why = {"running": ("the drill is running already", "该演练已在进行中"),
           "held": ("the drill was held already", "该演练已实施"),
           "cancelled": ("the drill was cancelled", "该演练已取消，不能启动")}[drill.state]
    return Conflict(detail=why[0], detail_zh=why[1],
                    fields=[field_error("state", why[0], why[1]).fields[0]])


def _incident_kind(session: Session, drill: Drill, live_in: DrillLiveIn, settings: Settings) -> tuple[str, str]:
    """Category and sub-type: as given, else the first the plan's current triggers name that the rules know."""
    plan = plans_service.get(session, plan_id=drill.plan_id)
    triggers = plans_service.current_triggers(session, [plan]).get(plan.id, [])
    the_rules = rules(settings)
    categories = [str(c) for t in triggers for c in list(t.get("categories") or [])]  # type: ignore[call-overload]
    category = live_in.category or next((c for c in categories if c in the_rules.categories), None)
    if category is None:
        raise field_error("category", "the plan names no incident category: give one",
                          "该预案未指明事件类别，请选择演练事件的类别")
    if category not in the_rules.categories:
        raise field_error("category", f"unknown category {category!r}", "未知的事件类别")
    subtypes = [str(s) for t in triggers for s in list(t.get("sub_types") or [])]  # type: ignore[call-overload]
    subtype = live_in.subtype or next((s for s in subtypes if the_rules.has_subtype(category, s)), None)
    if subtype is None:
        raise field_error("subtype", "the plan names no sub-type of this category: give one",
                          "该预案未指明事件类型，请选择演练事件的类型")
    return category, subtype


def start_live(session: Session, *, drill: Drill, live_in: DrillLiveIn, principal: Principal, settings: Settings,
               now: datetime) -> Incident:
    """以演练模式启动: the drill runs in the live system. It opens a drill incident (``is_drill``, linked to the
    drill) on the duty desk, marked 演练 wherever it is shown and kept out of the ledger, the statistics and every
    outbound channel (emergency/drill_mode.py). The drill is ``running`` until it is recorded as held."""
    if drill.state != "scheduled":
        raise _not_startable(drill)
    category, subtype = _incident_kind(session, drill, live_in, settings)
    place = (live_in.place or "").strip() or drill.place.strip() or drill.title
    scenario = live_in.description.strip() or f"按{drill.title}开展{FORM_KIND_NAMES_ZH[drill.form_kind]}"
    incident_in = IncidentCreate.model_validate({
        "category": category, "subtype": subtype, "title": drill.title, "place": place[:300],
        "description": scenario, "region_code": live_in.region_code or drill.region_code,
        "location": live_in.location.model_dump() if live_in.location else None,
        "caller_name": (drill.organizer or principal.display_name)[:100]})
    incident = incidents.open_incident(session, incident_in=incident_in, principal=principal, settings=settings,
                                       now=now, source="drill", source_ref=f"emergency-drill:{drill.id}",
                                       link={"is_drill": True, "drill_id": drill.id,
                                             "organization_id": drill.organization_id})
    drill.state, drill.updated_at = "running", now
    session.flush()
    return incident


def drill_incident(session: Session, *, drill_id: int) -> Incident | None:
    return session.scalars(select(Incident).where(Incident.drill_id == drill_id, Incident.is_drill.is_(True))
                           .order_by(Incident.id.desc()).limit(1)).first()


def record(session: Session, *, drill: Drill, record_in: DrillRecordIn, principal: Principal, settings: Settings,
           now: datetime) -> Drill:
    """The drill was held; a drill running in drill mode ends here and its incident closes with it (response
    terminated, archived), its timeline kept as the drill's record."""
    if drill.state == "cancelled":
        raise Conflict(detail="the drill was cancelled", detail_zh="该演练已取消，不能记录实施情况")
    _check_held(record_in.held_on, to_local(now).date())
    drill.state, drill.held_on = "held", record_in.held_on
    drill.participants = record_in.participants
    drill.summary = record_in.summary
    drill.evaluation = [i.model_dump() for i in record_in.evaluation]
    drill.score_pct = _score_pct(record_in.evaluation)
    drill.recorded_by_name = principal.display_name
    drill.updated_at = now
    live = drill_incident(session, drill_id=drill.id)
    if live is not None:
        incidents.close_drill_incident(session, incident=live, principal=principal, settings=settings,
                                       now=now, note=f"演练“{drill.title}”已实施")
    session.flush()
    return drill


def add_finding(session: Session, *, drill: Drill, finding_in: FindingIn, principal: Principal, settings: Settings,
                now: datetime) -> DrillFinding:
    """A finding of a held drill; a ``hazard`` follow-up raises a ticket through the hazards domain, a
    ``plan_revision`` leaves a note the plan's next version answers (突发事件应对法 第二十八条)."""
    if drill.state != "held":
        raise Conflict(detail="findings are recorded once the drill is held", detail_zh="演练实施后才能记录发现的问题")
    if finding_in.follow_up == "task" and (not finding_in.task_owner.strip() or finding_in.task_due_on is None):
        field = "task_owner" if not finding_in.task_owner.strip() else "task_due_on"
        raise field_error(field, "a task names who rectifies and by when", "整改任务须填写责任人和完成期限")
    if finding_in.follow_up == "plan_revision" and not finding_in.revision_note.strip():
        raise field_error("revision_note", "say what the plan must change", "须填写预案需修订的内容")
    finding = DrillFinding(drill_id=drill.id, region_code=drill.region_code, description=finding_in.description,
                           follow_up=finding_in.follow_up, task_owner=finding_in.task_owner,
                           task_due_on=finding_in.task_due_on, revision_note=finding_in.revision_note,
                           created_by_name=principal.display_name, created_at=now)
    session.add(finding)
    session.flush()
    if finding_in.follow_up == "hazard":
        ticket = hazards_service.report_ticket(
            session, title=f"演练发现问题：{drill.title}", description=finding_in.description,
            category=finding_in.hazard_category, region_code=drill.region_code,
            organization_id=drill.organization_id, principal=principal, settings=settings, now=now,
            source_ref=f"emergency-drill-finding:{finding.id}")
        finding.hazard_ticket_id, finding.hazard_ticket_number = ticket.id, ticket.number
        session.flush()
    return finding


def _drills(plan_id: int | None, state: str | None, region: str | None, since: date | None,
            until: date | None) -> Select[tuple[Drill]]:
    day = func.coalesce(Drill.held_on, Drill.scheduled_on)
    stmt = select(Drill).order_by(day.desc(), Drill.id.desc())
    if plan_id is not None:
        stmt = stmt.where(Drill.plan_id == plan_id)
    if state:
        stmt = stmt.where(Drill.state == state)
    if region:
        stmt = stmt.where(in_region(Drill.region_code, region))
    if since:
        stmt = stmt.where(day >= since)
    if until:
        stmt = stmt.where(day <= until)
    return stmt


def list_drills(session: Session, *, params: PageParams, plan_id: int | None = None, state: str | None = None,
                region: str | None = None, since: date | None = None,
                until: date | None = None) -> tuple[list[Drill], int]:
    """Drills in scope, the latest day (held, else scheduled) first: the calendar's data."""
    return paginate(session, _drills(plan_id, state, region, since, until), params)


def _plan_titles(session: Session, plan_ids: Sequence[int]) -> dict[int, str]:
    return dict(session.execute(select(EmergencyPlan.id, EmergencyPlan.title)
                                .where(EmergencyPlan.id.in_(set(plan_ids)))).tuples().all())


def drill_reads(session: Session, drills: Sequence[Drill]) -> list[DrillRead]:
    titles = _plan_titles(session, [d.plan_id for d in drills])
    return [DrillRead(id=d.id, plan_id=d.plan_id, plan_title=titles.get(d.plan_id, ""), plan_version=d.plan_version,
                      region_code=d.region_code, organization_id=d.organization_id, title=d.title,
                      content_kind=d.content_kind, content_kind_name=CONTENT_KIND_NAMES_ZH[d.content_kind],
                      form_kind=d.form_kind, form_kind_name=FORM_KIND_NAMES_ZH[d.form_kind],
                      state=d.state, state_name=STATE_NAMES_ZH[d.state],
                      scheduled_on=d.scheduled_on, held_on=d.held_on, place=d.place, organizer=d.organizer,
                      participants=d.participants, score_pct=d.score_pct) for d in drills]


def detail(session: Session, *, drill: Drill) -> DrillDetail:
    findings = session.scalars(select(DrillFinding).where(DrillFinding.drill_id == drill.id)
                               .order_by(DrillFinding.id))
    live = drill_incident(session, drill_id=drill.id)
    linked = None if live is None else DrillIncidentRead(
        id=live.id, number=live.number, title=live.title, state=live.state,
        state_name=INCIDENT_STATE_NAMES_ZH.get(live.state, live.state),
        timeline_url=f"/api/v1/emergency/incidents/{live.id}/timeline")
    return DrillDetail(**drill_reads(session, [drill])[0].model_dump(), summary=drill.summary,
                       evaluation=[EvaluationItem.model_validate(i) for i in drill.evaluation],
                       findings=[FindingRead.model_validate(f) for f in findings], incident=linked)


def finding(session: Session, *, drill: Drill, finding_id: int) -> DrillFinding:
    return first_or_404(session, select(DrillFinding).where(DrillFinding.id == finding_id,
                                                            DrillFinding.drill_id == drill.id),
                        key=finding_id, what="drill finding", what_zh="演练发现的问题")


def finish_task(session: Session, *, found: DrillFinding, done_on: date, now: datetime) -> DrillFinding:
    if found.follow_up != "task":
        raise Conflict(detail="only a task is marked done", detail_zh="只有整改任务可以标记完成")
    if done_on > to_local(now).date():
        raise field_error("done_on", "a task cannot be done on a future day", "完成日期不能晚于今天")
    found.task_done_on = done_on
    session.flush()
    return found


# ---- duty rules and who is overdue ----

@lru_cache(maxsize=1)
def packaged_rules() -> tuple[calc.DutyRule, ...]:
    text = (resources.files("citysafe.emergency.drills") / "data" / "drill_duties.json").read_text(encoding="utf-8")
    return calc.rules_from_json(text)


def duty_rules(session: Session) -> DutyRulesRead:
    edited = list(session.scalars(select(DrillDutyRule).order_by(DrillDutyRule.position)))
    if edited:
        return DutyRulesRead(source="edited", rules=[DutyRuleIn.model_validate(r.rule) for r in edited])
    return DutyRulesRead(source="packaged", rules=[DutyRuleIn.model_validate(r.as_dict()) for r in packaged_rules()])


def set_duty_rules(session: Session, *, rules_in: DutyRulesIn, principal: Principal, now: datetime) -> DutyRulesRead:
    """Replace the rules in force (the packaged file stays as shipped: an empty table means it applies)."""
    codes = [r.code for r in rules_in.rules]
    if len(codes) != len(set(codes)):
        raise field_error("rules", "each rule code appears once", "规则代码不能重复")
    session.execute(delete(DrillDutyRule))
    for position, rule in enumerate(rules_in.rules):
        session.add(DrillDutyRule(code=rule.code, position=position, rule=rule.model_dump(mode="json"),
                                  updated_by_name=principal.display_name, updated_at=now))
    session.flush()
    return duty_rules(session)


def overdue(session: Session, *, today: date, region: str | None = None) -> list[OverdueRead]:
    """Who is overdue a drill under the rules in force: the plans in the caller's scope and their held drills."""
    rules = [calc.rule_from_dict(r.model_dump(mode="json")) for r in duty_rules(session).rules]
    stmt = select(EmergencyPlan)
    if region:
        stmt = stmt.where(in_region(EmergencyPlan.region_code, region))
    plans = list(session.scalars(stmt))
    sectors = orgs_service.sectors_by_id(session, org_ids={p.organization_id for p in plans if p.organization_id})
    subjects = [calc.PlanSubject(p.id, p.kind, p.organization_id, sectors.get(p.organization_id or 0, ""),
                                 p.region_code, p.created_at.date()) for p in plans]
    held = dict(session.execute(select(Drill.plan_id, func.max(Drill.held_on))
                                .where(Drill.state == "held", Drill.plan_id.in_([p.id for p in plans]))
                                .group_by(Drill.plan_id)).tuples().all())
    by_id = {p.id: p for p in plans}
    out = []
    for duty in calc.overdue(calc.duties(rules, subjects, {k: v for k, v in held.items() if v}), today):
        first = by_id[duty.plan_ids[0]]
        out.append(OverdueRead(
            rule_code=duty.rule.code, rule_name=duty.rule.name, article=duty.rule.article,
            every_months=duty.rule.every_months, plan_ids=list(duty.plan_ids),
            plan_titles=[by_id[i].title for i in duty.plan_ids], organization_id=duty.organization_id,
            unit_name=first.unit_name, region_code=duty.region_code, last_held=duty.last_held, due_on=duty.due_on,
            overdue_days=duty.overdue_days(today)))
    return out
