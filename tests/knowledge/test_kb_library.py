"""The library through its service, on each database: the corpus imported (again: updated, never duplicated),
search ranked with its words marked and the article that matched, filters and paging, cases, citations, and
the same answers from SQLite and PostgreSQL for the same queries."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from tests.conftest import BACKENDS, _empty_tables
from tests.knowledge.kb_samples import EMPTY, FIRE_LAW, SAFETY_LAW, SHANGHAI, corpus_folder

from citysafe.core.config import Settings
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.errors import ValidationFailed
from citysafe.core.pagination import PageParams
from citysafe.core.security import TokenSigner
from citysafe.knowledge import search, service
from citysafe.knowledge.enums import Grade
from citysafe.knowledge.models import (
    KnowledgeArticle,
    KnowledgeDocument,
    KnowledgeEntry,
    KnowledgePosting,
    KnowledgeTerm,
)
from citysafe.knowledge.schemas import CaseIn
from citysafe.knowledge.search import ENTRIES, LENGTH, Filters
from citysafe.registry import EVENT_TYPES

CASE = CaseIn(title="某化工公司动火作业爆炸事故", industry="危险化学品", grade=Grade.LARGER,
              occurred_on=dt.date(2023, 4, 12),
              place="江北新区", region_code="320111", deaths=3, injuries=2,
              summary="检修人员在未清洗置换的储罐顶部进行动火作业，罐内可燃气体爆炸。",
              causes="动火作业未办理作业票，违反《安全生产法》第四十三条。", lessons="动火前气体分析合格方可作业。",
              risk_categories=["industrial"], hazard_ids=[7, 7, 3], incident_ids=[12])
QUERIES = ("风险分级管控", "有限空间作业 中毒", "疏散通道 堵塞", "动火作业", "消防 安全 责任", "事故隐患 排查 治理",
           "安全生产法 第四十一条", "罚款", "不存在的词语组合啊", "动火 爆炸", "消防 蓝天白云", "火灾 爆炸 中毒 坍塌")


def _search(session: Session, q: str, **filters: Any) -> Any:
    return service.search_page(session, query=q, filters=Filters(**filters), params=PageParams(page=1, size=10))


def _load(ctx: AppContext, tmp_path: Path, *names: str) -> Any:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        return service.import_laws(session, folder=corpus_folder(tmp_path, *names), actor="tests")


def _sizes(session: Session) -> tuple[int, ...]:
    counted = tuple(int(session.scalar(select(func.count()).select_from(m)) or 0)
                    for m in (KnowledgeDocument, KnowledgeArticle, KnowledgeEntry))
    return counted


def _stats_agree(session: Session) -> None:
    """The statistics BM25 reads, and the postings search reads, are those of the entries as they are: one
    posting per word of each entry, with its count and the entry's length, none twice, none left over."""
    entries = session.execute(select(KnowledgeEntry.id, KnowledgeEntry.terms, KnowledgeEntry.length)).all()
    stats = dict(session.execute(select(KnowledgeTerm.term, KnowledgeTerm.df)).tuples().all())
    assert stats.get(ENTRIES, 0) == len(entries)
    assert stats.get(LENGTH, 0) == sum(length for _, _, length in entries)
    for word in ("安全", "生产", "消防", "风险"):
        assert stats.get(word, 0) == sum(1 for _, terms, _ in entries if word in terms.split())
    postings = session.execute(select(KnowledgePosting.entry_id, KnowledgePosting.term, KnowledgePosting.tf,
                                      KnowledgePosting.length)).tuples().all()
    expected = [(entry_id, term, tf, length) for entry_id, terms, length in entries
                for term, tf in Counter(terms.split()).items()]
    assert len(postings) == sum(len(set(terms.split())) for _, terms, _ in entries) > 0
    assert sorted(postings) == sorted(expected)


def test_import_then_import_again_updates_and_never_duplicates(ctx: AppContext, tmp_path: Path) -> None:
    first = _load(ctx, tmp_path, SAFETY_LAW, FIRE_LAW, EMPTY)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    assert first.articles == 119 + 74
    assert len(first.skipped) == 1 and EMPTY in first.skipped[0]
    with ctx.session_factory() as session:
        sizes = _sizes(session)
        assert sizes == (2, 193, 193)
        _stats_agree(session)
    again = _load(ctx, tmp_path, SAFETY_LAW, FIRE_LAW)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    law = tmp_path / "laws" / SAFETY_LAW  # the article as amended: re-import updates the same document
    law.write_text(law.read_text(encoding="utf-8").replace("安全风险分级管控制度", "安全风险分级管控和蓝天白云制度"),
                   encoding="utf-8")
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        changed = service.import_laws(session, folder=law.parent, actor="tests")
    assert (changed.created, changed.updated) == (0, 1)
    with ctx.session_factory() as session:
        assert _sizes(session) == sizes
        _stats_agree(session)
        found = _search(session, "蓝天白云")
        assert {(i.title, i.article) for i in found.items} == {("中华人民共和国安全生产法", "第四十一条"),
                                                               ("中华人民共和国安全生产法", "第一百零一条")}


