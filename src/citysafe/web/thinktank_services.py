"""Console pages of government-purchased safety services (政府购买安全服务, issue #15 point 4): the guidance
catalogue (指导目录, its province editors add and retire items) beside the registered providers with their standing
and any expired qualification flagged; a provider's page holds its qualifications, contracts with their service
records, and evaluations, each with its form. Same services as the API; a refused form comes back in Chinese."""

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
from citysafe.knowledge.services import service
from citysafe.knowledge.services.schemas import (
    CRITERIA_ZH,
    WEIGHTS,
    ContractIn,
    EvaluationIn,
    ItemIn,
    ProviderIn,
    QualificationIn,
    RecordIn,
)
from citysafe.orgs import service as orgs_service
from citysafe.orgs.schemas import OrganizationFilter
from citysafe.regions import service as regions_service
from citysafe.web.common import page_principal, render
from citysafe.web.forms import flash, posted, run_action
from citysafe.web.i18n import N_, translator

router = APIRouter(include_in_schema=False)
PAGE = "/thinktank/services"
LABELS = {"organization_id": N_("单位"), "region_code": N_("所在区划"),
          "item_codes": N_("服务事项"), "contact_name": N_("联系人"),
          "contact_phone": N_("联系电话"), "name": N_("名称"), "number": N_("编号"),
          "issuer": N_("发证机关"), "issued_on": N_("发证日期"),
          "expires_on": N_("有效期至"), "item_id": N_("目录事项"), "title": N_("项目名称"),
          "buyer": N_("购买单位"), "amount": N_("合同金额"), "starts_on": N_("服务期起"),
          "ends_on": N_("服务期止"), "done_on": N_("服务日期"), "summary": N_("服务内容"),
          "result": N_("成果"), "contract_id": N_("合同"),
          "evaluated_on": N_("评价日期"), "evaluator": N_("评价单位"),
          "scores": N_("评分"), "comment": N_("评价意见"), "edition": N_("目录版本"),
          "code": N_("事项编码"), "category": N_("类别"), "basis": N_("依据"),
          "description": N_("说明")}
STANDING_BADGE = {"excellent": "good", "good": "good", "pass": "warn", "fail": "bad", "none": "mute"}


def _principal(request: Request, db: DbSession, permission: str = Permission.READ_ORGANIZATIONS) -> Principal:
    principal = page_principal(request, db)
    auth_service.require(principal, permission)
    return principal


def _today(request: Request) -> date:
    return to_local(app_context(request).clock.now()).date()


@router.get(PAGE, response_class=HTMLResponse)
def services_page(request: Request, db: DbSession) -> Response:
    principal = _principal(request, db)
    items = service.list_items(db)
    own = regions_service.get(db, code=principal.region_code)
    orgs = orgs_service.list_organizations(db, filters=OrganizationFilter(), params=PageParams(size=500))[0]
    providers = service.list_providers(db, today=_today(request))
    taken = {p.organization_id for p in providers}
    categories: dict[str, list[object]] = {}
    for item in items:
        categories.setdefault(item.category, []).append(item)
    return render(request, "thinktank/services.html", principal, tab="services", categories=categories,
                  items={i.code: i.name for i in items}, providers=providers, badge=STANDING_BADGE,
                  orgs=sorted((o for o in orgs if o.id not in taken), key=lambda o: o.name),
                  regions=[own, *regions_service.children(db, code=own.code)], own_region=principal.region_code,
                  edition=items[0].edition if items else "", can_write=principal.can(Permission.WRITE_ORGANIZATIONS),
                  can_edit=principal.can(Permission.MANAGE_CRITERIA), **flash(request))


@router.post(f"{PAGE}/catalogue", response_model=None)
async def add_item(request: Request, db: DbSession) -> Response:
    _principal(request, db, Permission.MANAGE_CRITERIA)
    values = posted(await request.form(), ("edition", "code", "category", "name", "basis", "description"))
    t = translator(request)

    def action() -> str:
        item = service.save_item(db, data=ItemIn.model_validate(values), now=app_context(request).clock.now())
        return t.gettext("已加入指导目录：%(name)s", name=item.name)

    return run_action(db, PAGE, action, labels=LABELS, t=t)


@router.post(PAGE + "/catalogue/{item_id}/toggle", response_model=None)
async def toggle_item(item_id: RowId, request: Request, db: DbSession) -> Response:
    _principal(request, db, Permission.MANAGE_CRITERIA)
    t = translator(request)

    def action() -> str:
        item = next(i for i in service.list_items(db) if i.id == item_id)
        data = ItemIn.model_validate(item, from_attributes=True).model_copy(update={"active": not item.active})
        saved = service.save_item(db, data=data, now=app_context(request).clock.now(), item_id=item_id)
        return t.gettext("已启用：%(name)s", name=saved.name) if saved.active else \
            t.gettext("已停用：%(name)s", name=saved.name)

    return run_action(db, PAGE, action, labels=LABELS, t=t)


