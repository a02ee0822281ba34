"""Hostile uploads to the risk-source import (issue #10, finding 3): each is refused with a clear 4xx that names
the file field — by the API as problem+json, by the console as a Chinese page — and while an import is being
handled the server goes on answering (the import runs off the event loop)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.support import workbooks

from citysafe.core.context import AppContext
from citysafe.risk.service import imports

HOSTILE: dict[str, Callable[[], bytes]] = {
    "bomb": lambda: workbooks.bomb(20_000_000),  # 20 MB of XML in about 80 KB
    "whole-grid": lambda: workbooks.huge_dimension(),
    "not-a-zip": lambda: workbooks.NOT_A_ZIP,
    "corrupt": lambda: workbooks.corrupt(workbooks.many_rows(5000)),
    "wide-row": lambda: workbooks.wide_row(300),
}
SAYS = {"bomb": "过大", "whole-grid": "1048576 行", "not-a-zip": "不是有效的 Excel", "corrupt": "已损坏",
        "wide-row": "列"}


def _upload(client: TestClient, headers: dict[str, str], content: bytes, name: str = "风险源.xlsx") -> Any:
    return client.post("/api/v1/risk/imports", headers=headers, files={"file": (name, content)})


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_workbook_is_refused_with_a_problem_naming_the_file(client: TestClient, city: dict[str, str],
                                                                   kind: str) -> None:
    response = _upload(client, city, HOSTILE[kind]())
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert [e["field"] for e in body["errors"]] == ["file"]
    assert SAYS[kind] in body["detail_zh"], body["detail_zh"]
    assert client.get("/api/v1/risk/sources", headers=city).json()["total"] == 0


def test_an_upload_over_the_limit_is_413_naming_the_file(client: TestClient, ctx: AppContext,
                                                        city: dict[str, str]) -> None:
    ctx.settings = ctx.settings.model_copy(update={"upload_max_bytes": 50_000})
    response = _upload(client, city, workbooks.bomb(20_000_000) + b"\0" * 50_000)
    assert response.status_code == 413, response.text
    body = response.json()
    assert body["errors"][0]["field"] == "file" and "文件超过" in body["detail_zh"]


def test_a_request_body_over_the_server_limit_is_413_before_it_is_read(client: TestClient, ctx: AppContext,
                                                                      city: dict[str, str]) -> None:
    limit = ctx.settings.request_max_bytes
    response = client.post("/api/v1/risk/imports", headers=city | {"Content-Length": str(limit + 1)},
                           content=b"x" * 10)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert "请求内容超过" in response.json()["detail_zh"]


def test_console_answers_a_hostile_workbook_with_a_chinese_page(client: TestClient, make_user: UserFactory) -> None:
    make_user("city_office", "320100", username="office-import")
    client.post("/login", data={"username": "office-import", "password": "correct-horse"})
    page = client.post("/risk/import", files={"file": ("风险源.xlsx", workbooks.huge_dimension())},
                       data={"crs": "wgs84"})
    assert page.status_code == 422 and "text/html" in page.headers["content-type"]
    assert "1048576 行" in page.text and "Traceback" not in page.text


def test_the_server_answers_while_an_import_is_handled(client: TestClient, city: dict[str, str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The import holds on until a health check has been answered: on the event loop, as before the fix, the
    health check could not be answered until the import gave up waiting."""
    reading, answered, read = threading.Event(), threading.Event(), threading.Event()
    original = imports.read_rows

    def slow_read(*args: Any, **kwargs: Any) -> Any:
        reading.set()
        answered.wait(timeout=10)
        try:
            return original(*args, **kwargs)
        finally:
            read.set()

    monkeypatch.setattr(imports, "read_rows", slow_read)
    done: list[int] = []
    worker = threading.Thread(target=lambda: done.append(_upload(client, city, workbooks.huge_dimension())
                                                         .status_code))
    worker.start()
    assert reading.wait(timeout=30)
    assert client.get("/api/v1/health").status_code == 200
    import_still_running = not read.is_set()
    answered.set()
    worker.join(timeout=60)
    assert import_still_running and done == [422]