def test_search_ranks_articles_and_marks_the_words(ctx: AppContext, tmp_path: Path) -> None:
    _load(ctx, tmp_path, SAFETY_LAW, FIRE_LAW, SHANGHAI)
    with ctx.session_factory() as session:
        found = _search(session, "风险分级管控")
        assert found.total >= 2
        top = found.items[0]
        assert (top.title, top.kind, top.article) == ("中华人民共和国安全生产法", "law", "第四十一条")
        assert "<mark>" in top.snippet and "分级" in top.snippet
        assert top.url.endswith("#art-41")
        scores = [i.score for i in found.items]
        assert scores == sorted(scores, reverse=True)
        only_shanghai = _search(session, "风险分级管控", level="provincial")
        assert {i.title for i in only_shanghai.items} == {"上海市安全生产条例"}
        assert _search(session, "风险分级管控", kind=["case"]).total == 0
        paged = service.search_page(session, query="消防", filters=Filters(), params=PageParams(page=2, size=5))
        first = service.search_page(session, query="消防", filters=Filters(), params=PageParams(page=1, size=5))
        assert paged.total == first.total > 10
        assert not {i.id for i in paged.items} & {i.id for i in first.items}
        # no entry holds every word: those holding some of them, the more the higher
        loose = _search(session, "风险分级管控 蓝天白云")
        assert loose.total > 0 and loose.items[0].article == "第四十一条" and loose.match == "any"
        assert found.match == "all"


def test_an_empty_query_is_refused_naming_the_field(ctx: AppContext) -> None:
    with ctx.session_factory() as session, pytest.raises(ValidationFailed) as refused:
        _search(session, "  ")
    assert refused.value.detail.startswith("q:")


def test_cases_with_causes_lessons_grade_and_links(ctx: AppContext, tmp_path: Path) -> None:
    _load(ctx, tmp_path, SAFETY_LAW)
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        case = service.save_case(session, case_in=CASE, actor="tests")
        again = service.save_case(session, case_in=CASE.model_copy(update={"deaths": 4}), actor="tests")
        assert again.id == case.id  # the same case entered twice is one case
    with ctx.session_factory() as session:
        _stats_agree(session)  # saved twice: one entry, its postings once
        detail = service.document_detail(session, document_id=case.id)
        assert (detail.kind, detail.grade, detail.deaths, detail.industry) == ("case", "较大", 4, "危险化学品")
        assert (detail.hazard_ids, detail.incident_ids, detail.risk_categories) == ([3, 7], [12], ["industrial"])
        found = _search(session, "动火 爆炸", kind=["case"], grade="较大", industry="危险化学品")
        assert [(i.title, i.kind, i.article) for i in found.items] == [(CASE.title, "case", None)]
        assert _search(session, "动火 爆炸", since=dt.date(2024, 1, 1)).total == 0
        cited = service.resolve_citations(session, text=detail.causes)
        assert cited[0].article == "第四十三条" and cited[0].url and cited[0].url.endswith("#art-43")


def test_citations_resolve_abbreviated_titles_to_articles(ctx: AppContext, tmp_path: Path) -> None:
    _load(ctx, tmp_path, SAFETY_LAW, FIRE_LAW)
    with ctx.session_factory() as session:
        cited = service.resolve_citations(session, text="依据《安全生产法》第四十一条、《中华人民共和国消防法》第16条、"
                                                        "《安全生产法》第九百条、《无此法》第一条")
    assert [(c.title, c.article, c.article_id is not None) for c in cited] == [
        ("安全生产法", "第四十一条", True), ("中华人民共和国消防法", "第十六条", True),
        ("安全生产法", "第九百条", False), ("无此法", "第一条", False)]
    assert cited[2].document_id is not None and cited[2].url is None and cited[3].document_id is None


def _answers(engine: Engine, tmp_path: Path) -> list[Any]:
    settings = Settings(data_dir=tmp_path, database_url=engine.url.render_as_string(hide_password=False),
                        secret_key="test-secret")
    ctx = AppContext(settings=settings, engine=engine, signer=TokenSigner("test-secret", 3600), event_types=EVENT_TYPES)
    try:
        _load(ctx, tmp_path, SAFETY_LAW, FIRE_LAW, SHANGHAI)
        with unit_of_work(ctx.session_factory, actor="tests") as session:
            service.save_case(session, case_in=CASE, actor="tests")
        out = []
        with ctx.session_factory() as session:
            for q in QUERIES:  # every word, any word (消防 蓝天白云), and through a filter of the entries' columns
                for page in (_search(session, q), _search(session, q, level="provincial")):
                    out.append((q, page.total, page.match,
                                [(i.title, i.kind, i.article, i.snippet, i.score) for i in page.items]))
        return out
    finally:
        _empty_tables(engine)


@pytest.mark.skipif(len(BACKENDS) < 2, reason="compares SQLite with PostgreSQL: needs both backends")
@pytest.mark.parametrize("candidates", [search.CANDIDATES, 7])
def test_sqlite_and_postgresql_answer_the_same(request: pytest.FixtureRequest, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch, candidates: int) -> None:
    """With few candidates (7), broad queries are capped: both databases still rank the same first seven."""
    monkeypatch.setattr(search, "CANDIDATES", candidates)
    engines: dict[str, Engine] = request.getfixturevalue("_engines")  # the suite's two migrated databases
    sqlite = _answers(engines["sqlite"], tmp_path / "a")
    postgres = _answers(engines["postgresql"], tmp_path / "b")
    assert sum(total for _, total, _, _ in sqlite) > 30  # the queries find things
    assert {match for _, total, match, _ in sqlite if total} == {"all", "any"}
    assert sqlite == postgres
