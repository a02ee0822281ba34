"""Writing plans and their versions, reviews and filings; the plan library; which plans an incident calls for."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from citysafe.auth.enums import OFFICE_ROLES, Role
from citysafe.auth.schemas import Principal
from citysafe.core.clock import to_local
from citysafe.core.db import first_or_404, get_or_404
from citysafe.core.errors import Forbidden, NotFound, field_error
from citysafe.core.pagination import PageParams, paginate
from citysafe.core.scope import in_region
from citysafe.core.validators import within_region
from citysafe.emergency.drills.models import Drill
from citysafe.emergency.plans import documents
from citysafe.emergency.plans.calc.matching import (
    RESPONSE_LEVEL_NAMES_ZH,
    IncidentFacts,
    PlanMatch,
    matching_plans,
    plan_facts,
)
from citysafe.emergency.plans.models import EmergencyPlan, PlanRecord, PlanVersion
from citysafe.emergency.plans.schemas import (
    PLAN_KIND_NAMES_ZH,
    DocumentRead,
    MatchIn,
    MatchRead,
    PlanContent,
    PlanCreate,
    PlanDetail,
    PlanKind,
    PlanRead,
    PlanRecordIn,
    PlanRecordRead,
    PlanVersionIn,
    PlanVersionRead,
    VersionSummary,
)
from citysafe.orgs import service as orgs_service


def _search_text(title: str, unit_name: str, content: PlanContent) -> str:
    parts = [title, unit_name, content.command.commander, *content.command.deputies]
    parts += [f"{g.name} {g.lead} {' '.join(g.members)} {g.duties}" for g in content.command.groups]
    parts += [f"{t.description} {' '.join(t.sub_types)}" for t in content.triggers]
    parts += [f"{lv.conditions} {' '.join(lv.actions)} {' '.join(t.title for t in lv.tasks)}" for lv in content.levels]
    parts += [r.name for r in content.resources]
    return " ".join(p for p in parts if p).lower()[:20000]


def _category_keys(content: PlanContent) -> str:
    categories = sorted({c for t in content.triggers for c in t.categories})
    return f"|{'|'.join(categories)}|" if categories else ""


def _owner_and_region(session: Session, plan_in: PlanCreate, principal: Principal) -> tuple[int | None, str, str]:
    """The unit (enterprise plans), the division and the 编制单位 of a new plan, as the caller may write it."""
    if plan_in.kind.owner == "government":
        if principal.role == Role.ENTERPRISE:
            raise field_error("kind", "an enterprise writes enterprise plans (综合, 专项, 现场处置方案)",
                              "企业只能编制本单位的综合、专项应急预案或现场处置方案")
        if plan_in.organization_id is not None:
            raise field_error("organization_id", "a government plan belongs to a division, not a unit",
                              "政府及部门应急预案属于行政区划，不指定企业")
        region = plan_in.region_code or principal.region_code
        if not within_region(region, principal.region_code):
            raise field_error("region_code", "the division is outside your region", "该行政区划不在您的管辖范围内")
        return None, region, plan_in.unit_name
    org_id = plan_in.organization_id
    if principal.role == Role.ENTERPRISE:
        if org_id not in (None, principal.organization_id):
            raise field_error("organization_id", "an enterprise writes its own plans", "企业只能编制本单位的应急预案")
        org_id = principal.organization_id
    if org_id is None:
        raise field_error("organization_id", "name the unit the plan belongs to", "须指定预案所属单位")
    try:
        org = orgs_service.get(session, org_id=org_id)
    except NotFound as exc:
        raise field_error("organization_id", "no such unit in your region", "您的管辖范围内没有该单位") from exc
    return org.id, org.region_code, plan_in.unit_name or org.name


def _version_row(plan: EmergencyPlan, number: int, version_in: PlanVersionIn, principal: Principal,
                 now: datetime) -> PlanVersion:
    return PlanVersion(plan_id=plan.id, region_code=plan.region_code, number=number, title=version_in.title,
                       content=version_in.content.model_dump(mode="json"), change_note=version_in.change_note,
                       created_by=principal.user_id, created_by_name=principal.display_name, created_at=now)


def create(session: Session, *, plan_in: PlanCreate, principal: Principal, now: datetime) -> EmergencyPlan:
    org_id, region, unit_name = _owner_and_region(session, plan_in, principal)
    plan = EmergencyPlan(kind=plan_in.kind.value, owner=plan_in.kind.owner, organization_id=org_id,
                         region_code=region, unit_name=unit_name, title=plan_in.title, version=1,
                         search_text=_search_text(plan_in.title, unit_name, plan_in.content),
                         category_keys=_category_keys(plan_in.content), created_at=now, updated_at=now)
    session.add(plan)
    session.flush()
    session.add(_version_row(plan, 1, plan_in, principal, now))
    session.flush()
    return plan


def add_version(session: Session, *, plan: EmergencyPlan, version_in: PlanVersionIn, principal: Principal,
                now: datetime) -> EmergencyPlan:
    """A new version beside the old ones (修订): the earlier versions stay as they were written."""
    if not version_in.change_note.strip():
        raise field_error("change_note", "say what changed in this revision", "须填写修订说明")
    number = plan.version + 1
    session.add(_version_row(plan, number, version_in, principal, now))
    plan.version = number
    plan.title = version_in.title
    plan.search_text = _search_text(version_in.title, plan.unit_name, version_in.content)
    plan.category_keys = _category_keys(version_in.content)
    plan.updated_at = now
    session.flush()
    return plan


def get(session: Session, *, plan_id: int) -> EmergencyPlan:
    return get_or_404(session, EmergencyPlan, plan_id, what="emergency plan", what_zh="应急预案")


def may_write(principal: Principal, plan: EmergencyPlan) -> bool:
    """Offices and departments write the plans of their region; an enterprise only its own (scope sees to it)."""
    if principal.role == Role.ENTERPRISE:
        return plan.organization_id is not None and plan.organization_id == principal.organization_id
    return principal.role in OFFICE_ROLES or principal.role == Role.DEPARTMENT


def get_writable(session: Session, *, plan_id: int, principal: Principal) -> EmergencyPlan:
    """The plan, for a change by ``principal`` to it or its drills: absent when out of scope, refused when
    only readable."""
    plan = get(session, plan_id=plan_id)
    if not may_write(principal, plan):
        raise Forbidden(detail="you may read this plan but not change it", detail_zh="您可以查看该预案，但无权修改")
    return plan


def version(session: Session, *, plan: EmergencyPlan, number: int) -> PlanVersion:
    return first_or_404(session, select(PlanVersion).where(PlanVersion.plan_id == plan.id,
                                                           PlanVersion.number == number),
                        key=number, what="plan version", what_zh="预案版本")


def add_record(session: Session, *, plan: EmergencyPlan, record_in: PlanRecordIn, principal: Principal,
               now: datetime) -> PlanRecord:
    number = record_in.version or plan.version
    if number > plan.version:
        raise field_error("version", f"the plan has versions 1 to {plan.version}",
                          f"该预案只有第 1 至第 {plan.version} 版")
    if record_in.on > to_local(now).date():
        raise field_error("on", "a review or filing cannot be recorded before it happens", "评审或备案日期不能晚于今天")
    if record_in.kind == "review" and not record_in.conclusion:
        raise field_error("conclusion", "a review has a conclusion: passed, revise or failed",
                          "评审须填写结论：通过、修改后通过或不通过")
    record = PlanRecord(plan_id=plan.id, region_code=plan.region_code, version_number=number, kind=record_in.kind,
                        on=record_in.on, authority=record_in.authority, reference=record_in.reference,
                        conclusion=record_in.conclusion, note=record_in.note,
                        recorded_by_name=principal.display_name, recorded_at=now)
    session.add(record)
    plan.updated_at = now
    session.flush()
    return record


def _library(region: str | None, category: str | None, kind: PlanKind | None, organization_id: int | None,
             unit: str | None, q: str | None) -> Select[tuple[EmergencyPlan]]:
    stmt = select(EmergencyPlan).order_by(EmergencyPlan.updated_at.desc(), EmergencyPlan.id.desc())
    if region:
        stmt = stmt.where(in_region(EmergencyPlan.region_code, region))
    if category:
        stmt = stmt.where(EmergencyPlan.category_keys.contains(f"|{category}|"))
    if kind:
        stmt = stmt.where(EmergencyPlan.kind == kind.value)
    if organization_id is not None:
        stmt = stmt.where(EmergencyPlan.organization_id == organization_id)
    if unit:
        stmt = stmt.where(EmergencyPlan.unit_name.contains(unit.strip(), autoescape=True))
    # Chinese has no spaces to split on and jieba is no dependency: each space-separated term must appear.
    for term in (q or "").lower().split()[:8]:
        stmt = stmt.where(EmergencyPlan.search_text.contains(term, autoescape=True))
    return stmt


def list_plans(session: Session, *, params: PageParams, region: str | None = None, category: str | None = None,
               kind: PlanKind | None = None, organization_id: int | None = None, unit: str | None = None,
               q: str | None = None) -> tuple[list[EmergencyPlan], int]:
    """The plan library in the caller's scope, the most recently changed first."""
    return paginate(session, _library(region, category, kind, organization_id, unit, q), params)


