from __future__ import annotations

import sqlite3

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from citysafe.core.problems import install_problem_handlers


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/busy")
    def busy() -> None:
        raise OperationalError("INSERT …", {}, sqlite3.OperationalError("database is locked"))

    @app.get("/broken")
    def broken() -> None:
        raise OperationalError("SELECT …", {}, sqlite3.OperationalError("no such table: x"))

    @app.get("/bug")
    def bug() -> None:
        raise KeyError("secret internals")

    return app


def test_busy_database_asks_to_retry() -> None:
    response = TestClient(_app(), raise_server_exceptions=False).get("/busy")
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    assert response.json()["detail_zh"] == "数据库繁忙，本次操作未生效，请重试"


def test_other_database_errors_and_bugs_are_500_without_internals() -> None:
    client = TestClient(_app(), raise_server_exceptions=False)
    for path in ("/broken", "/bug"):
        response = client.get(path)
        assert response.status_code == 500
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "secret" not in response.text and "no such table" not in response.text
        assert "Traceback" not in response.text
