"""What a console form says when its input is refused: in Chinese, naming each field as the form labels it.

The API names fields by their paths in the request (``location.lon``, ``items.2.result``); a reader of a form
knows them as 经度 and 检查结果. Every console page turns a refusal into a message here, with the labels below
(shared by all forms, a page may add or override its own), so no pydantic path or English message reaches a
Chinese page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from pydantic import ValidationError

from citysafe.core.errors import CitysafeError, FieldProblem
from citysafe.core.problems import validation_problem

# Keyed by the field's path without list positions ('items.result'), else by its last part ('lon').
FIELD_LABELS: Final[Mapping[str, str]] = MappingProxyType({
    # places and locations
    "location": "位置", "lon": "经度", "lat": "纬度", "address": "地址", "place_name": "场所名称",
    "region_code": "所在区划", "region": "区划", "within": "区划",
    # hazard tickets, reports and inspections
    "photos": "现场照片", "file": "文件", "description": "隐患描述", "category": "隐患类别",
    "attachment_ids": "照片或材料", "note": "说明", "deadline": "整改期限", "plan": "整改方案",
    "plan.measures": "整改措施", "plan.funds": "整改资金", "plan.responsible": "责任人",
    "plan.deadline": "完成时限", "plan.safeguards": "防范措施", "organization_id": "责任单位",
    "responsible_name": "责任人/单位名称", "level": "等级", "items": "检查结果", "items.result": "检查结果",
    "items.note": "检查说明", "action": "操作",
    # accounts
    "username": "用户名", "password": "密码", "new_password": "新密码", "current_password": "当前密码",
    "role": "角色", "display_name": "姓名", "phone": "电话",
    # risk sources, assessments, white papers
    "name": "名称", "kind": "类型", "method": "评估方法", "params": "评估参数", "year": "年度",
    "crs": "坐标系", "q": "关键词", "page": "页码",
})
_CJK = re.compile(r"[\u4e00-\u9fff]")
_POSITION = re.compile(r"\.\d+(?=\.|$)")


def field_label(path: str, labels: Mapping[str, str] = FIELD_LABELS) -> str:
    """'location.lon' → 经度; 'items.2.result' → 检查结果（第 3 项）; an unknown field → 输入内容."""
    plain = _POSITION.sub("", path)
    label = labels.get(plain) or labels.get(plain.rsplit(".", 1)[-1]) or labels.get(plain.split(".", 1)[0])
    position = re.search(r"\.(\d+)(?=\.|$)", path)
    return f"{label or '输入内容'}（第 {int(position.group(1)) + 1} 项）" if position else label or "输入内容"


def _field_message(problem: FieldProblem, labels: Mapping[str, str]) -> str:
    # A message pydantic has no Chinese for would come through in English: the field's name says enough then.
    said = problem.message_zh if problem.message_zh and _CJK.search(problem.message_zh) else "填写不正确"
    return f"{field_label(problem.field, labels)}：{said}"


def form_message(error: CitysafeError | ValidationError, extra_labels: Mapping[str, str] | None = None) -> str:
    """The Chinese message a form shows for ``error``: each refused field by its label, or the error's own."""
    labels = {**FIELD_LABELS, **(extra_labels or {})}
    problem = validation_problem([dict(e) for e in error.errors()]) if isinstance(error, ValidationError) else error
    if problem.fields:
        return "；".join(_field_message(f, labels) for f in problem.fields[:5])
    return problem.detail_zh or problem.title_zh or "操作未能完成"


def first_field(error: CitysafeError | ValidationError) -> str:
    """The path of the first refused field ('' if none), so a form can mark it."""
    problem = validation_problem([dict(e) for e in error.errors()]) if isinstance(error, ValidationError) else error
    return problem.fields[0].field if problem.fields else ""
