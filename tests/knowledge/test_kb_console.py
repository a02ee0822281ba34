"""The library's console pages and citations as links: an enforcement record's basis and violations, shown on
its page, link each 《…》第…条 to the article (followed: the law's page at the article's anchor); an unknown
article falls back to a search; the search page marks the matched words and reads in English with the
Chinese data marked as such."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.knowledge.kb_samples import FIRE_LAW, SAFETY_LAW, corpus_folder

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.knowledge import service
from citysafe.web.knowledge import cite_laws


def _login(client: TestClient, make_user: UserFactory, role: str, region: str, username: str) -> dict[str, str]:
    headers = make_user(role, region, username=username)
    client.cookies.clear()
    answer = client.post("/login", data={"username": username, "password": "correct-horse"}, follow_redirects=False)
    assert answer.status_code == 303
    return headers


def test_cite_laws_links_citations_and_escapes_the_rest() -> None:
    shown = str(cite_laws("<b>违反</b>《安全生产法》第四十一条和《消防法》第28条"))
    assert shown.startswith('<span lang="zh">&lt;b&gt;违反&lt;/b&gt;')
    assert shown.count('<a class="cite" href="/knowledge/cite?ref=') == 2
    assert ">《安全生产法》第四十一条</a>" in shown and ">《消防法》第28条</a>" in shown
    assert str(cite_laws(None)) == '<span lang="zh"></span>'


def test_enforcement_record_links_its_basis_to_the_article(client: TestClient, ctx: AppContext,
                                                           make_user: UserFactory, tmp_path: Path) -> None:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        service.import_laws(session, folder=corpus_folder(tmp_path, SAFETY_LAW, FIRE_LAW), actor="tests")
    office = _login(client, make_user, "district_office", "320102", "xuanwu-kb")
    made = client.post("/api/v1/hazards/enforcement", headers=office, json={
        "kind": "inspection", "target_name": "某餐饮店", "region_code": "320102",
        "inspected_at": "2024-05-01T09:00:00+08:00", "violations": "疏散通道堵塞，违反《消防法》第二十八条",
        "basis": "《安全生产法》第四十一条"})
    assert made.status_code == 201, made.text
    page = client.get(f"/supervision/enforcement/{made.json()['id']}")
    assert page.status_code == 200
    assert 'href="/knowledge/cite?ref=%E3%80%8A%E5%AE%89%E5%85%A8%E7%94%9F%E4%BA%A7%E6%B3%95' in page.text
    assert page.text.count('class="cite"') == 2
    followed = client.get("/knowledge/cite", params={"ref": "《安全生产法》第四十一条"}, follow_redirects=False)
    assert followed.status_code == 303 and followed.headers["location"].endswith("#art-41")
    law = client.get(followed.headers["location"])
    assert 'id="art-41"' in law.text and "第二章 生产经营单位的安全生产保障" in law.text
    unknown = client.get("/knowledge/cite", params={"ref": "《安全生产法》第九百条"}, follow_redirects=False)
    assert unknown.status_code == 303 and unknown.headers["location"].startswith("/knowledge?q=")


def test_search_page_marks_words_and_reads_in_english(client: TestClient, ctx: AppContext, make_user: UserFactory,
                                                      tmp_path: Path) -> None:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        service.import_laws(session, folder=corpus_folder(tmp_path, SAFETY_LAW), actor="tests")
    _login(client, make_user, "grid_officer", "320102", "grid-kb")
    page = client.get("/knowledge", params={"q": "风险分级管控"})
    assert page.status_code == 200
    assert "<mark>" in page.text and "第四十一条" in page.text and "共找到" in page.text
    empty = client.get("/knowledge", params={"q": "，。"})
    assert empty.status_code == 200 and "请输入要检索的词语" not in empty.text  # punctuation only: nothing found
    english = client.get("/knowledge", params={"q": "风险分级管控", "lang": "en"})
    assert "Knowledge and case library" in english.text and "results" in english.text
