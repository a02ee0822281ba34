"""Photos and documents on an incident's timeline: the entry records the file's SHA-256, so the chain that
proves the timeline unchanged also proves the file unchanged; a refused upload writes nothing."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import update
from tests.conftest import UserFactory
from tests.emergency.api_support import count_rows, error_fields
from tests.hazards.conftest import TINY_PDF, tiny_png

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.emergency.models import IncidentAttachment, TimelineEntry
from citysafe.registry import load_models

EM = "/api/v1/emergency"


def _incident(client: TestClient, headers: dict[str, str]) -> str:
    answer = client.post(f"{EM}/incidents", headers=headers, json={
        "category": "accident", "subtype": "fire", "description": "仓库起火", "place": "玄武区某仓库"})
    assert answer.status_code == 201, answer.text
    return f"{EM}/incidents/{answer.json()['id']}"


def test_a_photo_lands_on_the_timeline_and_is_served_back(client: TestClient, make_user: UserFactory) -> None:
    duty = make_user("department", "320102", display_name="玄武区应急局值班员王磊")
    url = _incident(client, duty)
    photo = tiny_png()
    added = client.post(f"{url}/attachments", headers=duty, data={"note": "现场东侧照片"},
                        files={"file": ("IMG 0001.jpeg", photo, "image/jpeg")})
    assert added.status_code == 201, added.text
    body = added.json()
    # judged by content: a PNG called .jpeg is stored as the PNG it is
    assert (body["filename"], body["content_type"], body["size"]) == ("IMG_0001.png", "image/png", len(photo))
    entry = client.get(f"{url}/timeline", headers=duty).json()[-1]
    assert (entry["kind"], entry["kind_name"], entry["actor"]) == ("attachment", "附件", "玄武区应急局值班员王磊")
    assert "IMG_0001.png" in entry["text"] and "现场东侧照片" in entry["text"]
    assert entry["payload"]["sha256"] == body["sha256"] and entry["payload"]["attachment_id"] == body["id"]
    served = client.get(f"{url}/attachments/{body['id']}", headers=duty)
    assert served.status_code == 200 and served.content == photo
    assert served.headers["content-type"] == "image/png" and served.headers["x-content-type-options"] == "nosniff"
    document = client.post(f"{url}/attachments", headers=duty, files={"file": ("快报.pdf", TINY_PDF)})
    assert document.status_code == 201
    assert [a["filename"] for a in client.get(f"{url}/attachments", headers=duty).json()] == [
        "IMG_0001.png", "快报.pdf"]
    assert client.get(f"{url}/timeline/verify", headers=duty).json()["ok"] is True
    other = make_user("department", "320104")  # 秦淮区: the incident is not theirs
    assert client.get(f"{url}/attachments/{body['id']}", headers=other).status_code == 404


def test_a_changed_file_is_detected(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    duty = make_user("department", "320102")
    url = _incident(client, duty)
    added = client.post(f"{url}/attachments", headers=duty, files={"file": ("a.pdf", TINY_PDF)}).json()
    with unit_of_work(ctx.session_factory) as session:  # changed outside the platform, row digest and all
        session.execute(update(IncidentAttachment).where(IncidentAttachment.id == added["id"])
                        .values(data=TINY_PDF + b"%forged", sha256="0" * 64))
    verdict = client.get(f"{url}/timeline/verify", headers=duty).json()
    assert verdict["ok"] is False and verdict["altered_attachments"] == [added["id"]]
    assert "附件" in verdict["reason_zh"]


def test_refused_uploads_write_nothing(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    duty = make_user("department", "320102")
    url = _incident(client, duty)
    entries, files = count_rows(ctx, TimelineEntry), count_rows(ctx, IncidentAttachment)
    for upload in ({"file": ("page.html", b"<html><script>alert(1)</script>")}, {"file": ("empty.png", b"")}):
        refused = client.post(f"{url}/attachments", headers=duty, files=upload)
        assert refused.status_code == 422 and error_fields(refused) == ["file"], refused.text
    missing = client.post(f"{url}/attachments", headers=duty, data={"note": "忘了选文件"})
    assert missing.status_code == 422 and error_fields(missing) == ["file"]
    assert "JPG" in client.post(f"{url}/attachments", headers=duty,
                                files={"file": ("x.exe", b"MZ\x90\x00")}).json()["errors"][0]["message_zh"]
    assert (count_rows(ctx, TimelineEntry), count_rows(ctx, IncidentAttachment)) == (entries, files)
    operator = make_user("operator", "320100")  # the monitoring centre reads incidents, does not write them
    assert client.post(f"{url}/attachments", headers=operator, files={"file": ("a.pdf", TINY_PDF)}).status_code == 403
    assert client.get(f"{url}/attachments", headers=operator).status_code == 200


def test_migration_matches_the_attachment_model(ctx: AppContext) -> None:
    with ctx.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), load_models().metadata)
    assert [d for d in diffs if "em_incident_attachment" in repr(d)] == []
