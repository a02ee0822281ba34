"""Nothing the console shows is left untranslated (issue #11, point 8).

Three checks that fail on the day a word is added without its English:

1. every Chinese word a template shows is marked (Jinja's lexer: a text token or a string constant with Chinese
   outside ``_()`` / ``{% trans %}`` is an error), and so is every Chinese string of the console's Python (AST:
   inside ``_()`` / ``gettext()`` / ``N_()``, or one half of an English-and-Chinese pair);
2. the English catalogue is complete: every msgid Babel extracts (babel.cfg) has a non-empty, non-fuzzy English
   with the same placeholders, and the catalogue keeps no msgid that is no longer extracted;
3. (tests/web/test_console_words.py) every page of the demo city, read in English, shows no Chinese outside the
   elements that hold data (``lang="zh"``), and read in Chinese shows no English words of the interface.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from jinja2 import Environment

from citysafe.web import i18n

WEB = Path(i18n.__file__).parent
ROOT = WEB.parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")
# Chinese punctuation belongs to a sentence: outside a message it shows in English pages as （ ）：, so a template
# must keep it inside the message it punctuates.
CHINESE_PUNCTUATION = re.compile(r"[（）：；，。、]")
GETTEXT = frozenset({"_", "gettext", "ngettext", "N_"})

# Chinese a template may show unmarked, with the reason: each is data the console reads, not a word of its own.
TEMPLATE_DATA = {
    ("risk/source.html", "氯=25;氨=40"): "an example of the substance names GB 18218's table (and the parser) uses",
    ("base.html", "中文"): "the language switch names each language in itself",
}
# Chinese string literals of web/*.py that are not words of the interface, with the reason.
PYTHON_DATA = {("i18n.py", "中文"): "the language switch names each language in itself",
               ("enforcement.py", "元"): "the unit people type after an amount (5000元), parsed away"}
# Calls whose Chinese argument travels with its English one (a bilingual error): position of the Chinese.
BILINGUAL_CALLS = {"field_error": 2, "not_found": 1}


def _templates() -> list[Path]:
    return sorted((WEB / "templates").rglob("*.html"))


def unmarked_template_words(source: str) -> list[tuple[int, str]]:
    """(line, text) of each Chinese text or string constant of ``source`` outside a translation call or block."""
    env = Environment(extensions=["jinja2.ext.i18n"])  # noqa: S701 (lexing only, nothing is rendered)
    found = []
    in_trans = False
    recent: list[tuple[str, str]] = []  # the last tokens inside a tag: ``_ (`` before a string marks it
    for line, kind, value in env.lex(source):
        if kind == "whitespace":
            continue
        if kind in ("block_begin", "variable_begin"):
            recent = []
        if kind == "name" and recent and recent[-1][0] == "block_begin":
            in_trans = value in ("trans", "pluralize") or (in_trans and value != "endtrans")
        if kind == "data" and not in_trans and (CJK.search(value) or CHINESE_PUNCTUATION.search(value)):
            found.append((line, value.strip()))
        if kind == "string" and CJK.search(value):
            marked = len(recent) >= 2 and recent[-1] == ("operator", "(") and recent[-2][0] == "name" \
                and recent[-2][1] in GETTEXT
            if not marked:
                found.append((line, value.strip("'\"")))
        recent.append((kind, value))
    return found


def test_every_word_a_template_shows_is_marked_for_translation() -> None:
    found = []
    for path in _templates():
        name = path.relative_to(WEB / "templates").as_posix()
        for line, text in unmarked_template_words(path.read_text(encoding="utf-8")):
            pieces = [p for p in re.split(r"[<>]", text) if CJK.search(p)]
            if all(any(d in p for (t, d) in TEMPLATE_DATA if t == name) for p in pieces):
                continue
            found.append(f"{name}:{line}: {text[:80]!r}")
    assert found == [], "wrap these in {{ _(\"…\") }} or {% trans %}:\n" + "\n".join(found)


def _called(node: ast.AST) -> str:
    func = node.func if isinstance(node, ast.Call) else None
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def unmarked_python_words(source: str) -> list[tuple[int, str]]:
    """(line, text) of each Chinese string literal of ``source`` that is neither marked nor a docstring nor the
    Chinese half of a bilingual error."""
    tree = ast.parse(source)
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                allowed.add(id(first.value))
        if isinstance(node, ast.Call):
            name = _called(node)
            if name in GETTEXT and node.args:
                allowed.add(id(node.args[0]))
            if name in ("ngettext",) and len(node.args) > 1:
                allowed.add(id(node.args[1]))
            if name in BILINGUAL_CALLS and len(node.args) > BILINGUAL_CALLS[name]:
                chinese = node.args[BILINGUAL_CALLS[name]]
                allowed.add(id(chinese))
            allowed.update(id(k.value) for k in node.keywords if k.arg and k.arg.endswith("_zh"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and id(node) in allowed:  # the Chinese of a bilingual error
            allowed.update(id(v) for v in node.values)
        elif isinstance(node, ast.JoinedStr) and any(
                isinstance(v, ast.Constant) and CJK.search(str(v.value)) for v in node.values):
            found.append((node.lineno, "an f-string: " + ast.unparse(node)[:60]))
            allowed.update(id(v) for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and CJK.search(node.value) \
                and id(node) not in allowed:
            found.append((node.lineno, node.value))
    return found


def test_every_chinese_string_of_the_console_code_is_marked() -> None:
    found = []
    for path in sorted(WEB.glob("*.py")):
        for line, text in unmarked_python_words(path.read_text(encoding="utf-8")):
            if (path.name, text) not in PYTHON_DATA:
                found.append(f"{path.name}:{line}: {text[:80]!r}")
    assert found == [], "mark these with _() / N_() (translator(request).gettext):\n" + "\n".join(found)


def unmarked_script_words(source: str) -> list[tuple[int, str]]:
    """(line, text) of Chinese in a script outside ``gettext("…")`` and comments."""
    found = []
    for number, line in enumerate(source.splitlines(), start=1):
        code = re.sub(r'\bgettext\(\s*"(?:[^"\\]|\\.)*"', "", line)
        code = re.sub(r"(^|\s)//.*$", "", code)
        if CJK.search(code) and not code.lstrip().startswith(("*", "/*")):
            found.append((number, line.strip()))
    return found


def test_every_word_a_script_shows_is_marked() -> None:
    found = [f"{path.name}:{line}: {text[:90]!r}" for path in sorted((WEB / "static" / "js").glob("*.js"))
             for line, text in unmarked_script_words(path.read_text(encoding="utf-8"))]
    assert found == [], 'wrap these in gettext("…") (window.gettext, web/i18n.py):\n' + "\n".join(found)


def test_the_checks_catch_what_they_look_for() -> None:
    template = ('<p title="说明">{{ _("已标记") }}{% trans n=1 %}共 {{ n }} 条{% endtrans %}未标记</p>'
                "{{ '常量' if x }}{{ gettext('标记') }}")
    assert [text for _line, text in unmarked_template_words(template)] == ['<p title="说明">', "未标记</p>", "常量"]
    code = ('"""文档。"""\nA = _("标记")\nB = "未标记"\nC = f"共 {n} 条"\nD = field_error("x", "bad", "中文")\n'
            'E = Problem(detail_zh="中文")\n')
    assert [text for _line, text in unmarked_python_words(code)] == ["未标记", "an f-string: f'共 {n} 条'"]
    script = 'a = gettext("标记"); // 注释\nb = `<p>未标记</p>`;\nc = gettext("共 %(n)s 条", { n });'
    assert [text for _line, text in unmarked_script_words(script)] == ["b = `<p>未标记</p>`;"]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What babel.cfg extracts today (the same command as ``make messages``)."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-o", str(pot),
                                "--no-wrap", str(ROOT / "src" / "citysafe")])
    return pot


def test_the_english_catalogue_translates_every_extracted_message_and_nothing_else(extracted: Path) -> None:
    with extracted.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with (i18n.LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f, locale="en")
    have = {m.id: m for m in catalogue if m.id}
    missing = sorted(str(m) for m in wanted - have.keys())
    untranslated = sorted(str(k) for k, m in have.items()
                          if k in wanted and (m.fuzzy or not (all(m.string) if isinstance(m.string, tuple)
                                                             else m.string)))
    obsolete = sorted(str(k) for k in have.keys() - wanted) + [str(m.id) for m in catalogue.obsolete.values()]
    assert (missing, untranslated, obsolete) == ([], [], []), (
        "run `make messages` and give each new msgid its English in web/locale/en/LC_MESSAGES/messages.po\n"
        f"missing: {missing}\nuntranslated: {untranslated}\nobsolete: {obsolete}")
    wrong = [f"{message.id!r}: {'; '.join(map(str, errors))}" for message, errors in catalogue.check()]
    assert wrong == [], "placeholders differ between Chinese and English:\n" + "\n".join(wrong)


def test_the_english_is_english() -> None:
    # A msgstr with Chinese in it was pasted, not translated (the switch's 中文 is no msgid).
    with (i18n.LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f, locale="en")
    chinese = [str(m.id) for m in catalogue if m.id and CJK.search(str(m.string))]
    assert chinese == []


def test_the_menu_names_agree_with_the_catalogue() -> None:
    # NavItem keeps its English for other uses (the API's menu); the page shows the catalogue's.
    from citysafe.web.common import FIELD_MENUS, NAVIGATION

    english = i18n.compile_catalogues().translator("en")
    items = [*NAVIGATION, *(item for menu in FIELD_MENUS.values() for item in menu)]
    assert [(i.zh, english.gettext(i.zh)) for i in items] == [(i.zh, i.en) for i in items]
