"""The console in two languages: Chinese (the source language and the default) and English.

Words are written in Chinese and marked where they are written: ``{{ _("隐患排查") }}`` / ``{% trans %}`` in
templates, ``_("…")`` with ``_ = translator(request).gettext`` in handlers, ``N_("…")`` for a constant that is
translated where it is shown (a menu entry, an advice text), and ``gettext("…")`` in the JavaScript files. The
Chinese text is the msgid; ``locale/en/LC_MESSAGES/messages.po`` gives its English. The catalogues are compiled
from the .po files with Babel when an application first needs them (no stale .mo can be committed) and kept on
the application's context.

A request's language: ``?lang=`` (then remembered in a cookie by ``render``), else that cookie, else the
browser's Accept-Language (Babel's negotiation), else Chinese. Templates reach the request's catalogue through
the ``request`` every template is rendered with: the ``_``/``gettext``/``ngettext`` globals of the shared Jinja
environment are functions of the render's context, so nothing is installed per request on the shared
environment and two requests in two languages never see each other's words.
"""

from __future__ import annotations

import gettext as gettext_module
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from babel import Locale, negotiate_locale
from babel.dates import format_date, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from fastapi import APIRouter, Request
from fastapi.responses import Response
from jinja2 import pass_context
from jinja2.runtime import Context as JinjaContext
from markupsafe import Markup

from citysafe.auth.deps import app_context
from citysafe.core.context import Slot

LANGUAGES: Final = ("zh", "en")
DEFAULT_LANGUAGE: Final = "zh"
LANG_COOKIE: Final = "citysafe_lang"
LANG_COOKIE_MAX_AGE: Final = 365 * 24 * 3600
LOCALE_DIR: Final = Path(__file__).parent / "locale"
# What <html lang> says and what Babel formats dates and numbers with, per language.
HTML_LANG: Final = {"zh": "zh-CN", "en": "en"}
BABEL_LOCALE: Final = {"zh": "zh_Hans_CN", "en": "en_GB"}
# The language a switch offers, named in that language (so a reader finds their own).
SWITCH_NAMES: Final = {"zh": "中文", "en": "English"}


def N_(message: str) -> str:  # noqa: N802 (the name gettext tools know)
    """Marks ``message`` for the catalogue where it is written; it is translated where it is shown."""
    return message


@dataclass(frozen=True)
class Translator:
    """One language's words: ``gettext`` for a marked message, ``name`` for a value that is itself a msgid
    (an enum's Chinese name kept in a domain), both leaving what the catalogue lacks as it is."""

    lang: str
    translations: gettext_module.NullTranslations = field(default_factory=gettext_module.NullTranslations)

    def gettext(self, message: str, /, **values: Any) -> str:
        said = self.translations.gettext(message)
        return said % values if values else said

    def ngettext(self, singular: str, plural: str, count: int, /, **values: Any) -> str:
        return self.translations.ngettext(singular, plural, count) % {"num": count, **values}

    def name(self, value: str | None) -> str:
        """A Chinese name from data that has an English word (an enum's name), translated; "" for None."""
        return self.translations.gettext(value) if value else ""

    def names(self, values: Mapping[Any, str]) -> dict[Any, str]:
        return {key: self.name(value) for key, value in values.items()}

    @property
    def is_source(self) -> bool:
        return self.lang == DEFAULT_LANGUAGE

    def date(self, day: Any) -> str:
        """A calendar day as the language writes it: 2026年12月6日 / 6 December 2026."""
        return format_date(day, format="long", locale=BABEL_LOCALE[self.lang])

    def month(self, day: Any) -> str:
        """A month as the language writes it: 2026年3月 / March 2026."""
        return str(format_skeleton("yMMMM", day, locale=BABEL_LOCALE[self.lang]))

    def number(self, value: float) -> str:
        return format_decimal(value, locale=BABEL_LOCALE[self.lang])


@dataclass(frozen=True)
class Catalogues:
    """The compiled catalogues of one application, and the part of each its JavaScript needs."""

    translators: Mapping[str, Translator]
    scripts: Mapping[str, str]  # lang → the body of /i18n/messages.js
    version: str  # changes with the catalogues, so a browser never keeps an old script catalogue

    def translator(self, lang: str) -> Translator:
        return self.translators.get(lang) or self.translators[DEFAULT_LANGUAGE]


