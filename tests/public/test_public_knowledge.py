"""The public knowledge pages (issue #15 point 5, 安全知识), no login, on both databases: a search answers the
library's own results — title, kind, the matched words marked, the article that matched — and each result opens the
law at its article; a case shows its causes and lessons but none of what the office keeps beside it (the hazard
tickets and incidents it is linked to, who entered it, the division code); the page before a search lists safety
knowledge and the publicity events open to the public (not training for companies); every page may be cached."""

from __future__ import annotations

import datetime as dt
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from docx import Document
from fastapi.testclient import TestClient
from tests.knowledge.kb_samples import FIRE_LAW, SAFETY_LAW, corpus_folder

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.knowledge import service
from citysafe.knowledge.enums import DocumentKind, Grade
from citysafe.knowledge.schemas import CaseIn
from citysafe.public.participation import service as participation
from citysafe.public.participation.schemas import EventIn

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
CASE = CaseIn(title="某小区污水井有限空间中毒事故", industry="市政公用", grade=Grade.LARGER,
              occurred_on=dt.date(2022, 7, 28), place="鼓楼区某小区", region_code="320106", deaths=3, injuries=1,
              summary="维修工进入污水检查井疏通管道时晕倒，同事未佩戴防护用品下井施救。",
              causes="进入有限空间前未通风、未检测硫化氢浓度。", lessons="坚持先通风、再检测、后作业。",
              hazard_ids=[41], incident_ids=[77], source="据同类事故调查报告编写")


def _docx(*paragraphs: str) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _library(ctx: AppContext, tmp_path: Path) -> int:
    ctx.clock = FixedClock(NOW)
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        service.import_laws(session, folder=corpus_folder(tmp_path, SAFETY_LAW, FIRE_LAW), actor="tests")
        case = service.save_case(session, case_in=CASE, actor="kb-editor-zhang")
        tip = _docx("电动自行车不要在楼道、楼梯间停放和充电。", "充电时间不宜过长，人走断电。")
        service.import_file(session, data=tip, file_name="电动自行车安全充电常识.docx", kind=DocumentKind.KNOWLEDGE,
                            actor="tests")
        for title, kind, audience in (("安全生产月广场咨询日", "publicity", "public"),
                                      ("企业主要负责人安全培训班", "training", "workers"),
                                      ("校园消防演练开放日", "publicity", "students")):
            participation.create_event(session, now=NOW, data=EventIn.model_validate({
                "title": title, "kind": kind, "audience": audience, "organiser": "玄武区应急管理局",
                "place": "玄武区新街口广场", "region_code": "320102", "capacity": 200,
                "starts_at": (NOW + timedelta(days=5)).isoformat(),
                "ends_at": (NOW + timedelta(days=5, hours=4)).isoformat()}))
        return case.id


def test_a_search_shows_title_kind_marked_words_and_the_article(client: TestClient, ctx: AppContext,
                                                                tmp_path: Path) -> None:
    _library(ctx, tmp_path)
    page = client.get("/public/knowledge", params={"q": "疏散通道"})  # no login
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "public, max-age=60"
    html = page.text
    assert 'data-testid="kb-hit"' in html and "<mark>" in html
    assert "中华人民共和国消防法" in html and 'data-testid="kb-article"' in html
    link = re.search(r'href="(/public/knowledge/documents/\d+#art-\d+)"', html)
    assert link is not None
    law = client.get(link.group(1).split("#")[0])
    assert law.status_code == 200 and law.headers["cache-control"] == "public, max-age=60"
    assert f'id="{link.group(1).split("#")[1]}"' in law.text  # the article the result named is on the page

    cases = client.get("/public/knowledge", params={"q": "有限空间 中毒", "kind": "case"})
    assert "某小区污水井有限空间中毒事故" in cases.text and "中华人民共和国" not in cases.text
    assert 'data-testid="kb-none"' in client.get("/public/knowledge", params={"q": "量子隧穿"}).text
    too_long = client.get("/public/knowledge", params={"q": "安全" * 150})
    assert too_long.status_code == 422 and "不超过 200 个字" in too_long.text


def test_a_case_shows_what_happened_not_what_the_office_keeps(client: TestClient, ctx: AppContext,
                                                             tmp_path: Path) -> None:
    case_id = _library(ctx, tmp_path)
    page = client.get(f"/public/knowledge/documents/{case_id}")
    assert page.status_code == 200, page.text
    assert "先通风、再检测、后作业" in page.text and "死亡 3 人" in page.text
    for internal in ("kb-editor-zhang", "/hazards/tickets/", "/emergency/incidents/", "320106", "关联隐患"):
        assert internal not in page.text
    assert client.get("/public/knowledge/documents/999999").status_code == 404


def test_before_a_search_safety_knowledge_and_public_events(client: TestClient, ctx: AppContext,
                                                           tmp_path: Path) -> None:
    _library(ctx, tmp_path)
    page = client.get("/public/knowledge")
    assert page.status_code == 200
    tips = page.text.split('data-testid="kb-tips"')[1].split("</section>")[0]
    assert "电动自行车安全充电常识" in tips
    notices = page.text.split('data-testid="kb-notices"')[1].split("</section>")[0]
    assert "安全生产月广场咨询日" in notices
    assert "企业主要负责人安全培训班" not in notices and "校园消防演练开放日" not in notices
    tip = re.search(r'href="(/public/knowledge/documents/\d+)"[^>]*>电动自行车安全充电常识', page.text)
    assert tip is not None and "人走断电" in client.get(tip.group(1)).text
    home = client.get("/public")
    assert 'href="/public/knowledge"' in home.text  # the home page's door is real now