def _last_records(session: Session, plan_ids: Sequence[int]) -> dict[tuple[int, str], date]:
    last: dict[tuple[int, str], date] = {}
    for plan_id, kind, on in session.execute(select(PlanRecord.plan_id, PlanRecord.kind, PlanRecord.on)
                                             .where(PlanRecord.plan_id.in_(plan_ids))):
        key = (plan_id, kind)
        if key not in last or on > last[key]:
            last[key] = on
    return last


def plan_reads(session: Session, plans: Sequence[EmergencyPlan]) -> list[PlanRead]:
    last = _last_records(session, [p.id for p in plans])
    return [PlanRead(id=p.id, kind=PlanKind(p.kind), kind_name=PLAN_KIND_NAMES_ZH[p.kind], owner=p.owner,
                     region_code=p.region_code, organization_id=p.organization_id, unit_name=p.unit_name,
                     title=p.title, categories=[c for c in p.category_keys.split("|") if c], version=p.version,
                     reviewed_on=last.get((p.id, "review")), filed_on=last.get((p.id, "filing")),
                     updated_at=p.updated_at) for p in plans]


def _versions(session: Session, plan_id: int) -> list[PlanVersion]:
    return list(session.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan_id)
                                .order_by(PlanVersion.number)))


def version_read(row: PlanVersion) -> PlanVersionRead:
    return PlanVersionRead(number=row.number, title=row.title, change_note=row.change_note,
                           created_by_name=row.created_by_name, created_at=row.created_at,
                           content=PlanContent.model_validate(row.content))


