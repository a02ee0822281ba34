"""An import's workbook parse must not hold the database's write lock (issue #10, finding 1 after the merge).

Every POST takes SQLite's write lock up front; the import views are POSTs, so the lock was held for the whole
parse in the worker process (up to its 60 s timeout) and the fire gateway's alarm writes, like every other
writer, waited behind it. Here a sheet reader that holds every parse until the test releases it stands in for
a slow workbook: while the parse is held, another unit of work writes and must finish. Before the fix it
waited on the lock until the parse ended (SQLite; PostgreSQL never blocked, and runs the same checks).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from tests.conftest import UserFactory

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.sheets.parse import Rows, read_sheets
from citysafe.core.sheets.reader import SHEET_READER, SheetReader
from citysafe.orgs.models import Organization

# Long enough for a loaded 2-core machine to finish one small insert; far shorter than SQLite's 30 s busy
# timeout, so a writer queued behind the import's lock is still waiting when it runs out.
WRITER_GRACE_SECONDS = 15


class HeldSheetReader(SheetReader):
    """Parses in this process (the worker's own function), but only after the test lets it."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx.settings)
        self.parsing, self.release = threading.Event(), threading.Event()

    def read(self, data: bytes, *, sheets: Sequence[str], first_if_missing: bool = False,
             field: str = "file") -> dict[str, Rows]:
        self.parsing.set()
        self.release.wait(timeout=120)
        return read_sheets(data, tuple(sheets), first_if_missing, self.limits)


def _xlsx(sheets: dict[str, list[list[Any]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


RISK_BOOK = {"风险源": [["名称", "风险类型", "经度", "纬度", "责任单位"],
                        ["玄武湖某加油站", "危险化学品企业", 118.795, 32.07, "某石化销售公司"]]}
REGISTRY_BOOK = {"联网单位": [["单位名称 *", "行政区划代码 *", "地址"], ["南京某联网单位", "320102", "某路 1 号"]]}


def _api_risk(client: TestClient, make_user: UserFactory) -> Callable[[], Any]:
    headers = make_user("city_office", "320100")
    return lambda: client.post("/api/v1/risk/imports", headers=headers,
                               files={"file": ("风险源.xlsx", _xlsx(RISK_BOOK))})


def _console_risk(client: TestClient, make_user: UserFactory) -> Callable[[], Any]:
    make_user("city_office", "320100", username="office-held-import")
    assert client.post("/login", data={"username": "office-held-import", "password": "correct-horse"}).status_code \
        in (200, 303)
    return lambda: client.post("/risk/import", files={"file": ("风险源.xlsx", _xlsx(RISK_BOOK))}, data={"crs": "wgs84"})


def _api_registry(client: TestClient, make_user: UserFactory) -> Callable[[], Any]:
    headers = make_user("city_office", "320100")
    return lambda: client.post("/api/v1/firewatch/registry/import", headers=headers,
                               files={"file": ("r.xlsx", _xlsx(REGISTRY_BOOK))})


IMPORTS = {"api-risk": _api_risk, "console-risk": _console_risk, "api-registry": _api_registry}


def _organisations(ctx: AppContext, name: str) -> int:
    with unit_of_work(ctx.read_session_factory) as session:
        return int(session.scalar(select(func.count()).select_from(Organization).where(Organization.name == name))
                   or 0)


@pytest.mark.parametrize("kind", IMPORTS)
def test_another_writer_finishes_while_an_import_is_parsing(client: TestClient, ctx: AppContext,
                                                            make_user: UserFactory, kind: str) -> None:
    start_import = IMPORTS[kind](client, make_user)
    reader = HeldSheetReader(ctx)
    SHEET_READER.set(ctx, reader)
    answers: list[Any] = []
    importer = threading.Thread(target=lambda: answers.append(start_import()))
    importer.start()
    try:
        assert reader.parsing.wait(timeout=60), "the import never reached its parse"

        def write_meanwhile() -> None:
            with unit_of_work(ctx.session_factory, actor="tests") as session:
                session.add(Organization(name="解析期间写入", kind="enterprise", region_code="320102"))

        writer = threading.Thread(target=write_meanwhile)
        writer.start()
        writer.join(timeout=WRITER_GRACE_SECONDS)
        wrote_during_parse = not writer.is_alive() and not reader.release.is_set()
    finally:
        reader.release.set()
        importer.join(timeout=120)
    writer.join(timeout=60)
    assert wrote_during_parse, "a write waited for the import's parse to end"
    assert _organisations(ctx, "解析期间写入") == 1
    [answer] = answers
    assert answer.status_code == 200, answer.text
