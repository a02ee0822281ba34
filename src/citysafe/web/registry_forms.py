"""What the registry's console forms share: their Chinese field labels, a refused form's state (what was
typed, the message, the field to mark), and the networked units a select offers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from pydantic import ValidationError
from sqlalchemy.orm import Session

from citysafe.core.errors import CitysafeError
from citysafe.core.pagination import PageParams
from citysafe.firewatch.registry import service as rs
from citysafe.firewatch.registry.models import FireUnit
from citysafe.web.messages import first_field, form_message

LABELS: Mapping[str, str] = MappingProxyType({
    "organization_id": "所属单位", "organization": "所属单位", "contact_name": "值班联系人",
    "contact_phone": "值班电话", "offline_minutes": "离线判定时长", "name": "建筑名称", "floors_above": "地上层数",
    "floors_below": "地下层数", "address": "传输装置地址", "unit_id": "联网单位", "vendor": "厂商", "model": "型号",
    "description": "描述", "system_type": "系统类型", "system_address": "系统地址", "system_name": "系统名称",
    "component_type": "部件类型", "loop": "回路号", "point": "点位号", "component_address": "部件地址",
    "building_id": "所在建筑", "floor": "楼层", "zone": "具体位置", "device_id": "设备编号", "kind": "设备类型",
    "device_address": "设备", "starts_at": "开始时间", "ends_at": "结束时间", "reason": "原因", "file": "文件",
    "target": "屏蔽对象", "key": "设备地址或编号",
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


def refused(form: str, values: Mapping[str, str], error: CitysafeError | ValidationError) -> Refused:
    field = first_field(error).split(".")[-1] if first_field(error) else ""
    return Refused(form=form, values=values, message=form_message(error, LABELS), field=field)


def unit_choices(session: Session) -> list[FireUnit]:
    return rs.list_units(session, q=None, region=None, params=PageParams(size=UNIT_CHOICES))[0]
