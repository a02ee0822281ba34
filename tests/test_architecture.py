"""DESIGN.md §3: a domain may use another domain only through its public modules; so does the demo city.

import-linter (run by `make test`) checks the layers; this checks the other half of the rule, which
import-linter cannot express without one contract per pair of domains.
"""

from __future__ import annotations

import grimp

DOMAINS = {"core", "regions", "auth", "orgs", "risk", "hazards", "firewatch", "emergency", "evaluation",
           "public", "knowledge"}
PUBLIC_MODULES = {"service", "schemas", "events", "enums", "deps"}


def _domain_and_module(name: str) -> tuple[str, str] | None:
    parts = name.split(".")
    if len(parts) < 2 or parts[1] not in DOMAINS:
        return None
    # Any part after the domain may name the public module: sub-domains (hazards.tickets.service) and
    # service packages (risk.service.maps) count as public.
    public = next((p for p in parts[2:] if p in PUBLIC_MODULES), parts[-1] if len(parts) > 2 else "")
    return parts[1], public


# Composition packages that must use the domains as another domain would: only their public modules.
# ``citysafe.demo`` builds the demo city through the domains' services (DESIGN.md §2).
PUBLIC_ONLY_COMPOSITION = {"demo"}


def test_domains_use_each_other_only_through_public_modules() -> None:
    graph = grimp.build_graph("citysafe")
    offending = []
    for importer in graph.modules:
        parts = importer.split(".")
        if len(parts) >= 2 and parts[1] in PUBLIC_ONLY_COMPOSITION:
            source: tuple[str, str] | None = (parts[1], "")
        else:
            source = _domain_and_module(importer)
        if source is None or source[0] == "core":
            continue
        for imported in graph.find_modules_directly_imported_by(importer):
            target = _domain_and_module(imported)
            if target is None or target[0] in {source[0], "core"}:
                continue
            if target[1] not in PUBLIC_MODULES:
                offending.append(f"{importer} -> {imported}")
    assert offending == [], "reach into another domain's internals:\n" + "\n".join(sorted(offending))


# Packages whose modules must not import each other in a cycle: the whole application.
ACYCLIC_SCOPE = ("citysafe",)


def _in_scope(module: str) -> bool:
    return any(module == root or module.startswith(root + ".") for root in ACYCLIC_SCOPE)


def test_no_import_cycles() -> None:
    """No module imports, directly or through others, a module that imports it (function-level and
    TYPE_CHECKING imports count: grimp sees them, so they cannot hide a cycle either)."""
    graph = grimp.build_graph("citysafe")
    offending = sorted(
        f"{importer} -> {imported}"
        for importer in graph.modules
        if _in_scope(importer)
        for imported in graph.find_modules_directly_imported_by(importer)
        if _in_scope(imported) and graph.chain_exists(importer=imported, imported=importer)
    )
    assert offending == [], "imports that close a cycle:\n" + "\n".join(offending)