@router.post(f"{PAGE}/providers", response_model=None)
async def add_provider(request: Request, db: DbSession) -> Response:
    _principal(request, db, Permission.WRITE_ORGANIZATIONS)
    form = await request.form()
    values = posted(form, ("organization_id", "region_code", "contact_name", "contact_phone", "note"))
    t = translator(request)

    def action() -> str:
        data = ProviderIn.model_validate({**values, "organization_id": values["organization_id"] or None,
                                          "item_codes": [str(c) for c in form.getlist("item_codes")]})
        row = service.create_provider(db, data=data, now=app_context(request).clock.now())
        return t.gettext("服务机构已登记：%(name)s", name=orgs_service.get(db, org_id=row.organization_id).name)

    return run_action(db, PAGE, action, labels=LABELS, t=t)


@router.get(PAGE + "/providers/{provider_id}", response_class=HTMLResponse)
def provider_page(provider_id: RowId, request: Request, db: DbSession) -> Response:
    principal = _principal(request, db)
    today = _today(request)
    provider = service.get_provider(db, provider_id=provider_id, today=today)
    contracts = service.list_contracts(db, provider_id=provider_id)
    return render(request, "thinktank/provider.html", principal, tab="services", p=provider, today=today,
                  contracts=contracts, records={c.id: service.list_records(db, contract_id=c.id) for c in contracts},
                  evaluations=service.list_evaluations(db, provider_id=provider_id), criteria=CRITERIA_ZH,
                  weights=WEIGHTS, items=service.list_items(db, active_only=True),
                  item_names={i.code: i.name for i in service.list_items(db)}, badge=STANDING_BADGE,
                  can_write=principal.can(Permission.WRITE_ORGANIZATIONS), **flash(request))


@router.post(PAGE + "/providers/{provider_id}/qualifications", response_model=None)
async def add_qualification(provider_id: RowId, request: Request, db: DbSession) -> Response:
    _principal(request, db, Permission.WRITE_ORGANIZATIONS)
    values = posted(await request.form(), ("name", "number", "issuer", "issued_on", "expires_on"))
    t = translator(request)

    def action() -> str:
        data = QualificationIn.model_validate({**values, "issued_on": values["issued_on"] or None,
                                               "expires_on": values["expires_on"] or None})
        row = service.add_qualification(db, provider_id=provider_id, data=data, now=app_context(request).clock.now())
        return t.gettext("资质已登记：%(name)s", name=row.name)

    return run_action(db, f"{PAGE}/providers/{provider_id}", action, labels=LABELS, t=t)


@router.post(PAGE + "/providers/{provider_id}/contracts", response_model=None)
async def add_contract(provider_id: RowId, request: Request, db: DbSession) -> Response:
    _principal(request, db, Permission.WRITE_ORGANIZATIONS)
    values = posted(await request.form(), ("item_id", "number", "title", "buyer", "amount", "starts_on", "ends_on"))
    t = translator(request)

    def action() -> str:
        data = ContractIn.model_validate({**{k: v or None for k, v in values.items()}, "provider_id": provider_id})
        row = service.create_contract(db, data=data, now=app_context(request).clock.now())
        return t.gettext("合同已登记：%(title)s", title=row.title)

    return run_action(db, f"{PAGE}/providers/{provider_id}", action, labels=LABELS, t=t)


@router.post(PAGE + "/providers/{provider_id}/contracts/{contract_id}/records", response_model=None)
async def add_record(provider_id: RowId, contract_id: RowId, request: Request, db: DbSession) -> Response:
    _principal(request, db, Permission.WRITE_ORGANIZATIONS)
    values = posted(await request.form(), ("done_on", "summary", "result"))
    t = translator(request)

    def action() -> str:
        data = RecordIn.model_validate({**values, "done_on": values["done_on"] or None})
        service.add_record(db, contract_id=contract_id, data=data, now=app_context(request).clock.now())
        return t.gettext("服务记录已登记")

    return run_action(db, f"{PAGE}/providers/{provider_id}", action, labels=LABELS, t=t)


@router.post(PAGE + "/providers/{provider_id}/evaluations", response_model=None)
async def evaluate(provider_id: RowId, request: Request, db: DbSession) -> Response:
    _principal(request, db, Permission.WRITE_ORGANIZATIONS)
    values = posted(await request.form(), ("contract_id", "evaluated_on", "evaluator", "comment", *CRITERIA_ZH))
    t = translator(request)

    def action() -> str:
        scores = {k: values[k] for k in CRITERIA_ZH if values[k]}
        data = EvaluationIn.model_validate({"contract_id": values["contract_id"] or None, "scores": scores,
                                            "evaluated_on": values["evaluated_on"] or None,
                                            "evaluator": values["evaluator"], "comment": values["comment"]})
        row = service.evaluate(db, provider_id=provider_id, data=data, now=app_context(request).clock.now())
        return t.gettext("评价已保存，综合得分 %(total)s", total=row.total)

    return run_action(db, f"{PAGE}/providers/{provider_id}", action, labels=LABELS, t=t)
