"""GeoReport v2 documents in JSON and XML, with the standard's element names, and its error array."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from lxml import etree

from citysafe.core.errors import CitysafeError

JSON = "application/json"
XML = "text/xml"
MEDIA_TYPES = {"json": JSON, "xml": XML}
# The collections' element names: the root and the name of each item in it.
ROOTS = {"services": ("services", "service"), "service_requests": ("service_requests", "request"),
         "errors": ("errors", "error")}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(parent: etree._Element, data: Mapping[str, Any]) -> None:
    for key, value in data.items():
        child = etree.SubElement(parent, key)
        if isinstance(value, Mapping):
            _fill(child, value)
        elif isinstance(value, list):
            # The standard's lists: endpoints/endpoint, formats/format, attributes/attribute, values/value.
            item = key[:-1] if key.endswith("s") else key
            for entry in value:
                sub = etree.SubElement(child, item)
                if isinstance(entry, Mapping):
                    _fill(sub, entry)
                else:
                    sub.text = _text(entry)
        else:
            child.text = _text(value)


def _xml(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def collection(kind: str, items: Sequence[Mapping[str, Any]], fmt: str) -> bytes:
    """A list of services, service requests or errors: a JSON array, or the standard's XML collection."""
    if fmt == "json":
        return json.dumps(list(items), ensure_ascii=False).encode()
    root_name, item_name = ROOTS[kind]
    root = etree.Element(root_name)
    for item in items:
        _fill(etree.SubElement(root, item_name), item)
    return _xml(root)


def document(root_name: str, data: Mapping[str, Any], fmt: str) -> bytes:
    """One document (discovery, a service definition): a JSON object, or XML under ``root_name``."""
    if fmt == "json":
        return json.dumps(dict(data), ensure_ascii=False).encode()
    root = etree.Element(root_name)
    _fill(root, data)
    return _xml(root)


def status_of(exc: CitysafeError) -> int:
    """The HTTP status of a problem (a field the client got wrong answers 400, as the standard's examples do)."""
    return 400 if exc.status == 422 else exc.status


def errors(exc: CitysafeError, fmt: str) -> bytes:
    """The standard's error array: ``code`` (the HTTP status) and ``description`` (English, then Chinese)."""
    text = exc.detail or exc.title
    zh = exc.detail_zh if exc.detail_zh and exc.detail_zh != text else ""
    description = f"{text} / {zh}" if zh else text
    return collection("errors", [{"code": status_of(exc), "description": description}], fmt)
