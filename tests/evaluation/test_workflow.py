"""The creation workflow on the services: county → city → province → named; a 设区市 skipping 市级复核; a
return keeping its history; wrong parties and steps out of order refused with nothing saved; the year-end
rule of the recommendation; scope; 复评 and its failure proposing a revocation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from tests.evaluation.wf_support import acting, people, refused, submit_self_sheet

from citysafe.auth.schemas import Principal
from citysafe.core.audit import AuditEntry
from citysafe.core.context import AppContext
from citysafe.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from citysafe.evaluation.applicants import service as applicants
from citysafe.evaluation.applicants.schemas import ApplicantCreate
from citysafe.evaluation.models import Applicant
from citysafe.evaluation.workflow import publicity, revocations, service
from citysafe.evaluation.workflow.models import Application, Step
from citysafe.evaluation.workflow.schemas import (
    ApplicationCreate,
    ObjectionHandleIn,
    ObjectionIn,
    OpinionIn,
    RevocationDecideIn,
    StepIn,
)

T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
DAYS = 7


def _applicant(ctx: AppContext, who: dict[str, Principal], kind: str = "county", code: str = "320115") -> int:
    with acting(ctx, who["province"]) as db:
        return applicants.create(db, data=ApplicantCreate(kind=kind, division_code=code), principal=who["province"]).id


def _open(ctx: AppContext, principal: Principal, applicant_id: int, year: int = 2026, round_: str = "creation") -> int:
    with acting(ctx, principal) as db:
        return service.open_application(db, applicant=applicants.get(db, applicant_id=applicant_id),
                                        data=ApplicationCreate(year=year), principal=principal, now=T0,
                                        round_=round_).id


def _step(ctx: AppContext, principal: Principal, app_id: int, action: str, at: datetime = T0, note: str = "") -> str:
    if action == "apply":  # 申报 needs the 自评 sheet submitted (test_workflow_sheet.py tests that rule)
        submit_self_sheet(ctx, app_id)
    with acting(ctx, principal) as db:
        application = service.get(db, application_id=app_id, lock=True)
        service.take_step(db, application=application, data=StepIn(action=action, note=note or action),  # type: ignore[arg-type]
                          principal=principal, now=at, publicity_days=DAYS)
        return application.state


def _opinion(ctx: AppContext, principal: Principal, app_id: int, unit: str) -> None:
    with acting(ctx, principal) as db:
        service.add_opinion(db, application=service.get(db, application_id=app_id),
                            data=OpinionIn(unit=unit, stance="agree", text="同意推荐"), principal=principal, now=T0)


def _history(ctx: AppContext, app_id: int) -> list[tuple[str, str, str]]:
    with acting(ctx, None) as db:
        return [(s.action, s.from_state, s.to_state) for s in
                db.scalars(select(Step).where(Step.application_id == app_id).order_by(Step.seq))]


def test_county_to_named_the_whole_way(ctx: AppContext) -> None:
    who = people(ctx)
    app_id = _open(ctx, who["county"], _applicant(ctx, who))
    assert _step(ctx, who["county"], app_id, "apply") == "city_review"
    _opinion(ctx, who["city"], app_id, "市住房城乡建设局")
    assert _step(ctx, who["city"], app_id, "recommend") == "province_review"
    _opinion(ctx, who["province"], app_id, "省消防救援总队")
    assert _step(ctx, who["province"], app_id, "propose") == "publicity"
    closes = T0 + timedelta(days=DAYS)
    assert _step(ctx, who["province"], app_id, "approve", at=closes) == "approved"
    named_at = closes + timedelta(days=1)
    assert _step(ctx, who["province"], app_id, "name", at=named_at) == "named"
    assert _step(ctx, who["province"], app_id, "annual", at=named_at) == "named"
    with acting(ctx, who["province"]) as db:
        application = service.get(db, application_id=app_id)
        applicant = db.get(Applicant, application.applicant_id)
        assert applicant is not None and applicant.standing == "named"
        assert applicant.named_on == date(2026, 6, 9) and applicant.review_due == date(2029, 6, 9)
        read = service.read(db, application, principal=who["province"], full=True)
        assert [o.unit for o in read.opinions] == ["市住房城乡建设局", "省消防救援总队"]
        assert read.recommended_on == date(2026, 6, 1) and read.publicity_end == closes
        audited = db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "ev_step"))
    assert [a for a, _f, _t in _history(ctx, app_id)] == ["open", "apply", "recommend", "propose", "approve", "name",
                                                          "annual"]
    assert audited == 7


def test_a_city_skips_the_city_review(ctx: AppContext) -> None:
    who = people(ctx)
    app_id = _open(ctx, who["city"], _applicant(ctx, who, "city", "320100"))
    assert _step(ctx, who["city"], app_id, "apply") == "province_review"
    with refused(Conflict, "“省级评议”环节，不能办理“推荐”"):
        _step(ctx, who["city"], app_id, "recommend")


def test_a_returned_application_keeps_its_history(ctx: AppContext) -> None:
    who = people(ctx)
    applicant_id = _applicant(ctx, who)
    app_id = _open(ctx, who["county"], applicant_id)
    _step(ctx, who["county"], app_id, "apply")
    with refused(ValidationFailed, "退回"):
        _step(ctx, who["city"], app_id, "return", note=" ")
    assert _step(ctx, who["city"], app_id, "return", note="风险评估报告未更新，请补充") == "drafting"
    assert _step(ctx, who["county"], app_id, "apply") == "city_review"
    assert _history(ctx, app_id) == [("open", "drafting", "drafting"), ("apply", "drafting", "city_review"),
                                     ("return", "city_review", "drafting"), ("apply", "drafting", "city_review")]
    with acting(ctx, who["county"]) as db:
        steps = service.read(db, service.get(db, application_id=app_id), full=True).steps
        assert steps[2].note == "风险评估报告未更新，请补充" and steps[2].actor == "city"


@pytest.mark.parametrize(("actor", "action", "error", "words"), [
    ("city", "apply", Forbidden, "须由江宁区安委办办理"),
    ("other_city", "recommend", NotFound, ""),  # 无锡 does not even see a 南京 file
    ("province", "recommend", Forbidden, "须由南京市安委办办理"),
    ("city", "propose", Conflict, "申报当前处于“市级复核”环节，不能办理“列入拟命名名单并公示”"),
    ("province", "name", Conflict, "不能办理“命名授牌”"),
    ("department", "recommend", Forbidden, "须由南京市安委办办理"),  # sees the file, takes no step
])
def test_wrong_party_or_out_of_order_saves_nothing(ctx: AppContext, actor: str, action: str,
                                                   error: type[Exception], words: str) -> None:
    who = people(ctx)
    app_id = _open(ctx, who["county"], _applicant(ctx, who))
    if action != "apply":
        _step(ctx, who["county"], app_id, "apply")
    before = _history(ctx, app_id)
    with pytest.raises(error) as caught:
        _step(ctx, who[actor], app_id, action)
    if words:
        assert words in getattr(caught.value, "detail_zh", "")
    assert _history(ctx, app_id) == before
    with acting(ctx, None) as db:
        state = db.scalar(select(Application.state).where(Application.id == app_id))
        assert state == ("drafting" if action == "apply" else "city_review")


def test_the_recommendation_is_due_by_year_end(ctx: AppContext) -> None:
    who = people(ctx)
    app_id = _open(ctx, who["county"], _applicant(ctx, who), year=2026)
    _step(ctx, who["county"], app_id, "apply")
    late = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 1 January 2027, 00:30 in Nanjing
    with refused(Conflict, "12月31日前"):
        _step(ctx, who["city"], app_id, "recommend", at=late)
    assert _step(ctx, who["city"], app_id, "recommend", at=late - timedelta(hours=1)) == "province_review"


def test_scope_each_party_sees_its_own_and_its_subordinates(ctx: AppContext) -> None:
    who = people(ctx)
    mine = _open(ctx, who["county"], _applicant(ctx, who))
    theirs = _open(ctx, who["other_city"], _applicant(ctx, who, "city", "320200"))
    for name, expected in (("county", [mine]), ("city", [mine]), ("other_city", [theirs]),
                           ("province", [theirs, mine]), ("other_county", [])):
        with acting(ctx, who[name]) as db:
            assert [a.id for a in service.listing(db)] == expected, name


def test_one_open_application_at_a_time(ctx: AppContext) -> None:
    who = people(ctx)
    applicant_id = _applicant(ctx, who)
    _open(ctx, who["county"], applicant_id)
    with refused(Conflict, "未办结"):
        _open(ctx, who["county"], applicant_id)


def _named(ctx: AppContext, who: dict[str, Principal]) -> tuple[int, int]:
    applicant_id = _applicant(ctx, who)
    app_id = _open(ctx, who["county"], applicant_id)
    for actor, action in (("county", "apply"), ("city", "recommend"), ("province", "propose")):
        _step(ctx, who[actor], app_id, action)
    _step(ctx, who["province"], app_id, "approve", at=T0 + timedelta(days=DAYS))
    _step(ctx, who["province"], app_id, "name", at=T0 + timedelta(days=DAYS))
    return applicant_id, app_id


def test_objections_hold_the_approval_until_handled(ctx: AppContext) -> None:
    who = people(ctx)
    applicant_id = _applicant(ctx, who)
    app_id = _open(ctx, who["county"], applicant_id)
    for actor, action in (("county", "apply"), ("city", "recommend"), ("province", "propose")):
        _step(ctx, who[actor], app_id, action)
    with acting(ctx, None) as db:
        assert [e.applicant_name for e in publicity.current(db, now=T0 + timedelta(days=1))] == ["江宁区"]
        objection = publicity.lodge(db, application_id=app_id, now=T0 + timedelta(days=1),
                                    data=ObjectionIn(text="该区今年发生多起较大事故，建议暂缓命名",
                                                     contact="13800000000"))
        objection_id = objection.id
        assert publicity.current(db, now=T0 + timedelta(days=DAYS)) == []
    with acting(ctx, None) as db, refused(Conflict, "公示期已结束"):
        publicity.lodge(db, application_id=app_id, now=T0 + timedelta(days=DAYS),
                        data=ObjectionIn(text="迟到的异议，公示期已经结束了"))
    with refused(Conflict, "届满后"):
        _step(ctx, who["province"], app_id, "approve", at=T0 + timedelta(days=2))
    with refused(Conflict, "尚有 1 条公示异议未处理"):
        _step(ctx, who["province"], app_id, "approve", at=T0 + timedelta(days=DAYS))
    with acting(ctx, who["city"]) as db, refused(Forbidden, "须由省安委办办理"):
        publicity.handle(db, objection_id=objection_id, data=ObjectionHandleIn(state="dismissed", note="经核查不属实"),
                         principal=who["city"], now=T0 + timedelta(days=DAYS))
    with acting(ctx, who["province"]) as db:
        publicity.handle(db, objection_id=objection_id, data=ObjectionHandleIn(state="dismissed", note="经核查不属实"),
                         principal=who["province"], now=T0 + timedelta(days=DAYS))
    assert _step(ctx, who["province"], app_id, "approve", at=T0 + timedelta(days=DAYS)) == "approved"


def test_failed_re_evaluation_proposes_revocation_and_the_province_decides(ctx: AppContext) -> None:
    who = people(ctx)
    applicant_id, _first = _named(ctx, who)
    with refused(Conflict, "2029"):
        _open(ctx, who["county"], applicant_id, year=2027, round_="re_evaluation")
    again = _open(ctx, who["county"], applicant_id, year=2029, round_="re_evaluation")
    _step(ctx, who["county"], again, "apply")
    _step(ctx, who["city"], again, "recommend", at=datetime(2029, 6, 1, tzinfo=UTC))
    with pytest.raises(Conflict):
        _step(ctx, who["province"], again, "propose")  # a 复评 is not publicised again
    assert _step(ctx, who["province"], again, "fail", note="复评得分未达到命名标准") == "failed"
    with acting(ctx, who["province"]) as db:
        [proposal] = revocations.listing(db)
        assert (proposal.reason, proposal.state, proposal.application_id) == ("failed_re_evaluation", "proposed", again)
        revocations.decide(db, revocation_id=proposal.id,
                           data=RevocationDecideIn(state="revoked", note="撤销命名并摘牌"),
                           principal=who["province"], now=T0)
        applicant = db.get(Applicant, applicant_id)
        assert applicant is not None and applicant.standing == "revoked"
