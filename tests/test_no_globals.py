"""DESIGN.md §3: no module keeps mutable state at module level (it hangs off the application context).

An AST scan of every module under src/citysafe. It fails on
- a ``global`` statement;
- a module-level lock (``threading.Lock()`` and the like): a lock at module level guards shared state;
- a module-level mutable container (``{}``, ``[]``, ``set()``, ``dict()``, ``defaultdict(…)``,
  ``deque(…)``, ``OrderedDict()``, comprehensions …) bound to a non-constant (lower-case) name;
- a module-level container bound to a CONSTANT name that the module mutates anywhere (item assignment,
  ``.append``/``.add``/``.update`` …): a registry filled at import or at run time (build it in a
  function and freeze it: a tuple, a frozenset, ``types.MappingProxyType``);
- a module-level object bound to a non-constant name by calling anything but a known stateless
  factory (a logger, a router, a Typer app …): a holder such as ``_current = _Current()``;
- an ``lru_cache``/``cache`` on a function taking settings, a session, an engine or a path: what it
  caches differs per application (a file named in the settings, rows of a database).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "citysafe"

MUTABLE_CALLS = {"dict", "list", "set", "bytearray", "defaultdict", "deque", "OrderedDict", "Counter",
                 "ChainMap", "WeakSet", "WeakValueDictionary", "WeakKeyDictionary"}
LOCK_CALLS = {"Lock", "RLock", "Condition", "Semaphore", "BoundedSemaphore", "Event", "Barrier"}
MUTATORS = {"append", "extend", "insert", "add", "update", "setdefault", "pop", "popitem", "clear", "remove",
            "discard", "appendleft", "extendleft", "popleft", "move_to_end", "__setitem__"}
# Calls whose result is configuration fixed at import, the same for every application.
STATELESS_FACTORIES = {"getLogger", "TypeVar", "APIRouter", "Typer", "compile", "OAuth2PasswordBearer",
                       "PasswordHasher", "Struct", "ZoneInfo", "Path", "Slot", "MappingProxyType", "frozenset",
                       "tuple"}
CACHED_FUNCTION_ARGUMENTS = ("Settings", "Session", "Engine", "Path", "sessionmaker")

# Each entry: (module path relative to src/citysafe, name) — with the reason. Keep this tiny.
# Empty: the 119 forwarder and the notifier, its last two entries, now live on the application context
# (firewatch/alarms/links.py's LINKS slot).
ALLOWED: dict[tuple[str, str], str] = {}


def _is_constant(name: str) -> bool:
    """UPPER_CASE constants, CapWords type aliases, dunders; not lower-case variables."""
    bare = name.lstrip("_")
    return bare[:1].isupper() or (name.startswith("__") and name.endswith("__"))


def _callee(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            return func.id
        if isinstance(func, ast.Attribute):
            return func.attr
    return None


def _is_mutable_container(value: ast.expr) -> bool:
    if isinstance(value, ast.Dict | ast.List | ast.Set | ast.DictComp | ast.ListComp | ast.SetComp):
        return True
    return _callee(value) in MUTABLE_CALLS


def _module_bindings(tree: ast.Module) -> Iterator[tuple[str, ast.expr, int]]:
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                yield target.id, value, node.lineno


def _mutated_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del) \
                and isinstance(node.value, ast.Name):
            names.add(node.value.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Subscript) \
                and isinstance(node.target.value, ast.Name):
            names.add(node.target.value.id)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in MUTATORS and isinstance(node.func.value, ast.Name):
            names.add(node.func.value.id)
    return names


def _cached_with_state(tree: ast.Module) -> Iterator[tuple[str, int]]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        decorators = {d.attr if isinstance(d, ast.Attribute) else getattr(d, "id", None)
                      for d in (dec.func if isinstance(dec, ast.Call) else dec for dec in node.decorator_list)}
        if not decorators & {"lru_cache", "cache"}:
            continue
        arguments = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
        if any(a.annotation is not None and any(t in ast.unparse(a.annotation) for t in CACHED_FUNCTION_ARGUMENTS)
               for a in arguments):
            yield node.name, node.lineno


def problems_in(source: str, module: str) -> list[str]:
    tree = ast.parse(source)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            found.append(f"{module}:{node.lineno}: global {', '.join(node.names)}")
    mutated = _mutated_names(tree)
    for name, value, line in _module_bindings(tree):
        if (module, name) in ALLOWED:
            continue
        where = f"{module}:{line}: {name}"
        callee = _callee(value)
        if callee in LOCK_CALLS:
            found.append(f"{where} is a module-level {callee}")
        elif _is_mutable_container(value):
            if not _is_constant(name):
                found.append(f"{where} is a mutable container at module level")
            elif name in mutated and name != "__all__":
                found.append(f"{where} is a module-level container the module mutates")
        elif callee is not None and not _is_constant(name) and callee not in STATELESS_FACTORIES:
            found.append(f"{where} = {callee}(…): an object at module level")
    for name, line in _cached_with_state(tree):
        found.append(f"{module}:{line}: {name} caches per process what depends on settings, a database or a file")
    return found


def test_no_module_keeps_mutable_state() -> None:
    found: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        module = path.relative_to(SRC).as_posix()
        found += problems_in(path.read_text(encoding="utf-8"), module)
    assert found == [], "module-level state (DESIGN.md §3; see tests/test_no_globals.py):\n" + "\n".join(found)


def test_the_allow_list_names_only_what_exists() -> None:
    for module, name in ALLOWED:
        tree = ast.parse((SRC / module).read_text(encoding="utf-8"))
        assert name in {n for n, _, _ in _module_bindings(tree)}, f"{module}: {name} is gone: drop it from ALLOWED"


def test_the_scan_catches_each_kind_of_module_state() -> None:
    bad = {
        "global": "x = None\ndef f():\n    global x\n    x = 1\n",
        "lock": "import threading\n_LOCK = threading.Lock()\n",
        "cache dict": "_cache: dict[str, int] = {}\n",
        "bus": "class EventBus: ...\nbus = EventBus()\n",
        "registry filled by a decorator": "_TYPES = {}\ndef register(cls):\n    _TYPES[cls.name] = cls\n",
        "set of hubs": "_HUBS = set()\ndef start(hub):\n    _HUBS.add(hub)\n",
        "deque": "from collections import deque\npending = deque()\n",
        "cached settings": "from functools import lru_cache\n@lru_cache\ndef get(settings: Settings) -> int: ...\n",
    }
    for what, source in bad.items():
        assert problems_in(source, "example.py"), what
    fine = ("LEVELS = {'a': 1}\ndef f():\n    return LEVELS['a']\n"
            "__all__ = ['f']\nlog = logging.getLogger(__name__)\nrouter = APIRouter()\n"
            "from functools import lru_cache\n@lru_cache\ndef table(name: str) -> int: ...\n")
    assert problems_in(fine, "example.py") == []
