"""The workflow and the 自评 sheet: opening links (or creates) the sheet; 申报 refuses a missing or draft sheet
with nothing saved; 退回 returns the sheet with its note; 命名授牌 locks it, its result frozen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from tests.evaluation.wf_support import acting, people, refused, submit_self_sheet

from citysafe.core.context import AppContext
from citysafe.core.errors import Conflict
from citysafe.evaluation.applicants import service as applicants
from citysafe.evaluation.applicants.schemas import ApplicantCreate
from citysafe.evaluation.models import Sheet
from citysafe.evaluation.workflow import service
from citysafe.evaluation.workflow.models import Application, Step
from citysafe.evaluation.workflow.schemas import ApplicationCreate, StepIn

T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def _step(ctx: AppContext, who: str, app_id: int, action: str, at: datetime = T0, note: str = "") -> str:
    principal = people(ctx)[who]
    with acting(ctx, principal) as db:
        application = service.get(db, application_id=app_id, lock=True)
        service.take_step(db, application=application, data=StepIn(action=action, note=note),  # type: ignore[arg-type]
                          principal=principal, now=at, publicity_days=7)
        return application.state


def _sheet(ctx: AppContext, app_id: int) -> tuple[str, str, dict[str, object] | None, int]:
    with acting(ctx, None) as db:
        application = db.get(Application, app_id)
        assert application is not None and application.sheet_id is not None
        sheet = db.get(Sheet, application.sheet_id)
        assert sheet is not None and sheet.purpose == "self" and sheet.year == application.year
        steps = len(list(db.scalars(select(Step).where(Step.application_id == app_id))))
        return sheet.state, sheet.state_note, sheet.result, steps


def _opened(ctx: AppContext) -> int:
    who = people(ctx)
    with acting(ctx, who["province"]) as db:
        applicant = applicants.create(db, data=ApplicantCreate(kind="county", division_code="320115"),
                                      principal=who["province"])
    with acting(ctx, who["county"]) as db:
        return service.open_application(db, applicant=applicants.get(db, applicant_id=applicant.id),
                                        data=ApplicationCreate(year=2026), principal=who["county"], now=T0).id


def test_apply_needs_the_submitted_sheet_and_return_and_name_follow_it(ctx: AppContext) -> None:
    app_id = _opened(ctx)
    assert _sheet(ctx, app_id)[:1] == ("draft",)
    with refused(Conflict, "江宁区2026年度自评评分表尚未提交"):
        _step(ctx, "county", app_id, "apply")
    assert _sheet(ctx, app_id)[3] == 1  # only 开始自评: nothing of the refused 申报 was kept
    submit_self_sheet(ctx, app_id)
    assert _step(ctx, "county", app_id, "apply") == "city_review"
    assert _step(ctx, "city", app_id, "return", note="隐患排查记录不全，请补充") == "drafting"
    assert _sheet(ctx, app_id)[:2] == ("returned", "隐患排查记录不全，请补充")
    with refused(Conflict, "已被退回，修改后须重新提交"):
        _step(ctx, "county", app_id, "apply")
    submit_self_sheet(ctx, app_id)
    for who, action in (("county", "apply"), ("city", "recommend"), ("province", "propose")):
        _step(ctx, who, app_id, action)
    assert _sheet(ctx, app_id)[0] == "submitted"
    _step(ctx, "province", app_id, "approve", at=T0 + timedelta(days=7))
    _step(ctx, "province", app_id, "name", at=T0 + timedelta(days=8))
    state, _note, result, _steps = _sheet(ctx, app_id)
    assert state == "locked" and result is not None and "total" in result


def test_apply_without_any_sheet_is_refused(ctx: AppContext) -> None:
    app_id = _opened(ctx)
    with acting(ctx, None) as db:
        application = db.get(Application, app_id)
        assert application is not None
        db.delete(db.get(Sheet, application.sheet_id))
    with refused(Conflict, "尚无2026年度自评评分表"):
        _step(ctx, "county", app_id, "apply")

