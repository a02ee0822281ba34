"""Console page of the think tank (安全智库, issue #15 point 4): the one expert registry, filtered by field, district
and availability today, with a form to add an expert and, per expert, a form to mark a busy spell
(执行任务中/暂不可用 from … to …) or free them again. Emergency's 专家库 page shows the same rows (its pool)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from citysafe.auth import service as auth_service
from citysafe.auth.deps import DbSession, app_context
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId
from citysafe.core.clock import to_local
from citysafe.core.pagination import PageParams
from citysafe.knowledge.thinktank import service
from citysafe.knowledge.thinktank.schemas import AVAILABILITY_ZH, EXPERT_FIELDS_ZH, AvailabilityIn, ExpertCreate
from citysafe.regions import service as regions_service
from citysafe.regions.models import Region
from citysafe.web.common import page_principal, render
from citysafe.web.forms import flash, posted, run_action
from citysafe.web.i18n import N_, translator

router = APIRouter(include_in_schema=False)
PAGE = "/thinktank/experts"
FIELDS = ("name", "field", "region_code", "title", "employer", "phone", "email", "specialities", "emergency_pool")
LABELS = {"name": N_("姓名"), "field": N_("专业领域"), "region_code": N_("所在区划"), "title": N_("职称"),
          "employer": N_("工作单位"), "phone": N_("联系电话"), "email": N_("电子邮箱"), "specialities": N_("专长"),
          "availability": N_("状态"), "busy_from": N_("起始日期"), "busy_until": N_("结束日期"), "note": N_("说明")}
PAGE_SIZE = 50


def _principal(request: Request, db: DbSession, permission: str = Permission.READ_ORGANIZATIONS) -> Principal:
    principal = page_principal(request, db)
    auth_service.require(principal, permission)
    return principal


def _today(request: Request) -> date:
    return to_local(app_context(request).clock.now()).date()


def _regions(db: DbSession, principal: Principal) -> list[Region]:
    own = regions_service.get(db, code=principal.region_code)
    return [own, *regions_service.children(db, code=own.code)]


@router.get(PAGE, response_class=HTMLResponse)
def experts_page(request: Request, db: DbSession) -> Response:
    principal = _principal(request, db)
    q = request.query_params
    regions = _regions(db, principal)
    chosen = {"field": q.get("field", "") if q.get("field", "") in EXPERT_FIELDS_ZH else "",
              "region": q.get("region", "") if q.get("region", "") in {r.code for r in regions} else "",
              "available": q.get("available", "") if q.get("available", "") in AVAILABILITY_ZH else "",
              "q": q.get("q", "")[:50]}
    page_no = q.get("page", "1")
    params = PageParams.clamped(int(page_no) if page_no.isdigit() else 1, PAGE_SIZE)
    rows, total = service.list_experts(db, params=params, today=_today(request), field=chosen["field"] or None,
                                       region=chosen["region"] or None, available=chosen["available"] or None,
                                       q=chosen["q"] or None)
    query = "&".join(f"{k}={v}" for k, v in chosen.items() if v)
    return render(request, "thinktank/experts.html", principal, tab="experts", experts=rows, total=total,
                  params=params, pages=params.pages(total), fields=EXPERT_FIELDS_ZH, availability=AVAILABILITY_ZH,
                  counts=service.expert_counts(db, region=chosen["region"] or None), regions=regions, f=chosen,
                  query=query, today=_today(request), can_write=principal.can(Permission.WRITE_ORGANIZATIONS),
                  own_region=principal.region_code, **flash(request))


@router.post(f"{PAGE}/new", response_model=None)
async def add_expert(request: Request, db: DbSession) -> Response:
    _principal(request, db, Permission.WRITE_ORGANIZATIONS)
    values = posted(await request.form(), FIELDS)
    t = translator(request)

    def action() -> str:
        specialities = [s.strip() for s in values["specialities"].replace("，", ",").replace("、", ",").split(",")
                        if s.strip()]
        data = ExpertCreate.model_validate({**values, "specialities": specialities,
                                            "emergency_pool": values["emergency_pool"] == "on"})
        now = app_context(request).clock.now()
        made = service.create_expert(db, data=data, now=now, today=to_local(now).date())
        return t.gettext("专家已入库：%(name)s", name=made.name)

    return run_action(db, PAGE, action, labels=LABELS, t=t)


@router.post(PAGE + "/{expert_id}/availability", response_model=None)
async def availability(expert_id: RowId, request: Request, db: DbSession) -> Response:
    _principal(request, db, Permission.WRITE_ORGANIZATIONS)
    values = posted(await request.form(), ("availability", "busy_from", "busy_until", "note"))
    t = translator(request)

    def action() -> str:
        data = AvailabilityIn.model_validate({**values, "busy_from": values["busy_from"] or None,
                                              "busy_until": values["busy_until"] or None})
        now = app_context(request).clock.now()
        made = service.set_availability(db, expert_id=expert_id, data=data, now=now, today=to_local(now).date())
        return t.gettext("已更新%(name)s的状态：%(state)s", name=made.name,
                         state=t.gettext(AVAILABILITY_ZH[made.availability]))

    return run_action(db, PAGE, action, labels=LABELS, t=t)
