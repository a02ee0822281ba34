"""Uploads are judged by their bytes and size; bad ones are refused with a problem naming the field."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.hazards.conftest import TINY_JPEG, TINY_PDF, tiny_png

from citysafe.core.context import AppContext

UPLOAD = "/api/v1/hazards/attachments"


@pytest.mark.parametrize(("data", "content_type"), [
    (tiny_png(), "image/png"), (TINY_JPEG, "image/jpeg"), (TINY_PDF, "application/pdf"),
    (b"RIFF\x0c\x00\x00\x00WEBPVP8 \x00\x00\x00\x00", "image/webp"),
])
def test_accepted_kinds_are_stored_under_data_dir(client: TestClient, ctx: AppContext, make_user: UserFactory,
                                                  data: bytes, content_type: str) -> None:
    headers = make_user("grid_officer", "320102")
    # the declared type and the name are ignored: the bytes decide
    response = client.post(UPLOAD, headers=headers, files={"file": ("整改照片.bin", data, "text/plain")})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["content_type"] == content_type and body["size"] == len(data)
    assert body["filename"].startswith("整改照片.")
    stored = list((Path(ctx.settings.data_dir) / "uploads" / "hazards").rglob("*.*"))
    assert len(stored) == 1 and stored[0].read_bytes() == data
    served = client.get(body["url"], headers=headers)
    assert served.status_code == 200 and served.content == data
    assert served.headers["content-type"].startswith(content_type)
    assert served.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(("data", "status", "needle"), [
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", 422, "JPG、PNG、WEBP、PDF"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", 422, "JPG、PNG、WEBP、PDF"),
    (b"MZ\x90\x00\x03\x00\x00\x00", 422, "JPG"),
    (b"", 422, "文件为空"),
])
def test_bad_uploads_are_refused_naming_the_field(client: TestClient, make_user: UserFactory, data: bytes,
                                                  status: int, needle: str) -> None:
    headers = make_user("grid_officer", "320102")
    response = client.post(UPLOAD, headers=headers, files={"file": ("photo.jpg", data, "image/jpeg")})
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["errors"][0]["field"] == "file"
    assert needle in problem["detail_zh"]


def test_too_large_is_413_with_the_limit(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    ctx.settings.upload_max_bytes = 2048
    headers = make_user("grid_officer", "320102")
    big = tiny_png() + b"\x00" * 4096
    response = client.post(UPLOAD, headers=headers, files={"file": ("big.png", big, "image/png")})
    assert response.status_code == 413
    problem = response.json()
    assert problem["errors"][0]["field"] == "file" and "上限" in problem["detail_zh"]
    assert not list((Path(ctx.settings.data_dir) / "uploads").rglob("*.png"))


def test_missing_file_names_the_field(client: TestClient, make_user: UserFactory) -> None:
    response = client.post(UPLOAD, headers=make_user("grid_officer", "320102"), data={"x": "1"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "file"


def test_uploads_are_private_until_attached(client: TestClient, make_user: UserFactory,
                                            upload: Callable[..., int]) -> None:
    mine = make_user("grid_officer", "320102")
    neighbour = make_user("grid_officer", "320102")
    office = make_user("district_office", "320102")
    photo = upload(mine)
    assert client.get(f"{UPLOAD}/{photo}", headers=neighbour).status_code == 404
    # nor can someone else attach it to their report
    stolen = client.post("/api/v1/hazards/tickets", headers=neighbour, json={
        "category": "other", "description": "x", "attachment_ids": [photo]})
    assert stolen.status_code == 422 and stolen.json()["errors"][0]["field"] == "attachment_ids"
    ticket = client.post("/api/v1/hazards/tickets", headers=mine, json={
        "category": "other", "description": "x", "region_code": "320102002", "attachment_ids": [photo]}).json()
    assert client.get(f"{UPLOAD}/{photo}", headers=office).status_code == 200
    qinhuai = make_user("district_office", "320104")
    assert client.get(f"{UPLOAD}/{photo}", headers=qinhuai).status_code == 404
    # an upload is used once
    again = client.post(f"/api/v1/hazards/tickets/{ticket['id']}/transitions", headers=office, json={
        "action": "assign", "responsible_name": "x", "attachment_ids": [photo]})
    assert again.status_code == 422


def test_citizen_role_may_not_upload(client: TestClient, make_user: UserFactory) -> None:
    response = client.post(UPLOAD, headers=make_user("citizen", "320102"),
                           files={"file": ("p.png", tiny_png(), "image/png")})
    assert response.status_code == 403


def test_a_refused_step_leaves_no_file(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    grid = make_user("grid_officer", "320102")
    client.cookies.clear()
    make_user("grid_officer", "320102", username="li")
    client.post("/login", data={"username": "li", "password": "correct-horse"})
    refused = client.post("/hazards/report", data={"category": "nine_small", "description": "x",
                                                    "organization_id": "999999"},
                          files=[("photos", ("p.png", tiny_png(), "image/png"))])
    assert refused.status_code == 422  # the unit does not exist: nothing is kept, not even the photo
    assert not list((Path(ctx.settings.data_dir) / "uploads").rglob("*.png"))
    assert client.get("/api/v1/hazards/tickets", headers=grid).json()["total"] == 0


def test_the_file_is_written_while_no_write_lock_is_held(
        client: TestClient, ctx: AppContext, make_user: UserFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """On SQLite a writing transaction holds the database's one write lock from its start: the upload is checked,
    hashed and written before its short transaction opens, so another writer takes the lock at once meanwhile."""
    if ctx.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no database-wide write lock to hold")
    from citysafe.hazards.tickets import files

    write_first = files.write_first
    other_writer_waited: list[bool] = []

    def watched(*args: object, **kwargs: object) -> files.Written:
        probe = sqlite3.connect(str(ctx.engine.url.database), timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            other_writer_waited.append(False)
        except sqlite3.OperationalError:  # database is locked
            other_writer_waited.append(True)
        finally:
            probe.close()
        return write_first(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(files, "write_first", watched)
    headers = make_user("grid_officer", "320102")
    response = client.post(UPLOAD, headers=headers, files={"file": ("照片.png", tiny_png(), "image/png")})
    assert response.status_code == 201, response.text
    assert other_writer_waited == [False]
    assert client.get(response.json()["url"], headers=headers).content == tiny_png()


def test_an_upload_whose_record_fails_leaves_no_file(ctx: AppContext, make_user: UserFactory,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from citysafe.api import create_app
    from citysafe.hazards.tickets import files

    def failing(*_args: object, **_kwargs: object) -> object:
        assert len(list((Path(ctx.settings.data_dir) / "uploads").rglob("*.png"))) == 1  # written first …
        raise RuntimeError("the database went away")

    monkeypatch.setattr(files, "record", failing)
    with TestClient(create_app(ctx=ctx), raise_server_exceptions=False) as client:
        response = client.post(UPLOAD, headers=make_user("grid_officer", "320102"),
                               files={"file": ("照片.png", tiny_png(), "image/png")})
    assert response.status_code == 500
    assert not list((Path(ctx.settings.data_dir) / "uploads").rglob("*.png"))  # … and removed with it
