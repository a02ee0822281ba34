"""Citations of articles in free text: 《安全生产法》第四十一条, 《中华人民共和国消防法》第十六条第一款, 《…》第41条.
Pure: text in, the citations found (with where they are) out; ``service.resolve_citations`` finds the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from citysafe.knowledge.lawtext import NUMERAL, chinese_number

CITATION = re.compile(rf"《([^《》\n]{{2,60}})》\s*第({NUMERAL}|\d{{1,4}})条(?:之({NUMERAL}))?")


@dataclass(frozen=True)
class Citation:
    start: int
    end: int
    text: str
    title: str
    number: int
    sub: int


def find_citations(text: str) -> list[Citation]:
    out = []
    for found in CITATION.finditer(text or ""):
        try:
            number = chinese_number(found[2])
            sub = chinese_number(found[3]) if found[3] else 0
        except ValueError:
            continue
        if number <= 0:
            continue
        out.append(Citation(start=found.start(), end=found.end(), text=found[0], title=found[1].strip(),
                            number=number, sub=sub))
    return out


def title_variants(title: str) -> list[str]:
    """The full titles a cited name may stand for: 安全生产法 → 中华人民共和国安全生产法 too."""
    names = [title]
    if not title.startswith("中华人民共和国"):
        names.append("中华人民共和国" + title)
    return names
