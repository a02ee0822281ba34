"""Laws as the corpus writes them (knowledge/corpus/laws/README.md): a Markdown file per law, its title line,
its adoption and amendment history, ``<!-- INFO END -->``, then chapters (``## 第一章 总则``), sections
(``### 第一节 …``) and articles, each a paragraph starting ``第…条``. Pure: text in, a parsed law out.

Chinese numerals (第一百零二条, 第二十条之一) read as integers here, so an article is found by its number whatever
way a citation spells it (第41条, 第四十一条).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
NUMERAL = "[零〇一二两三四五六七八九十百千]+"
ARTICLE_START = re.compile(rf"^第({NUMERAL}|\d+)条(?:之({NUMERAL}))?[\s　]*")
_CHAPTER = re.compile(rf"^##\s*(第({NUMERAL})章)[\s　]*(.*)$")
_SECTION = re.compile(rf"^###\s*(第({NUMERAL})节)[\s　]*(.*)$")
_FILE_DATE = re.compile(r"\((\d{4})-(\d{2})-(\d{2})\)$")
_HISTORY_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_INFO_END = "<!-- INFO END -->"
# The kind of an instrument, by how its title ends (立法法: 法律, 行政法规, 地方性法规, 规章).
_KIND_BY_ENDING = (("法", "law"), ("条例", "regulation"), ("办法", "regulation"), ("规定", "regulation"),
                   ("细则", "regulation"), ("决定", "regulation"))
_PROVINCES = ("北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建",
              "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海",
              "内蒙古", "广西", "西藏", "宁夏", "新疆")


class LawTextError(ValueError):
    """A file that is not a law in the corpus format; the message names what is missing."""


def chinese_number(text: str) -> int:
    """一百零二 → 102, 四十一 → 41, 十 → 10, 二〇二一 → 2021; ASCII digits as they are."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _DIGITS and ch not in _UNITS for ch in text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    if all(ch in _DIGITS for ch in text):  # read digit by digit (二〇二一)
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        else:
            total += (current or 1) * _UNITS[ch]
            current = 0
    return total + current


def numeral(number: int) -> str:
    """41 → 四十一, 102 → 一百零二, 10 → 十, 110 → 一百一十: how the laws number their articles."""
    if number <= 0:
        raise ValueError("articles are numbered from 1")
    digits = "零一二三四五六七八九"
    if number < 10:
        return digits[number]
    if number < 20:
        return "十" + (digits[number % 10] if number % 10 else "")
    out, zero = "", False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = number // unit % 10
        if d:
            out += ("零" if zero and out else "") + digits[d] + name
            zero = False
        elif out:
            zero = True
    return out


def article_label(number: int, sub: int = 0) -> str:
    return f"第{numeral(number)}条" + (f"之{numeral(sub)}" if sub else "")


@dataclass
class ParsedArticle:
    number: int
    sub: int  # 第二十条之一 → (20, 1); 0 for a plain article
    label: str
    chapter: str
    section: str
    text: str


@dataclass
class ParsedLaw:
    title: str
    version_date: date | None
    history: str
    kind: str
    level: str
    issuer: str
    preamble: str = ""
    chapters: list[str] = field(default_factory=list)
    articles: list[ParsedArticle] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Stable identity of one version of one law: re-importing it updates, never duplicates."""
        return f"{self.title}@{self.version_date.isoformat() if self.version_date else '-'}"


def _version_date(file_name: str, history: str) -> date | None:
    found = _FILE_DATE.search(file_name.removesuffix(".md"))
    if found:
        return date(int(found[1]), int(found[2]), int(found[3]))
    dates = [date(int(y), int(m), int(d)) for y, m, d in _HISTORY_DATE.findall(history)
             if 1 <= int(m) <= 12 and 1 <= int(d) <= 31]
    return max(dates) if dates else None


def level_of(title: str) -> str:
    """national | provincial | municipal, by the issuer the title names."""
    if title.startswith("中华人民共和国") or not any(ch in title[:12] for ch in "省市区州"):
        return "national"
    head = title.split("实施")[0]
    if any(head.startswith(p) for p in _PROVINCES) and ("省" in head[:5] or head[:2] in ("北京", "上海", "天津", "重庆")
                                                        or "自治区" in head[:6]):
        return "provincial"
    return "municipal"


def issuer_of(title: str, level: str) -> str:
    if level == "national":
        return "全国人民代表大会常务委员会" if title.endswith("法") else "国务院"
    for marker in ("自治区", "省", "市", "州"):
        at = title.find(marker)
        if 0 < at < 10:
            return title[:at + len(marker)]
    return ""


def kind_of(title: str) -> str:
    for ending, kind in _KIND_BY_ENDING:
        if title.endswith(ending):
            return kind
    return "regulation"


def parse_law(text: str, *, file_name: str = "") -> ParsedLaw:
    """Parse one corpus file; LawTextError when it has no title line or no article."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    title_line = next((line for line in lines if line.strip()), "")
    if not title_line.startswith("# "):
        raise LawTextError(f"{file_name or 'text'}: no title line (# …) / 没有标题行")
    title = title_line[2:].strip()
    body_at = lines.index(_INFO_END) + 1 if _INFO_END in lines else lines.index(title_line) + 1
    history = "\n".join(line.strip() for line in lines[lines.index(title_line) + 1:body_at - 1]
                        if line.strip()) if _INFO_END in lines else ""
    law = ParsedLaw(title=title, version_date=_version_date(file_name, history), history=history,
                    kind=kind_of(title), level=level_of(title), issuer="")
    law.issuer = issuer_of(title, law.level)
    chapter = section = ""
    current: ParsedArticle | None = None
    preamble: list[str] = []
    for raw in lines[body_at:]:
        line = raw.strip()
        if not line:
            continue
        if (found := _CHAPTER.match(line)) is not None:
            chapter, section = f"{found[1]} {found[3].strip()}".strip(), ""
            law.chapters.append(chapter)
            current = None
            continue
        if (found := _SECTION.match(line)) is not None:
            section = f"{found[1]} {found[3].strip()}".strip()
            current = None
            continue
        if line.startswith("#"):
            continue
        if (found := ARTICLE_START.match(line)) is not None:
            number = chinese_number(found[1])
            sub = chinese_number(found[2]) if found[2] else 0
            current = ParsedArticle(number=number, sub=sub, label=article_label(number, sub), chapter=chapter,
                                    section=section, text=line)
            law.articles.append(current)
        elif current is not None:
            current.text += "\n" + line
        else:
            preamble.append(line)
    law.preamble = "\n".join(preamble)
    if not law.articles:
        raise LawTextError(f"{file_name or title}: no article (第…条) found / 未找到任何条文")
    return law


def short_titles(title: str) -> list[str]:
    """The names a citation may use for a law: 中华人民共和国安全生产法 is also 安全生产法."""
    names = [title]
    if title.startswith("中华人民共和国"):
        names.append(title.removeprefix("中华人民共和国"))
    return names
