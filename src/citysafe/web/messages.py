"""What a console form says when its input is refused: in the reader's language, naming each field as the form
labels it.

The API names fields by their paths in the request (``location.lon``, ``items.2.result``); a reader of a form
knows them as 经度 and 检查结果. Every console page turns a refusal into a message here, with the labels below
(shared by all forms, a page may add or override its own), so no pydantic path or English message reaches a
page. The labels are Chinese msgids; ``form_message`` is handed the request's ``Translator`` and says it all in
the request's language (an English page gets the error's English, the labels from the catalogue).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from pydantic import ValidationError

from citysafe.core.errors import CitysafeError, FieldProblem
from citysafe.core.problems import validation_problem
from citysafe.web.i18n import DEFAULT_LANGUAGE, N_, Translator

# Keyed by the field's path without list positions ('items.result'), else by its last part ('lon').
FIELD_LABELS: Final[Mapping[str, str]] = MappingProxyType({
    # places and locations
    "location": N_("位置"), "lon": N_("经度"), "lat": N_("纬度"), "address": N_("地址"), "place_name": N_("场所名称"),
    "region_code": N_("所在区划"), "region": N_("区划"), "within": N_("区划"),
    # hazard tickets, reports and inspections
    "photos": N_("现场照片"), "file": N_("文件"), "description": N_("隐患描述"), "category": N_("隐患类别"),
    "attachment_ids": N_("照片或材料"), "note": N_("说明"), "deadline": N_("整改期限"), "plan": N_("整改方案"),
    "plan.measures": N_("整改措施"), "plan.funds": N_("整改资金"), "plan.responsible": N_("责任人"),
    "plan.deadline": N_("完成时限"), "plan.safeguards": N_("防范措施"), "organization_id": N_("责任单位"),
    "responsible_name": N_("责任人/单位名称"), "level": N_("等级"), "items": N_("检查结果"),
    "items.result": N_("检查结果"),
    "items.note": N_("检查说明"), "action": N_("操作"),
    # accounts
    "username": N_("用户名"), "password": N_("密码"), "new_password": N_("新密码"), "current_password": N_("当前密码"),
    "role": N_("角色"), "display_name": N_("姓名"), "phone": N_("电话"),
    # risk sources, assessments, white papers
    "name": N_("名称"), "kind": N_("类型"), "method": N_("评估方法"), "params": N_("评估参数"), "year": N_("年度"),
    "crs": N_("坐标系"), "q": N_("关键词"), "page": N_("页码"),
})
_CJK = re.compile(r"[\u4e00-\u9fff]")
_POSITION = re.compile(r"\.\d+(?=\.|$)")


_SOURCE = Translator(DEFAULT_LANGUAGE)


def field_label(path: str, labels: Mapping[str, str] = FIELD_LABELS, t: Translator = _SOURCE) -> str:
    """'location.lon' → 经度; 'items.2.result' → 检查结果（第 3 项）; an unknown field → 输入内容."""
    plain = _POSITION.sub("", path)
    label = labels.get(plain) or labels.get(plain.rsplit(".", 1)[-1]) or labels.get(plain.split(".", 1)[0])
    said = t.name(label) if label else t.gettext("输入内容")
    position = re.search(r"\.(\d+)(?=\.|$)", path)
    return t.gettext("%(label)s（第 %(n)s 项）", label=said, n=int(position.group(1)) + 1) if position else said


def _field_message(problem: FieldProblem, labels: Mapping[str, str], t: Translator) -> str:
    # A message pydantic has no Chinese for would come through in English: the field's name says enough then.
    zh = problem.message_zh if problem.message_zh and _CJK.search(problem.message_zh) else ""
    if t.is_source:
        said = zh or t.gettext("填写不正确")
    else:  # the catalogue's English for the Chinese message, else the error's own English
        said = t.name(zh) if zh and t.name(zh) != zh else problem.message or t.gettext("填写不正确")
    return t.gettext("%(field)s：%(message)s", field=field_label(problem.field, labels, t), message=said)


def error_detail(error: CitysafeError, t: Translator = _SOURCE) -> str:
    """The error's own message in the reader's language (a domain error carries both)."""
    if t.is_source:
        return error.detail_zh or error.title_zh or error.detail
    # The catalogue's English for a fixed Chinese message reads better than the API's terse English.
    if error.detail_zh and t.name(error.detail_zh) != error.detail_zh:
        return t.name(error.detail_zh)
    if error.status == 403:  # the API's English names roles and permissions by their codes
        return t.gettext("当前角色无权进行这项操作。")
    said = error.detail or error.title
    return said[:1].upper() + said[1:]


def form_message(error: CitysafeError | ValidationError, extra_labels: Mapping[str, str] | None = None,
                 t: Translator = _SOURCE) -> str:
    """The message a form shows for ``error``: each refused field by its label, or the error's own."""
    labels = {**FIELD_LABELS, **(extra_labels or {})}
    problem = validation_problem([dict(e) for e in error.errors()]) if isinstance(error, ValidationError) else error
    if problem.fields:
        return t.gettext("；").join(_field_message(f, labels, t) for f in problem.fields[:5])
    return error_detail(problem, t) or t.gettext("操作未能完成")


def first_field(error: CitysafeError | ValidationError) -> str:
    """The path of the first refused field ('' if none), so a form can mark it."""
    problem = validation_problem([dict(e) for e in error.errors()]) if isinstance(error, ValidationError) else error
    return problem.fields[0].field if problem.fields else ""
