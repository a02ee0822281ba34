"""The corpus format read into laws, chapters and articles; Chinese numerals; citations found in free text."""

from __future__ import annotations

import pytest
from tests.knowledge.kb_samples import SAFETY_LAW

from citysafe.knowledge import segment
from citysafe.knowledge.citations import find_citations
from citysafe.knowledge.lawtext import LawTextError, article_label, chinese_number, numeral, parse_law
from citysafe.knowledge.service import CORPUS


@pytest.mark.parametrize(("text", "number"), [
    ("一", 1), ("十", 10), ("十一", 11), ("二十", 20), ("四十一", 41), ("一百", 100), ("一百零二", 102),
    ("一百一十", 110), ("一百一十九", 119), ("二百零三", 203), ("一千零一", 1001), ("41", 41)])
def test_chinese_numerals_both_ways(text: str, number: int) -> None:
    assert chinese_number(text) == number
    if not text.isdigit():
        assert numeral(number) == text


def test_every_numeral_up_to_a_thousand_reads_back() -> None:
    assert all(chinese_number(numeral(n)) == n for n in range(1, 1000))
    assert article_label(20, 1) == "第二十条之一"


def test_the_work_safety_law_by_chapter_and_article() -> None:
    law = parse_law((CORPUS / SAFETY_LAW).read_text(encoding="utf-8"), file_name=SAFETY_LAW)
    assert law.title == "中华人民共和国安全生产法"
    assert law.key == "中华人民共和国安全生产法@2021-06-10"
    assert (law.kind, law.level, law.issuer) == ("law", "national", "全国人民代表大会常务委员会")
    assert "第三次修正" in law.history
    assert len(law.articles) == 119
    assert [a.number for a in law.articles] == list(range(1, 120))
    assert law.chapters[0] == "第一章 总则" and len(law.chapters) == 7
    article = law.articles[40]
    assert article.label == "第四十一条" and article.chapter == "第二章 生产经营单位的安全生产保障"
    assert "安全风险分级管控制度" in article.text
    assert "\n" in law.articles[2].text  # an article of several paragraphs keeps them


def test_sections_inside_chapters() -> None:
    law = parse_law((CORPUS / "道路交通安全法(2021-04-29).md").read_text(encoding="utf-8"))
    assert any(a.section.startswith("第一节") for a in law.articles)


def test_a_file_without_title_or_articles_is_refused() -> None:
    with pytest.raises(LawTextError, match="title"):
        parse_law("no title\n第一条 text")
    with pytest.raises(LawTextError, match="第…条"):
        parse_law("# 某条例\n\n<!-- INFO END -->\n\n## 第一章 总则\n")


def test_levels_and_issuers_by_title() -> None:
    shanghai = parse_law("# 上海市安全生产条例\n\n第一条 为了……")
    assert (shanghai.level, shanghai.issuer, shanghai.kind) == ("provincial", "上海市", "regulation")
    city = parse_law("# 临沂市烟花爆竹燃放管理条例\n\n第一条 为了……")
    assert (city.level, city.issuer) == ("municipal", "临沂市")


def test_citations_in_free_text() -> None:
    found = find_citations("依据《安全生产法》第四十一条和《中华人民共和国消防法》第16条，另见《某办法》第二十条之一。")
    assert [(c.title, c.number, c.sub) for c in found] == [
        ("安全生产法", 41, 0), ("中华人民共和国消防法", 16, 0), ("某办法", 20, 1)]
    assert found[0].text == "《安全生产法》第四十一条"
    assert find_citations("没有引用") == []


def test_snippets_mark_the_words_and_escape_the_rest() -> None:
    text = "<b>注意</b>：进入有限空间作业前，应当先通风、再检测、后作业。" * 3
    shown = segment.snippet(text, ["有限空间", "通风"], width=40)
    assert "<mark>有限空间</mark>" in shown and "<mark>通风</mark>" in shown
    assert "<b>" not in shown and "&lt;/b&gt;" in shown
    assert shown.startswith("…") and shown.endswith("…")


def test_query_words_are_distinct_and_without_stop_words() -> None:
    assert segment.query_terms("的 有限空间 作业 作业") == ["有限", "空间", "作业"]
    assert segment.query_terms("，。！") == []
