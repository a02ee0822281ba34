"""paginate's total: counted only when the page cannot tell it (a short page tells it; a full or empty one
past the start cannot), and the same either way."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, Table, create_engine, event, insert, select
from sqlalchemy.orm import Session

from citysafe.core.pagination import PageParams, paginate

_ROWS = Table("rows", MetaData(), Column("id", Integer, primary_key=True))


def test_the_total_is_right_on_every_page_and_counted_only_when_needed() -> None:
    engine = create_engine("sqlite://")
    _ROWS.metadata.create_all(engine)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(str(args[2])))
    with Session(engine) as session:
        session.execute(insert(_ROWS), [{"id": n} for n in range(1, 8)])  # seven rows
        stmt = select(_ROWS.c.id).order_by(_ROWS.c.id)
        for page, size, rows, counted in [
            (1, 10, [1, 2, 3, 4, 5, 6, 7], False),  # all on a short first page: it tells the total
            (1, 3, [1, 2, 3], True),  # a full page: more may follow
            (3, 3, [7], False),  # a short page past the start: offset + its rows
            (2, 7, [], True),  # past the end: nothing to tell by
            (3, 2, [5, 6], True),
        ]:
            statements.clear()
            found, total = paginate(session, stmt, PageParams(page=page, size=size))
            assert (found, total) == (rows, 7), (page, size)
            assert any("count(" in s for s in statements) is counted, (page, size)
    with Session(engine) as session:  # an empty list: page 1 tells it has none
        session.execute(_ROWS.delete())
        statements.clear()
        assert paginate(session, select(_ROWS.c.id), PageParams()) == ([], 0)
        assert not any("count(" in s for s in statements)