_SCRIPT = """// The console's words for its scripts ({lang}); generated from the message catalogue (web/i18n.py).
(function () {{
  var messages = {messages};
  window.gettext = function (message, values) {{
    var known = Object.prototype.hasOwnProperty.call(messages, message) && messages[message];
    var said = known ? messages[message] : message;
    return values ? said.replace(/%\\((\\w+)\\)s/g, function (_m, key) {{ return String(values[key]); }}) : said;
  }};
  window.consoleLanguage = {lang_json};
}})();
"""


def _for_scripts(path: str) -> bool:
    """A message the scripts need: written in one, or a domain's name (scripts show enum names from the API)."""
    return path.endswith(".js") or "/web/" not in path


def compile_catalogues(locale_dir: Path = LOCALE_DIR) -> Catalogues:
    """Each language's .po compiled with Babel (fuzzy entries left out, as msgfmt does)."""
    translators: dict[str, Translator] = {DEFAULT_LANGUAGE: Translator(DEFAULT_LANGUAGE)}
    script_messages: dict[str, dict[str, str]] = {DEFAULT_LANGUAGE: {}}
    digest = sha256()
    for lang in LANGUAGES:
        po = locale_dir / lang / "LC_MESSAGES" / "messages.po"
        if lang == DEFAULT_LANGUAGE or not po.exists():
            continue
        raw = po.read_bytes()
        digest.update(raw)
        catalog = read_po(io.BytesIO(raw), locale=lang)
        compiled = io.BytesIO()
        write_mo(compiled, catalog)
        compiled.seek(0)
        translators[lang] = Translator(lang, Translations(compiled, domain="messages"))
        script_messages[lang] = {
            str(m.id): str(m.string) for m in catalog
            if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
            and any(_for_scripts(path) for path, _line in m.locations)}
    scripts = {lang: _SCRIPT.format(lang=lang, lang_json=json.dumps(lang),
                                    messages=json.dumps(script_messages.get(lang, {}), ensure_ascii=False))
               for lang in LANGUAGES}
    return Catalogues(translators=translators, scripts=scripts, version=digest.hexdigest()[:12])


CATALOGUES: Final = Slot("web.catalogues", lambda _ctx: compile_catalogues())


def _accepted(header: str) -> list[str]:
    """Accept-Language's tags, most wanted first ("en-US,en;q=0.9,zh;q=0.8" → en-US, en, zh)."""
    ranked = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, position, tag.strip()))
    return [tag for _q, _p, tag in sorted(ranked)]


def negotiate(request: Request) -> str:
    """The request's language (see the module docstring)."""
    asked = request.query_params.get("lang", "")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(LANG_COOKIE, "")
    if remembered in LANGUAGES:
        return remembered
    found = negotiate_locale([t.replace("_", "-") for t in _accepted(request.headers.get("accept-language", ""))],
                             list(LANGUAGES), sep="-")
    if found:
        return str(Locale.parse(found, sep="-").language)
    return DEFAULT_LANGUAGE


def language(request: Request) -> str:
    known = getattr(request.state, "lang", None)
    if isinstance(known, str):
        return known
    lang = negotiate(request)
    request.state.lang = lang
    return lang


def translator(request: Request) -> Translator:
    """The request's words: ``_ = translator(request).gettext``. Kept on the request: a page asks for it once
    per word it draws (hundreds on a busy duty desk)."""
    known = getattr(request.state, "translator", None)
    if isinstance(known, Translator):
        return known
    made = CATALOGUES.get(app_context(request)).translator(language(request))
    request.state.translator = made
    return made


def remember_choice(request: Request, response: Response) -> None:
    """A ``?lang=`` choice is kept in a cookie, so every later page (and the next login) speaks it."""
    asked = request.query_params.get("lang", "")
    if asked in LANGUAGES and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(LANG_COOKIE, asked, max_age=LANG_COOKIE_MAX_AGE, samesite="lax", httponly=True,
                            secure=request.url.scheme == "https")


def switch_links(request: Request) -> list[tuple[str, str, str, bool]]:
    """The header's 中文 / English: (lang, its name, this page in it, chosen), keeping the page's query."""
    current = language(request)
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in ("lang", "ok", "error")]
    links = []
    for lang in LANGUAGES:
        links.append((lang, SWITCH_NAMES[lang], f"{request.url.path}?{urlencode([*query, ('lang', lang)])}",
                      lang == current))
    return links


