"""The application's 自评 score sheet (purpose ``self``, the applicant's, the application's year), kept in step
with the workflow: opening an application links the sheet (creating a draft when there is none); 申报 needs it
submitted (or locked); a 退回 to 自评 returns it with the same note so the applicant can revise it; 命名授牌
locks it, freezing its result. Each is done in the step's transaction, so a refusal saves neither."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.errors import Conflict, field_error
from citysafe.evaluation.models import Applicant, Sheet
from citysafe.evaluation.sheets import service as sheets
from citysafe.evaluation.sheets.schemas import Purpose, SheetCreate, SheetState
from citysafe.evaluation.workflow.models import Application

READY = (SheetState.SUBMITTED.value, SheetState.LOCKED.value)


def _own(session: Session, applicant: Applicant, sheet_id: int) -> Sheet:
    sheet = session.get(Sheet, sheet_id)
    if sheet is None or sheet.applicant_id != applicant.id or sheet.purpose != Purpose.SELF.value:
        raise field_error("sheet_id", "not a self-evaluation sheet of this applicant",
                          f"评分表 {sheet_id} 不是该参评对象的自评表")
    return sheet


def find(session: Session, *, applicant: Applicant, year: int) -> Sheet | None:
    return session.scalars(select(Sheet).where(Sheet.applicant_id == applicant.id, Sheet.year == year,
                                               Sheet.purpose == Purpose.SELF.value)).first()


def linked(session: Session, application: Application) -> Sheet | None:
    """The application's sheet, if the reader sees it."""
    if application.sheet_id is None:
        return None
    return session.scalars(select(Sheet).where(Sheet.id == application.sheet_id)).first()


def application_of(session: Session, *, sheet_id: int) -> Application | None:
    """The latest application the sheet is the 自评 of (the sheet page links back to it)."""
    return session.scalars(select(Application).where(Application.sheet_id == sheet_id)
                           .order_by(Application.id.desc()).limit(1)).first()


def link_on_open(session: Session, *, applicant: Applicant, year: int, sheet_id: int | None, principal: Principal,
                 now: datetime) -> Sheet:
    """The sheet named, else the applicant's 自评 sheet of ``year``, else a new draft."""
    if sheet_id is not None:
        return _own(session, applicant, sheet_id)
    found = find(session, applicant=applicant, year=year)
    if found is not None:
        return found
    return sheets.create(session, data=SheetCreate(purpose=Purpose.SELF, year=year, applicant_id=applicant.id),
                         principal=principal, now=now)


def require_for_apply(session: Session, *, application: Application, applicant: Applicant,
                      sheet_id: int | None) -> Sheet:
    """申报 needs the year's 自评 sheet submitted; the 409 says what is missing and what to do."""
    if sheet_id is not None:
        sheet: Sheet | None = _own(session, applicant, sheet_id)
    elif application.sheet_id is not None:
        sheet = session.get(Sheet, application.sheet_id)
    else:
        sheet = find(session, applicant=applicant, year=application.year)
    if sheet is None:
        raise Conflict(detail=f"no self-evaluation sheet of {application.year}",
                       detail_zh=f"{applicant.name}尚无{application.year}年度自评评分表，请先填报并提交自评表后再申报")
    if sheet.state not in READY:
        what = "已被退回，修改后须重新提交" if sheet.state == SheetState.RETURNED.value else "尚未提交"
        raise Conflict(detail=f"the self-evaluation sheet is {sheet.state}",
                       detail_zh=f"{applicant.name}{sheet.year}年度自评评分表{what}，提交自评表后方可申报")
    application.sheet_id = sheet.id
    return sheet


def on_return(session: Session, *, application: Application, note: str, principal: Principal,
              now: datetime) -> None:
    """退回 to 自评: the submitted sheet goes back too, with the note, and may be edited again."""
    sheet = session.get(Sheet, application.sheet_id) if application.sheet_id else None
    if sheet is not None and sheet.state == SheetState.SUBMITTED.value:
        sheets.return_sheet(session, sheet=sheet, note=note, principal=principal, now=now)


def on_name(session: Session, *, application: Application, principal: Principal, now: datetime) -> None:
    """命名授牌: the sheet is locked, its result kept as it stands."""
    sheet = session.get(Sheet, application.sheet_id) if application.sheet_id else None
    if sheet is not None and sheet.state == SheetState.SUBMITTED.value:
        sheets.lock(session, sheet=sheet, principal=principal, now=now)
