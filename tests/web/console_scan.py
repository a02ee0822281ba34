"""What a Chinese console page must not show its reader: division codes where a name belongs, and developer
text (identifiers, ``None``, pydantic paths and messages, method codes). Used by ``test_console_words.py``.

Only what a person reads is scanned: text, and the attributes a browser shows (``title``, ``placeholder``,
``alt``, ``aria-label``). Links, ``data-*``, form values and scripts carry codes on purpose.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

SHOWN_ATTRIBUTES = frozenset({"title", "placeholder", "alt", "aria-label"})
# Elements whose content is no reading: scripts (data for JS included), styles, templates.
UNREAD = frozenset({"script", "style", "template"})

# A code of a Jiangsu division (6, 9 or 12 digits, 32…), standing alone.
DIVISION_CODE = re.compile(r"(?<![\w.])32\d{4}(?:\d{3}){0,2}(?![\w.])")
DEVELOPER_TEXT = {
    "an identifier (snake_case)": re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b"),
    "a programming value": re.compile(r"\b(?:None|null|undefined|NaN|True|False)\b(?! alarm)"),
    "a pydantic field path": re.compile(r"\b(?:body|query|path|form)\.[a-z_]+"),
    "a pydantic message": re.compile(r"Input should|Field required|Value error|validation error"),
    "a method code": re.compile(r"\b(?:LEC|MATRIX|GIVEN|GB18218)-[A-Z0-9]+\b"),
    "a Python repr": re.compile(r"\{'[a-z_]+':|\[\('"),
    # The console's own English (navigation, buttons, states, rule names): data such as usernames, device
    # models and file types may be ASCII, the interface may not.
    "an English word of the interface": re.compile(
        r"\b(?:Home|Regions|Risk map|Hazards|Fire monitoring|Emergency|Supervision|Organisations|Evaluation|Audit|"
        r"Users|Submit|Cancel|Save|Delete|Loading|Search|Next|Previous|Login|Logout|Password|Status|Unknown|"
        r"pending|failed|sent|done|highest|weighted|mean|video|phone)\b"),
}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._unread = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in UNREAD:
            self._unread += 1
        self.parts.extend(value for name, value in attrs if name in SHOWN_ATTRIBUTES and value)

    def handle_endtag(self, tag: str) -> None:
        if tag in UNREAD and self._unread:
            self._unread -= 1

    def handle_data(self, data: str) -> None:
        if not self._unread and data.strip():
            self.parts.append(data.strip())


def readable_text(html: str) -> list[str]:
    """The pieces of ``html`` a reader sees, in order."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.parts


def problems(html: str, *, english: bool = False) -> list[str]:
    """Every division code and piece of developer text in what a reader of ``html`` sees; an English page
    (``english``) is allowed its English words, and must show no Chinese outside data (``untranslated``)."""
    found: list[str] = untranslated(html) if english else []
    for piece in readable_text(html):
        found += [f"division code {m.group()!r} in {piece[:80]!r}" for m in DIVISION_CODE.finditer(piece)]
        for what, pattern in DEVELOPER_TEXT.items():
            if english and what == "an English word of the interface":
                continue
            found += [f"{what} {m.group()!r} in {piece[:80]!r}" for m in pattern.finditer(piece)]
    return found


# Chinese characters (CJK unified ideographs): an English page shows them only inside data.
CJK = re.compile(r"[\u4e00-\u9fff]+")
# A page's <title> names its record (data) beside the site's words and cannot mark the two apart; its <h1>,
# which says the same, is read.
UNTITLED = frozenset({"title"})
# Elements without an end tag: they open no scope for ``lang``.
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})


class _LanguageReader(HTMLParser):
    """The readable pieces of a page with the language each is in: the nearest ``lang`` attribute."""

    def __init__(self, page_lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.langs = [page_lang]
        self.tags: list[str] = []
        self.pieces: list[tuple[str, str]] = []  # (lang, text)
        self._unread = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        lang = values.get("lang") or self.langs[-1]
        if tag not in VOID:
            self.tags.append(tag)
            self.langs.append(lang)
        if tag in UNREAD or tag in UNTITLED:
            self._unread += 1
        shown = SHOWN_ATTRIBUTES | ({"value"} if values.get("type") in ("submit", "button") else set())
        self.pieces += [(lang, value) for name, value in attrs if name in shown and value]

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if (tag in UNREAD or tag in UNTITLED) and self._unread:
            self._unread -= 1
        if tag in self.tags:  # an unclosed <li> or <p> closes with its parent, as a browser does
            while self.tags:
                self.langs.pop()
                if self.tags.pop() == tag:
                    break

    def handle_data(self, data: str) -> None:
        if not self._unread and data.strip():
            self.pieces.append((self.langs[-1], data.strip()))


def untranslated(html: str) -> list[str]:
    """The Chinese an English reader of ``html`` meets outside the elements marked as Chinese data
    (``lang="zh"``): each is a word the console forgot to translate."""
    match = re.search(r"<html[^>]*\blang=\"([^\"]+)\"", html)
    reader = _LanguageReader(match.group(1) if match else "")
    reader.feed(html)
    reader.close()
    return [f"Chinese {m.group()!r} in {text[:80]!r}" for lang, text in reader.pieces
            if not lang.startswith("zh") for m in CJK.finditer(text)]


def _routes(routes: list[Any], prefix: str = "") -> list[tuple[str, Any]]:
    # FastAPI keeps an included router as one entry (``_IncludedRouter``) holding the router's own routes.
    out: list[tuple[str, Any]] = []
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            out += _routes(included.routes, prefix + getattr(route.include_context, "prefix", ""))
        else:
            out.append((prefix + getattr(route, "path", ""), route))
    return out


def console_pages(app: Any) -> list[str]:
    """The paths of the console's GET pages (not the API, static files or docs), in route order."""
    from fastapi.routing import APIRoute

    out = []
    for path, route in _routes(app.routes):
        if not isinstance(route, APIRoute) or "GET" not in route.methods or route.include_in_schema:
            continue
        if path.startswith(("/api/", "/static", "/docs", "/redoc", "/openapi")):
            continue
        out.append(path)
    return out
