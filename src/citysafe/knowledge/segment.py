"""Chinese words for search: rjieba (the Python binding of jieba-rs, a maintained port of jieba with jieba's
dictionary) in its search mode, which adds the shorter words inside a long one (有限空间 also gives 有限, 空间),
so a query finds a text whatever the length of the words it was cut into; a query is cut in accurate mode
(``query_terms``). The same Python code runs on every database, so both index and ask alike.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

import rjieba

# Words too common to tell texts apart; dropped from queries and from the index alike.
STOPWORDS = frozenset((
    "的", "了", "和", "与", "及", "或", "在", "是", "对", "由", "为", "并", "等", "其",
    "之", "以", "于", "应", "应当", "按照", "有关", "规定", "本", "该", "这", "那", "中",
    "上", "下", "将", "被", "把", "从", "而", "也", "又", "可", "可以", "个", "一", "不",
    "第", "条", "款", "项",
))
MAX_TERM = 100
MAX_QUERY_TERMS = 12


def _words(text: str, *, search_mode: bool = True) -> list[str]:
    cut = rjieba.cut_for_search if search_mode else rjieba.cut
    out = []
    for word in cut(text.lower(), hmm=True):
        if word.isalnum() and "_" not in word and len(word) <= MAX_TERM and word not in STOPWORDS:
            out.append(word)
    return out


def terms(text: str) -> list[str]:
    """The words of ``text`` in order, lower case, punctuation and stop words dropped."""
    return _words(text)


def query_terms(query: str) -> list[str]:
    """The distinct words of a query, in order of first appearance, at most ``MAX_QUERY_TERMS``. A query is cut
    in jieba's accurate mode: its words are among those search mode indexed (which adds the shorter words
    inside), so 电动自行车 asks for 电动 and 自行车, not also for 自行 and 行车."""
    seen: dict[str, None] = {}
    for word in _words(query, search_mode=False):
        seen.setdefault(word, None)
    return list(seen)[:MAX_QUERY_TERMS]


def snippet(text: str, words: Iterable[str], *, width: int = 90) -> str:
    """About ``width`` characters of ``text`` around the densest run of the query's words, HTML-escaped, each
    match inside <mark>…</mark>; the start of the text when nothing matches."""
    flat = " ".join(text.split())
    wanted = sorted({w for w in words if w}, key=len, reverse=True)
    if not wanted:
        return html.escape(flat[:width]) + ("…" if len(flat) > width else "")
    pattern = re.compile("|".join(re.escape(w) for w in wanted), re.IGNORECASE)
    hits = [(m.start(), m.end()) for m in pattern.finditer(flat)]
    if not hits:
        return html.escape(flat[:width]) + ("…" if len(flat) > width else "")
    best, best_count = 0, -1
    for start, _ in hits:  # the window starting a little before a hit that holds the most hits
        count = sum(1 for s, e in hits if start <= s and e <= start + width)
        if count > best_count:
            best, best_count = start, count
    begin = max(0, min(best - width // 6, len(flat) - width))
    begin = next((s for s, e in hits if s < begin < e), begin)  # never cut a match in two
    end = min(len(flat), begin + width)
    parts, at = [], begin
    for s, e in hits:
        if s < at or e > end:
            continue
        parts.append(html.escape(flat[at:s]))
        parts.append(f"<mark>{html.escape(flat[s:e])}</mark>")
        at = e
    parts.append(html.escape(flat[at:end]))
    marked = "".join(parts).replace("</mark><mark>", "")  # 安全生产 one mark, not 安全 and 生产 side by side
    return ("…" if begin > 0 else "") + marked + ("…" if end < len(flat) else "")
