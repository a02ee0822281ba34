"""get_or_404 and the page helpers: one 404 wording for every load by id, one page shape for every list."""

from __future__ import annotations

from typing import Any

import pytest

from citysafe.core.db import get_or_404
from citysafe.core.errors import NotFound
from citysafe.core.pagination import PageParams, page_of, page_of_all


class _Row:
    def __init__(self, key: int, region_code: str) -> None:
        self.key, self.region_code = key, region_code


class _Session:
    """Answers ``get`` from a dict, as a scope-filtered session answers: absent rows are None."""

    def __init__(self, rows: dict[int, _Row]) -> None:
        self.rows = rows

    def get(self, model: type[Any], key: int) -> _Row | None:
        return self.rows.get(key)


def test_get_or_404_answers_the_row_or_one_bilingual_404() -> None:
    session: Any = _Session({1: _Row(1, "320102")})
    assert get_or_404(session, _Row, 1, what="place", what_zh="场所").key == 1
    with pytest.raises(NotFound) as missing:
        get_or_404(session, _Row, 2, what="place", what_zh="场所")
    assert missing.value.status == 404
    assert (missing.value.detail, missing.value.detail_zh) == ("place 2 not found", "未找到场所 2")
    with pytest.raises(NotFound):
        get_or_404(session, _Row, 1, what="place", what_zh="场所", visible=lambda r: r.region_code == "320104")


def test_pages_carry_the_params_and_read_each_row_or_the_whole_page() -> None:
    params = PageParams(page=2, size=2)
    page = page_of(([1, 2], 5), params, str)
    assert (page.items, page.total, page.page, page.size) == (["1", "2"], 5, 2, 2)
    assert page_of_all(([1, 2], 5), params, lambda rows: [sum(rows)]).items == [3]
    assert [params.pages(n) for n in (0, 1, 2, 3, 5)] == [1, 1, 1, 2, 3]