def detail(session: Session, *, plan: EmergencyPlan) -> PlanDetail:
    versions = _versions(session, plan.id)
    current = next(v for v in versions if v.number == plan.version)
    records = session.scalars(select(PlanRecord).where(PlanRecord.plan_id == plan.id)
                              .order_by(PlanRecord.on, PlanRecord.id))
    return PlanDetail(
        **plan_reads(session, [plan])[0].model_dump(), content=PlanContent.model_validate(current.content),
        versions=[VersionSummary(number=v.number, title=v.title, change_note=v.change_note,
                                 created_by_name=v.created_by_name, created_at=v.created_at) for v in versions],
        records=[PlanRecordRead.model_validate(r) for r in records],
        documents=[DocumentRead.model_validate(d) for d in documents.of_plan(session, plan.id)])


def current_triggers(session: Session, plans: Sequence[EmergencyPlan]) -> dict[int, list[dict[str, object]]]:
    by_plan: dict[int, list[dict[str, object]]] = defaultdict(list)
    wanted = {(p.id, p.version) for p in plans}
    for row in session.scalars(select(PlanVersion).where(PlanVersion.plan_id.in_([p.id for p in plans]))):
        if (row.plan_id, row.number) in wanted:
            by_plan[row.plan_id] = list(row.content.get("triggers", []))
    return by_plan


def plans_for(session: Session, *, facts: IncidentFacts) -> list[tuple[EmergencyPlan, PlanMatch]]:
    """The plans in the caller's scope whose current version's triggers match the incident, with the response
    level each calls for; the incidents part calls this when it activates a plan."""
    plans = list(session.scalars(select(EmergencyPlan)))
    triggers = current_triggers(session, plans)
    by_id = {p.id: p for p in plans}
    matches = matching_plans(facts, [plan_facts(p.id, p.region_code, triggers.get(p.id, [])) for p in plans])
    return [(by_id[m.plan_id], m) for m in matches]


def match_reads(session: Session, *, match_in: MatchIn) -> list[MatchRead]:
    found = plans_for(session, facts=IncidentFacts(match_in.category, match_in.sub_type, match_in.grade,
                                                   match_in.region_code))
    reads = plan_reads(session, [plan for plan, _ in found])
    return [MatchRead(plan=read, level=m.level, level_name=RESPONSE_LEVEL_NAMES_ZH[m.level],
                      trigger_index=m.trigger_index) for read, (_, m) in zip(reads, found, strict=True)]


def evaluation_figures(session: Session, *, region_code: str, first: date, last: date,
                       limit: int = 10) -> dict[str, dict[str, object]]:
    """For the evaluation domain's evidence (issue #14 point 4), read-only: the region's plans, those filed
    (备案 recorded), and the drills held between ``first`` and ``last`` (inclusive). Each: {"count", "records"}."""
    plans = [in_region(EmergencyPlan.region_code, region_code)]
    filed = [*plans, EmergencyPlan.id.in_(select(PlanRecord.plan_id).where(PlanRecord.kind == "filing"))]
    held = [Drill.state == "held", Drill.held_on >= first, Drill.held_on <= last,
            Drill.plan_id.in_(select(EmergencyPlan.id).where(*plans))]
    out: dict[str, dict[str, object]] = {}
    for key, model, label, conditions in (("plans", EmergencyPlan, EmergencyPlan.title, plans),
                                          ("plans_filed", EmergencyPlan, EmergencyPlan.title, filed),
                                          ("drills_held", Drill, Drill.title, held)):
        count = int(session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)
        rows = session.execute(select(model.id, label).where(*conditions).order_by(model.id.desc()).limit(limit))
        out[key] = {"count": count, "records": [(int(r[0]), str(r[1])) for r in rows]}
    return out
