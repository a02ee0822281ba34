"""The public pages of citizen reports (随手拍/有奖举报, issue #15 point 1), no login, phone first: the report
form (photos, the place picked on a map, category, description; a phone with its SMS code and a real name are
optional), the receipt, the tracking page (each step, no one's name, the place displaced) and the reporter's
deletion request. The same counter as the API (public/reports/desk.py): limits, refusals counted."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from citysafe.auth.deps import Context, client_address, commits_on_its_own
from citysafe.core.clock import format_local
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.errors import CitysafeError, field_error
from citysafe.core.uploads import read_capped
from citysafe.hazards.enums import CATEGORY_NAMES_ZH
from citysafe.public.reports import desk, receipts, rules
from citysafe.public.reports import service as reports_service
from citysafe.public.reports.schemas import PUBLIC_PATH, STATE_NAMES_ZH, State
from citysafe.public.rewards import tracking as reward_tracking
from citysafe.regions import service as regions_service
from citysafe.web.common import render
from citysafe.web.forms import back, flash, posted
from citysafe.web.i18n import N_, translator
from citysafe.web.messages import first_field, form_message

router = APIRouter(include_in_schema=False)
PAGE = "/public/reports"
TRACK = "/public/reports/track"
FIELDS = ("category", "description", "address", "lon", "lat", "name", "phone", "code", "id_number")
LABELS = {"category": N_("举报类别"), "description": N_("情况描述"), "photos": N_("现场照片"),
          "location": N_("举报地点"), "location.lon": N_("举报地点"), "location.lat": N_("举报地点"),
          "phone": N_("手机号"), "code": N_("验证码"),
          "name": N_("姓名"), "id_number": N_("身份证号"), "receipt": N_("回执编号"), "address": N_("地址说明")}
MAX_PHOTO_BYTES = 20 * 1024 * 1024


def _figures(ctx: AppContext) -> dict[str, int]:
    return rules.current(ctx)  # the figures the report it sends will be held to (kept a few seconds)


def _form(request: Request, ctx: AppContext, *, values: dict[str, str], error: str = "",
          field: str = "") -> HTMLResponse:
    figures = _figures(ctx)
    sms = "sms" in ctx.outbound.channels
    response = render(request, "reports/public_new.html", None, categories=CATEGORY_NAMES_ZH, values=values,
                      error=error, field=field, figures=figures, sms=sms)
    if error:
        response.status_code = 422
    return response


@router.get(PAGE, response_class=HTMLResponse)
def new_report(request: Request, ctx: Context) -> Response:
    """随手拍: the form, on a phone first."""
    return _form(request, ctx, values=dict.fromkeys(FIELDS, ""))


@router.post(PAGE)
@commits_on_its_own
async def submit(request: Request, ctx: Context) -> Response:
    form = await request.form()
    values = posted(form, FIELDS)
    images = [read_capped(f.file, max_bytes=MAX_PHOTO_BYTES, field="photos")
              for f in form.getlist("photos") if isinstance(f, UploadFile) and f.filename][:10]
    fields: dict[str, object] = {k: values[k] for k in FIELDS if k not in ("lon", "lat")}
    try:
        fields["location"] = {"lon": float(values["lon"]), "lat": float(values["lat"]), "crs": "wgs84"}
    except ValueError:
        fields["location"] = None
    t = translator(request)
    try:
        if fields["location"] is None:
            raise field_error("location", "pick the place on the map", "请在地图上点选举报地点")
        receipt = desk.receive(ctx, fields=fields, images=images, client=client_address(request))
    except CitysafeError as exc:
        values["code"] = ""
        return _form(request, ctx, values=values, error=form_message(exc, LABELS, t), field=first_field(exc))
    return RedirectResponse(f"{TRACK}/{receipt}?new=1", status_code=303)


@router.get(PAGE + "/province.geojson")
def province_outline(ctx: Context) -> Response:
    """The province's outline for the map (public: no division below it is drawn)."""
    with unit_of_work(ctx.read_session_factory) as session:
        feature = regions_service.boundary_feature(session, code=ctx.settings.root_region)
    return Response(json.dumps(feature, ensure_ascii=False), media_type="application/geo+json",
                    headers={"Cache-Control": "public, max-age=86400"})


@router.get(TRACK, response_class=HTMLResponse)
def lookup(request: Request, ctx: Context, receipt: str = "") -> Response:
    """Find a report by its receipt (a forged number is refused and counted)."""
    if not receipt:
        return render(request, "reports/public_lookup.html", None, receipt="", **flash(request))
    try:
        value = receipts.normalised(receipt[:40])
        desk.track(ctx, receipt=value, client=client_address(request))
    except CitysafeError as exc:
        page = render(request, "reports/public_lookup.html", None, receipt=receipt[:40],
                      error=form_message(exc, LABELS, translator(request)))
        page.status_code = exc.status
        return page
    return RedirectResponse(f"{TRACK}/{value}", status_code=303)


@router.get(TRACK + "/{receipt}", response_class=HTMLResponse)
def tracking(request: Request, ctx: Context, receipt: str) -> Response:
    """Each step of the report and when, with the notes written for the reporter, then its reward (decided,
    notified with the claim deadline, paid); no staff or reporter names; the place displaced within the stated
    radius."""
    try:
        view = desk.track(ctx, receipt=receipt[:40], client=client_address(request))
    except CitysafeError as exc:
        page = render(request, "reports/public_lookup.html", None, receipt=receipt[:40],
                      error=form_message(exc, LABELS, translator(request)))
        page.status_code = exc.status
        return page
    reached = {s.stage for s in view.steps}
    path = [(stage, STATE_NAMES_ZH[stage], next((s for s in view.steps if s.stage == stage), None))
            for stage in PUBLIC_PATH]
    extra = [s for s in view.steps if s.stage not in PUBLIC_PATH]
    with unit_of_work(ctx.read_session_factory, actor=desk.ACTOR) as session:
        report_id = reports_service.by_receipt(session, receipt=view.receipt).id
        reward = reward_tracking.progress(session, report_id=report_id)
    return render(request, "reports/public_track.html", None, local=format_local, view=view, path=path,
                  extra=extra, reached=reached, reward=reward,
                  shown=receipts.display(view.receipt), new=request.query_params.get("new") == "1",
                  category_name=CATEGORY_NAMES_ZH.get(view.category, view.category),
                  ended=view.state in (State.REJECTED, State.DISMISSED, State.INCIDENT),
                  sms="sms" in ctx.outbound.channels, **flash(request))


@router.post(TRACK + "/{receipt}/erase")
@commits_on_its_own
async def erase(request: Request, ctx: Context, receipt: str) -> Response:
    """The reporter's deletion request: the phone given with the report and the code sent to it."""
    form = posted(await request.form(), ("phone", "code"))
    t = translator(request)
    here = f"{TRACK}/{receipt[:40]}"
    try:
        desk.erase(ctx, receipt=receipt[:40], phone=form["phone"], code=form["code"], client=client_address(request))
    except CitysafeError as exc:
        return back(here, error=form_message(exc, LABELS, t))
    return back(here, ok=t.gettext("您留下的个人信息已删除，举报本身继续办理"))
