"""Large risk imports (issue #10, finding 1): written in batches so other writers take their turn between them,
undone as a whole when a later batch fails, and run as a background job when the file is large."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from risk_helpers import XUANWU_LAKE, SourceFactory
from sqlalchemy import text
from test_risk_import import fill, template, upload
from test_risk_whitepaper import finished_job
from tests.conftest import UserFactory
from tests.support.waiting import until_sync

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.risk.service import importwrite

ROWS = 120


def register(rows: int, **first: Any) -> list[dict[str, Any]]:
    """``rows`` valid sources around 玄武湖 (inside 南京市), each assessed by the 5×5 matrix."""
    out = [{"name": f"批量导入风险源{i}", "kind": "九小", "lon": XUANWU_LAKE[0] + (i % 20) * 0.0005,
            "lat": XUANWU_LAKE[1] + (i // 20) * 0.0005, "responsible_unit": f"某店{i}", "method": "风险矩阵",
            "preset": "M2", "likelihood": 1 + i % 5, "severity": 1 + i // 5 % 5} for i in range(rows)]
    out[0].update(first)
    return out


def count(ctx: AppContext, table: str) -> int:
    with unit_of_work(ctx.read_session_factory) as session:
        return int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


@pytest.fixture
def small_batches(ctx: AppContext) -> None:
    ctx.settings.import_batch_rows = 25
    ctx.settings.import_batch_pause_seconds = 0.12


@pytest.mark.usefixtures("small_batches")
def test_another_writer_writes_between_the_batches(client: TestClient, city: dict[str, str], ctx: AppContext) -> None:
    """A writer standing in for the fire gateway takes the write lock over and over while the import runs: it
    must see the import half-written at least once, i.e. it got the lock between two batches (one transaction
    for the whole file let it in only before or after: it saw 0 or all the rows)."""
    seen: list[int] = []
    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set():
            with unit_of_work(ctx.session_factory) as session:  # BEGIN IMMEDIATE on SQLite: the write lock
                seen.append(int(session.execute(text("SELECT count(*) FROM risk_source")).scalar_one()))
            stop.wait(0.01)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        response = upload(client, city, "register.xlsx", fill(template(client, city), register(ROWS)))
    finally:
        stop.set()
        thread.join()
    assert response.status_code == 200, response.text
    assert response.json()["created"] == ROWS
    assert any(0 < n < ROWS for n in seen), sorted(set(seen))


@pytest.mark.usefixtures("small_batches")
def test_a_failing_later_batch_leaves_nothing_written(client: TestClient, city: dict[str, str], ctx: AppContext,
                                                      add_source: SourceFactory,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    existing = add_source(name="原有风险源")
    before = {table: count(ctx, table) for table in ("risk_source", "risk_assessment", "risk_import")}
    real_refresh, calls = importwrite.refresh_current, []

    def fail_third_batch(*args: Any, **kwargs: Any) -> int:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return real_refresh(*args, **kwargs)

    monkeypatch.setattr(importwrite, "refresh_current", fail_third_batch)
    rows = register(ROWS, code=existing["code"], name="导入改名")  # the first batch updates the existing source
    response = upload(client, city, "register.xlsx", fill(template(client, city), rows))
    assert response.status_code == 500
    assert "Traceback" not in response.text
    assert len(calls) == 3  # two batches had been committed before the third failed
    assert {table: count(ctx, table) for table in before} == before
    assert client.get(f"/api/v1/risk/sources/{existing['id']}", headers=city).json()["name"] == "原有风险源"


@pytest.mark.usefixtures("small_batches")
def test_a_large_file_is_imported_as_a_job_with_the_same_report(client: TestClient, city: dict[str, str],
                                                                ctx: AppContext) -> None:
    ctx.settings.import_job_rows = 50
    content = fill(template(client, city), register(ROWS))
    started = upload(client, city, "register.xlsx", content)
    assert started.status_code == 202, started.text
    assert started.headers["Location"] == f"/api/v1/jobs/{started.json()['id']}"
    job = finished_job(client, started, city)
    assert job["status"] == "succeeded", job
    report = job["result"]["report"]
    assert (report["ok"], report["created"], report["assessed"], report["errors"]) == (True, ROWS, ROWS, [])
    assert count(ctx, "risk_source") == ROWS
    # A file at or under the threshold still answers at once with the report itself.
    small = upload(client, city, "small.xlsx", fill(template(client, city), register(10)), dry_run="true")
    assert small.status_code == 200 and small.json()["rows"] == 10


@pytest.mark.usefixtures("small_batches")
def test_a_large_file_with_row_errors_writes_nothing_and_reports_them(client: TestClient, city: dict[str, str],
                                                                      ctx: AppContext) -> None:
    ctx.settings.import_job_rows = 50
    rows = register(ROWS)
    rows[-1]["kind"] = "不存在的类型"
    job = finished_job(client, upload(client, city, "register.xlsx", fill(template(client, city), rows)), city)
    report = job["result"]["report"]
    assert report["ok"] is False and [e["row"] for e in report["errors"]] == [ROWS + 1]
    assert count(ctx, "risk_source") == 0


@pytest.mark.usefixtures("small_batches")
def test_the_console_shows_a_large_import_as_a_job_until_its_report(client: TestClient, ctx: AppContext,
                                                                    make_user: UserFactory) -> None:
    ctx.settings.import_job_rows = 50
    headers = make_user("city_office", "320100", username="office-big-import")
    client.post("/login", data={"username": "office-big-import", "password": "correct-horse"})
    page = client.post("/risk/import", files={"file": ("风险源.xlsx", fill(template(client, headers), register(ROWS)))},
                       data={"crs": "wgs84"})
    assert page.status_code == 200 and "正在后台导入" in page.text
    fragment = page.text.split('hx-get="', 1)[1].split('"', 1)[0]
    shown = ""

    def imported() -> bool:
        nonlocal shown
        shown = client.get(fragment).text
        assert "导入成功" in shown or "已写入" in shown or "排队" in shown or "校验" in shown, shown
        return "导入成功" in shown

    until_sync(imported, what="the import's report", timeout=100, interval=0.1)
    assert f"共 {ROWS} 行" in shown and f"新增 {ROWS} 处" in shown
