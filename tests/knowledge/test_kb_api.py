"""The library's API: search readable by every logged-in role (the contract: ``items`` with ``title``, ``kind``,
``snippet`` with the matched words marked, and for a law the ``article``), documents with their articles,
cases written only by those holding knowledge:write, DOCX and PDF imports with their text, bad input as
problem+json naming the field, nothing stored half-way."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import weasyprint
from docx import Document
from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.knowledge.kb_samples import FIRE_LAW, SAFETY_LAW, corpus_folder

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.knowledge import service

API = "/api/v1/knowledge"
CASE: dict[str, Any] = {
    "title": "某小区污水井有限空间中毒事故", "industry": "市政公用", "grade": "较大", "occurred_on": "2022-07-28",
    "region_code": "320106", "deaths": 3, "summary": "维修工进入污水井疏通管道时中毒，同事盲目施救。",
    "causes": "未通风检测，违反《安全生产法》第四十三条。", "lessons": "先通风、再检测、后作业。",
    "risk_categories": ["public_facility"], "hazard_ids": [5], "incident_ids": [9]}


def _load(ctx: AppContext, tmp_path: Path) -> None:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        service.import_laws(session, folder=corpus_folder(tmp_path, SAFETY_LAW, FIRE_LAW), actor="tests")


def _docx(*paragraphs: str) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_search_contract_for_every_logged_in_role(client: TestClient, ctx: AppContext, make_user: UserFactory,
                                                  tmp_path: Path) -> None:
    _load(ctx, tmp_path)
    citizen = make_user("citizen", "320102")
    answer = client.get(f"{API}/search", params={"q": "风险分级管控"}, headers=citizen)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    top = body["items"][0]
    assert {"title", "kind", "snippet", "article"} <= set(top)
    assert (top["title"], top["kind"], top["article"]) == ("中华人民共和国安全生产法", "law", "第四十一条")
    assert "<mark>" in top["snippet"]
    assert body["total"] >= 1 and body["words"] == ["风险", "分级", "管控"]
    fire = client.get(f"{API}/search", params={"q": "疏散通道", "kind": "law", "size": 3}, headers=citizen).json()
    assert fire["items"] and all(i["kind"] == "law" for i in fire["items"]) and len(fire["items"]) <= 3
    assert client.get(f"{API}/search", params={"q": "火灾"}).status_code == 401


def test_bad_search_input_names_the_field(client: TestClient, make_user: UserFactory) -> None:
    office = make_user("district_office", "320102")
    empty = client.get(f"{API}/search", params={"q": " "}, headers=office)
    assert empty.status_code == 422 and empty.headers["content-type"].startswith("application/problem+json")
    assert "q" in empty.text
    for params in ({"q": "火" * 201}, {"q": "火灾", "kind": "poem"}, {"q": "火灾", "grade": "小"},
                   {"q": "火灾", "since": "2024-13-01"}):
        assert client.get(f"{API}/search", params=params, headers=office).status_code == 422, params


def test_documents_and_articles(client: TestClient, ctx: AppContext, make_user: UserFactory, tmp_path: Path) -> None:
    _load(ctx, tmp_path)
    grid = make_user("grid_officer", "320102")
    listed = client.get(f"{API}/documents", params={"kind": "law", "q": "安全生产"}, headers=grid).json()
    assert [d["title"] for d in listed["items"]] == ["中华人民共和国安全生产法"]
    law = client.get(f"{API}/documents/{listed['items'][0]['id']}", headers=grid).json()
    assert len(law["articles"]) == 119 and law["chapters"][0] == "第一章 总则"
    article = client.get(f"{API}/articles/{law['articles'][40]['id']}", headers=grid).json()
    assert article["label"] == "第四十一条" and article["number"] == 41
    cited = client.get(f"{API}/citations", params={"text": "依据《安全生产法》第四十一条"}, headers=grid).json()
    assert cited[0]["article_id"] == article["id"] and cited[0]["url"].endswith("#art-41")
    assert client.get(f"{API}/documents/999999", headers=grid).status_code == 404


def test_cases_are_written_by_editors_only(client: TestClient, ctx: AppContext, make_user: UserFactory,
                                           tmp_path: Path) -> None:
    _load(ctx, tmp_path)
    citizen, department = make_user("citizen", "320102"), make_user("department", "320102")
    assert client.post(f"{API}/cases", json=CASE, headers=citizen).status_code == 403
    made = client.post(f"{API}/cases", json=CASE, headers=department)
    assert made.status_code == 201, made.text
    case = made.json()
    assert (case["kind"], case["grade"], case["hazard_ids"], case["incident_ids"]) == ("case", "较大", [5], [9])
    changed = client.put(f"{API}/cases/{case['id']}", json=CASE | {"deaths": 4}, headers=department)
    assert changed.status_code == 200 and changed.json()["deaths"] == 4
    found = client.get(f"{API}/search", params={"q": "污水井 中毒", "kind": "case"}, headers=citizen).json()
    assert [(i["title"], i["kind"], i["article"]) for i in found["items"]] == [(CASE["title"], "case", None)]
    listed = client.get(f"{API}/cases", params={"grade": "较大"}, headers=citizen).json()
    assert listed["total"] == 1
    bad = client.post(f"{API}/cases", json=CASE | {"grade": "严重", "title": "另一起"}, headers=department)
    assert bad.status_code == 422 and "grade" in bad.text
    assert client.get(f"{API}/cases", headers=citizen).json()["total"] == 1  # nothing stored from the refusal


def test_docx_and_pdf_imports_keep_their_text(client: TestClient, make_user: UserFactory) -> None:
    office = make_user("district_office", "320102")
    docx = _docx("有限空间作业安全指引", "作业前应当进行通风和气体检测。")
    made = client.post(f"{API}/import/file", headers=office, data={"kind": "knowledge"},
                       files={"file": ("有限空间指引.docx", docx)})
    assert made.status_code == 201, made.text
    assert made.json()["title"] == "有限空间指引" and made.json()["kind"] == "knowledge"
    html = "<h1>动火作业安全要点</h1><p>动火作业前必须进行气体分析，合格后方可作业。</p>"
    pdf = weasyprint.HTML(string=html).write_pdf()
    made_pdf = client.post(f"{API}/import/file", headers=office, data={"kind": "standard", "title": "动火作业要点"},
                           files={"file": ("hot-work.pdf", pdf)})
    assert made_pdf.status_code == 201, made_pdf.text
    found = client.get(f"{API}/search", params={"q": "气体分析"}, headers=office).json()
    assert [(i["title"], i["kind"]) for i in found["items"]] == [("动火作业要点", "standard")]
    assert "<mark>" in found["items"][0]["snippet"]
    again = client.post(f"{API}/import/file", headers=office, data={"kind": "knowledge"},
                        files={"file": ("有限空间指引.docx", docx)})
    assert again.json()["id"] == made.json()["id"]  # the same file again: the same document
    law = _docx("某市燃气安全管理规定", "第一条 为了加强燃气安全管理，制定本规定。",
                "第二条 燃气用户应当安装泄漏报警装置。")
    made_law = client.post(f"{API}/import/file", headers=office, data={"kind": "regulation"},
                           files={"file": ("燃气.docx", law)}).json()
    detail = client.get(f"{API}/documents/{made_law['id']}", headers=office).json()
    assert [a["label"] for a in detail["articles"]] == ["第一条", "第二条"]


def test_files_that_are_not_docx_or_pdf_are_refused(client: TestClient, make_user: UserFactory) -> None:
    office = make_user("district_office", "320102")
    for name, data in (("a.txt", "纯文本".encode()), ("a.pdf", b"%PDF-1.4 broken"), ("a.docx", b"PK\x03\x04 broken"),
                       ("a.docx", b"")):
        refused = client.post(f"{API}/import/file", headers=office, data={"kind": "knowledge"},
                              files={"file": (name, data)})
        assert refused.status_code == 422, (name, refused.text)
        assert refused.json()["errors"][0]["field"] == "file"
    assert client.get(f"{API}/documents", headers=office).json()["total"] == 0
    citizen = make_user("citizen", "320102")
    assert client.post(f"{API}/import/file", headers=citizen, data={"kind": "knowledge"},
                       files={"file": ("a.docx", _docx("x"))}).status_code == 403
