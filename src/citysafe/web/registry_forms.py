"""What the registry's console forms share: their Chinese field labels, a refused form's state (what was
typed, the message, the field to mark), and the networked units a select offers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from fastapi import Request
from pydantic import ValidationError
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.errors import CitysafeError
from citysafe.core.pagination import PageParams
from citysafe.firewatch.registry import claims
from citysafe.firewatch.registry import service as rs
from citysafe.firewatch.registry.models import FireUnit
from citysafe.web.i18n import N_, Translator
from citysafe.web.messages import first_field, form_message

LABELS: Mapping[str, str] = MappingProxyType({
    "organization_id": N_("所属单位"), "organization": N_("所属单位"), "contact_name": N_("值班联系人"),
    "contact_phone": N_("值班电话"), "offline_minutes": N_("离线判定时长"), "name": N_("建筑名称"),
    "floors_above": N_("地上层数"),
    "floors_below": N_("地下层数"), "address": N_("传输装置地址"), "unit_id": N_("联网单位"), "vendor": N_("厂商"),
    "model": N_("型号"),
    "description": N_("描述"), "system_type": N_("系统类型"), "system_address": N_("系统地址"),
    "system_name": N_("系统名称"),
    "component_type": N_("部件类型"), "loop": N_("回路号"), "point": N_("点位号"), "component_address": N_("部件地址"),
    "building_id": N_("所在建筑"), "floor": N_("楼层"), "zone": N_("具体位置"), "device_id": N_("设备编号"),
    "kind": N_("设备类型"),
    "device_address": N_("设备"), "starts_at": N_("开始时间"), "ends_at": N_("结束时间"), "reason": N_("原因"),
    "file": N_("文件"),
    "target": N_("屏蔽对象"), "key": N_("设备地址或编号"),
})
# A select of units offers this many; a larger scope types the unit's id in the API instead.
UNIT_CHOICES = 500


@dataclass(frozen=True)
class Refused:
    """A form the service refused: which form on the page, what was typed, the message and its field."""

    form: str
    values: Mapping[str, str]
    message: str
    field: str


def refused(form: str, values: Mapping[str, str], error: CitysafeError | ValidationError, t: Translator) -> Refused:
    field = first_field(error).split(".")[-1] if first_field(error) else ""
    return Refused(form=form, values=values, message=form_message(error, LABELS, t), field=field)


def unit_choices(session: Session) -> list[FireUnit]:
    return rs.list_units(session, q=None, region=None, params=PageParams(size=UNIT_CHOICES))[0]



def list_page(request: Request, size: int = 20) -> PageParams:
    """The page of a list its ``?page=`` asks for (typed by hand: anything odd shows the first)."""
    page = request.query_params.get("page", "1")
    return PageParams.clamped(int(page) if page.isdigit() else 1, size)



def bind_or_claim(session: Session, principal: Principal, *, kind: str, key: str, unit_id: int) -> int | None:
    """As the API's bind: at once when the device lies in the caller's scope (the number of its past alarms
    now attached to the unit), else a claim an office above decides (None)."""
    if not claims.bind_now(session, kind=kind, key=key):
        claims.request(session, kind=kind, key=key, unit_id=unit_id, principal=principal)
        return None
    if kind == claims.UITD:
        return rs.bind_uitd(session, address=int(key), unit_id=unit_id)[1]
    return rs.bind_iot_device(session, device_id=key, unit_id=unit_id)[1]
