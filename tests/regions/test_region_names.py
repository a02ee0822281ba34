"""The cached division names pages and documents use (regions/names.py): names by code, outside the reader's
scope, and a division added after the first read is named too."""

from __future__ import annotations

from sqlalchemy import event

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.regions import service
from citysafe.regions.names import REGION_NAMES


def test_names_by_code_read_a_county_at_a_time(ctx: AppContext) -> None:
    reads: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if "FROM region" in statement:
            reads.append(statement)

    event.listen(ctx.engine, "before_cursor_execute", count)
    try:
        names = REGION_NAMES.get(ctx)
        assert names.name("320102") == "玄武区" and names.name("320100") == "南京市"
        street = names.name("320102002")
        assert street and names.full_name("320102002") == f"玄武区 {street}"
        assert names.name("320102003") and names.name("320102002001")
        assert names.name("320102") == "玄武区" and names.name("999999") is None
    finally:
        event.remove(ctx.engine, "before_cursor_execute", count)
    assert len(reads) == 2  # the province, city and county names in one read, then 320102's divisions


def test_a_division_added_later_is_named(ctx: AppContext) -> None:
    names = REGION_NAMES.get(ctx)
    assert names.name("320102002001") is not None
    assert names.name("320102002001901") is None
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        service.add_division(session, code="320102002001901", name="大行宫第九网格", level="grid",
                             parent_code="320102002001")
    assert names.name("320102002001901") == "大行宫第九网格"


def test_two_applications_keep_their_own_names(ctx: AppContext) -> None:
    other = AppContext(settings=ctx.settings, engine=ctx.engine, signer=ctx.signer)
    assert REGION_NAMES.get(ctx) is not REGION_NAMES.get(other)
