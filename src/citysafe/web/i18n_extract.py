"""A Babel extractor for the domains' vocabularies: the Chinese names of enums and codes the console shows.

A domain keeps its words in Chinese (``LEVEL_NAMES_ZH``, a method's ``name_zh``) and may not import ``web``, so it
cannot mark them with ``_()``. babel.cfg points this extractor at those files: every Chinese string that is a
value of a ``*_ZH`` / ``*NAMES*`` table or a ``name_zh=`` argument becomes a msgid, and the console shows it with
``translator.name(value)`` or ``{{ value|tr }}``.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from typing import IO, Any

_CJK = re.compile(r"[\u4e00-\u9fff]")
_TABLE = re.compile(r"(?:_ZH\b|_ZH_|NAMES)", re.IGNORECASE)
_NAME_ARGUMENTS = frozenset({"name_zh", "label_zh", "title_zh", "header"})


def _strings(node: ast.AST) -> Iterator[ast.Constant]:
    """The Chinese string constants under ``node``, not the pieces of an f-string (no msgid on their own)."""
    pieces = {id(v) for n in ast.walk(node) if isinstance(n, ast.JoinedStr) for v in n.values}
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str) and _CJK.search(child.value) \
                and id(child) not in pieces:
            yield child


def _table_values(node: ast.AST) -> Iterator[ast.Constant]:
    if isinstance(node, ast.Dict):
        for value in node.values:
            yield from _strings(value)
    elif isinstance(node, ast.Call):  # MappingProxyType({...}), dict(...)
        for arg in node.args:
            yield from _table_values(arg)


def _targets(node: ast.Assign | ast.AnnAssign) -> list[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return [t.id for t in targets if isinstance(t, ast.Name)]


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def vocabulary(source: str, *, every_string: bool = False,
               tables: frozenset[str] = frozenset()) -> Iterator[tuple[int, str]]:
    """(line, Chinese name) of every name the module's tables and ``name_zh=`` arguments hold; with
    ``every_string`` (a file of names only) every Chinese string but docstrings; ``tables`` names more
    module-level constants whose every Chinese string is a name (rows of dataclasses, tuples), and then only
    those are read (a protocol's tables hold more names than the console shows)."""
    tree = ast.parse(source)
    if every_string:
        skip = _docstrings(tree)
        yield from ((c.lineno, str(c.value)) for c in _strings(tree) if id(c) not in skip)
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None \
                and set(_targets(node)) & tables:
            for constant in _strings(node.value):
                yield constant.lineno, str(constant.value)
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None and not tables \
                and any(_TABLE.search(name) for name in _targets(node)):
            for constant in _table_values(node.value):
                yield constant.lineno, str(constant.value)
        elif isinstance(node, ast.Call) and not tables:
            for keyword in node.keywords:
                if keyword.arg in _NAME_ARGUMENTS:
                    for constant in _strings(keyword.value):
                        yield constant.lineno, str(constant.value)


def extract_vocabulary(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
                       options: Any) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel's extraction method signature: (line, funcname, message, comments)."""
    every = str((options or {}).get("every_string", "")).lower() in ("1", "true", "yes")
    tables = frozenset(t.strip() for t in str((options or {}).get("tables", "")).split(",") if t.strip())
    for line, text in vocabulary(fileobj.read().decode("utf-8"), every_string=every, tables=tables):
        yield line, "", text, []


def _json_strings(value: Any, keys: frozenset[str], wanted: bool) -> Iterator[str]:
    """The Chinese strings under ``keys`` (anywhere below them), or all of them when no keys are named."""
    if isinstance(value, str):
        if wanted and _CJK.search(value):
            yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _json_strings(item, keys, wanted or key in keys)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item, keys, wanted)


def extract_json_names(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
                       options: Any) -> Iterator[tuple[int, str, str, list[str]]]:
    """A domain's rules as data (permit types, grades, approvers): every Chinese string in the file, or only those
    under the ``keys`` option (the names a page shows, not the notes the document quotes)."""
    keys = frozenset(k.strip() for k in str((options or {}).get("keys", "")).split(",") if k.strip())
    for text in dict.fromkeys(_json_strings(json.loads(fileobj.read().decode("utf-8")), keys, not keys)):
        yield 0, "", text, []


# A script's marked words: gettext("…") with a double-quoted literal, the one form the console's scripts use
# (Babel's own JavaScript lexer loses its place in nested template literals).
_SCRIPT_CALL = re.compile(r'\bgettext\(\s*"((?:[^"\\\n]|\\.)*)"')


def script_messages(source: str) -> Iterator[tuple[int, str]]:
    for match in _SCRIPT_CALL.finditer(source):
        text = json.loads(f'"{match.group(1)}"')
        yield source.count("\n", 0, match.start()) + 1, text


def extract_scripts(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
                    options: Any) -> Iterator[tuple[int, str, str, list[str]]]:
    for line, text in script_messages(fileobj.read().decode("utf-8")):
        yield line, "gettext", text, []
