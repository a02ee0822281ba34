"""A refused console form names its fields as the form does, in Chinese (web/messages.py)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, ValidationError

from citysafe.core.errors import NotFound, field_error
from citysafe.core.geo import Location
from citysafe.web.messages import field_label, form_message


class _Report(BaseModel):
    description: str = Field(min_length=1)
    location: Location | None = None
    items: list[int] = Field(default_factory=list)


def _refusal(**body: object) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        _Report.model_validate(body)
    return caught.value


def test_fields_are_named_as_the_form_names_them() -> None:
    message = form_message(_refusal(description="x", location={"lon": 518.8, "lat": 32}))
    assert message == "经度：数值过大"
    assert form_message(_refusal(description="")) == "隐患描述：长度不足"
    assert form_message(_refusal(description="x", items=["a"])) == "检查结果（第 1 项）：应为整数"


def test_no_english_reaches_the_page() -> None:
    # pydantic's own words for a type it has no Chinese for, and an unknown field, still read as Chinese.
    message = form_message(_refusal(description="x", location="here"))
    assert message.startswith("位置：") and not any("a" <= c.lower() <= "z" for c in message), message
    assert field_label("frobnicate") == "输入内容"
    assert form_message(field_error("lon", "too large", "超出范围")) == "经度：超出范围"
    assert form_message(field_error("lon", "too large")) == "经度：填写不正确"


def test_a_page_may_name_a_field_its_own_way_and_other_errors_keep_their_words() -> None:
    assert form_message(_refusal(description=""), {"description": "问题描述"}) == "问题描述：长度不足"
    assert form_message(NotFound(detail="ticket 9 not found", detail_zh="未找到隐患 9")) == "未找到隐患 9"