def _request_of(context: JinjaContext) -> Request | None:
    request = context.get("request")
    return request if isinstance(request, Request) else None


def context_translator(context: JinjaContext) -> Translator:
    request = _request_of(context)
    return translator(request) if request is not None else Translator(DEFAULT_LANGUAGE)


def _escaped(context: JinjaContext, said: str, values: dict[str, Any]) -> str:
    # As jinja2.ext's newstyle gettext: the message is a format string, its values escaped when autoescaping.
    if context.eval_ctx.autoescape:
        return Markup(said) % values  # noqa: S704 (a catalogue message is trusted markup, as in jinja2.ext)
    return said % values


@pass_context
def template_gettext(context: JinjaContext, message: str, /, **values: Any) -> str:
    return _escaped(context, context_translator(context).translations.gettext(message), values)


@pass_context
def template_ngettext(context: JinjaContext, singular: str, plural: str, num: int, /, **values: Any) -> str:
    values.setdefault("num", num)
    return _escaped(context, context_translator(context).translations.ngettext(singular, plural, num), values)


_CJK: Final = re.compile(r"[\u4e00-\u9fff]")


@pass_context
def template_name(context: JinjaContext, value: Any) -> Any:
    """``{{ t.level_name|tr }}``: a value in the reader's language where the catalogue has it (an enum's Chinese
    name), else as it is — and then, when it is Chinese on a page in another language, marked as the Chinese data
    it is (``<span lang="zh">``). Not text (a number, markup from a macro): as it is."""
    if not isinstance(value, str) or isinstance(value, Markup) or not value:
        return value
    t = context_translator(context)
    said = t.name(value)
    return as_data(said) if not t.is_source and _CJK.search(said) else said


@pass_context
def lang_of(context: JinjaContext, value: Any) -> Markup:
    """``<option {{ name|lang_of }}>{{ name|tr_text }}</option>``: where an element holds only a value, the value's
    language goes on the element (an option cannot hold a span)."""
    t = context_translator(context)
    shown = t.name(value) if isinstance(value, str) else ""
    return Markup(' lang="zh"') if not t.is_source and _CJK.search(shown) else Markup("")


@pass_context
def template_name_text(context: JinjaContext, value: Any) -> Any:
    """As ``|tr`` without the span: for an element that is marked with ``|lang_of``."""
    return context_translator(context).name(value) if isinstance(value, str) and value else value


@pass_context
def template_date(context: JinjaContext, day: Any) -> str:
    return context_translator(context).date(day)


@pass_context
def template_number(context: JinjaContext, value: float) -> str:
    return context_translator(context).number(value)


def as_data(value: object) -> Markup:
    """``{{ value|zh }}``: data (a name, an address, a user's words) is not translated; it is marked as the
    Chinese it is, so a reader's tools (and the tests) know it from the page's own words. Usable as a
    {% trans %} value: the message stays one sentence with the data in its place."""
    return Markup('<span lang="zh">%s</span>') % ("" if value is None else value)


def install_template_i18n(env: Any) -> None:
    """The shared environment's translation functions: each reads the catalogue of the request it renders."""
    env.add_extension("jinja2.ext.i18n")
    env.newstyle_gettext = True  # {% trans %} passes its values to gettext, which formats and escapes them
    env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext)
    env.filters.update(tr=template_name, tr_text=template_name_text, lang_of=lang_of, zh=as_data,
                       local_date=template_date, number=template_number)
    env.policies["ext.i18n.trimmed"] = True  # a {% trans %} block's line breaks are layout, not part of the msgid


router = APIRouter(include_in_schema=False)


@router.get("/i18n/messages.js")
def script_catalogue(request: Request, lang: str = DEFAULT_LANGUAGE) -> Response:
    """The words of the console's scripts in ``lang``: ``window.gettext`` (a script file: the CSP forbids inline
    script). Its URL carries the catalogues' version, so it may be cached for long."""
    catalogues = CATALOGUES.get(app_context(request))
    body = catalogues.scripts.get(lang, catalogues.scripts[DEFAULT_LANGUAGE])
    return Response(body, media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=31536000, immutable"})


def script_url(request: Request) -> str:
    return f"/i18n/messages.js?lang={language(request)}&v={CATALOGUES.get(app_context(request)).version}"
