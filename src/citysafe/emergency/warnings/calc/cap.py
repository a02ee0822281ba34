"""The CAP 1.2 document of a warning message, written with lxml in the schema's strict element order.

OASIS CAP 1.2's ``alert`` and ``info`` are ``xs:sequence``s: an element out of place makes the message invalid
(Google's validator rejected ``<references>`` after ``<info>``, spec emergency.md §3.1). Times carry ``+08:00``
(the schema's ``sent`` pattern refuses ``Z``); the colour of 第六十三条 is a ``<parameter>`` beside the mapped
``<severity>``. Pure: the caller passes every value, the moment included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from lxml import etree

from citysafe.emergency.warnings.calc.identifier import BEIJING

NS: Final = "urn:oasis:names:tc:emergency:cap:1.2"
_Q = "{%s}%s"


def cap_time(at: datetime) -> str:
    """``YYYY-MM-DDThh:mm:ss+08:00`` (CAP 1.2 §3.3.2 pattern; GB/T 35965.1 takes Beijing time)."""
    if at.tzinfo is None:
        raise ValueError("CAP times must be timezone-aware")
    return at.astimezone(BEIJING).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Area:
    description: str
    polygons: tuple[str, ...] = ()
    geocodes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Info:
    categories: tuple[str, ...]
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str
    description: str
    instruction: str
    sender_name: str
    onset: datetime
    expires: datetime
    effective: datetime | None = None
    response_types: tuple[str, ...] = ()
    event_codes: tuple[tuple[str, str], ...] = ()
    parameters: tuple[tuple[str, str], ...] = ()
    areas: tuple[Area, ...] = ()
    web: str = ""
    contact: str = ""
    language: str = "zh-CN"


@dataclass(frozen=True)
class Reference:
    sender: str
    identifier: str
    sent: datetime

    def text(self) -> str:
        return f"{self.sender},{self.identifier},{cap_time(self.sent)}"


@dataclass(frozen=True)
class Alert:
    identifier: str
    sender: str
    sent: datetime
    status: str  # Actual | Exercise | System | Test | Draft
    msg_type: str  # Alert | Update | Cancel
    scope: str = "Public"
    source: str = ""
    note: str = ""
    references: tuple[Reference, ...] = ()
    incidents: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    info: tuple[Info, ...] = field(default_factory=tuple)


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _Q % (NS, name))
    if text is not None:
        element.text = text
    return element


def _pairs(parent: etree._Element, name: str, pairs: tuple[tuple[str, str], ...]) -> None:
    for value_name, value in pairs:
        holder = _sub(parent, name)
        _sub(holder, "valueName", value_name)
        _sub(holder, "value", value)


def _info(parent: etree._Element, info: Info) -> None:
    el = _sub(parent, "info")
    _sub(el, "language", info.language)
    for category in info.categories:
        _sub(el, "category", category)
    _sub(el, "event", info.event)
    for response in info.response_types:
        _sub(el, "responseType", response)
    _sub(el, "urgency", info.urgency)
    _sub(el, "severity", info.severity)
    _sub(el, "certainty", info.certainty)
    _pairs(el, "eventCode", info.event_codes)
    if info.effective is not None:
        _sub(el, "effective", cap_time(info.effective))
    _sub(el, "onset", cap_time(info.onset))
    _sub(el, "expires", cap_time(info.expires))
    _sub(el, "senderName", info.sender_name)
    _sub(el, "headline", info.headline)
    _sub(el, "description", info.description)
    _sub(el, "instruction", info.instruction)
    if info.web:
        _sub(el, "web", info.web)
    if info.contact:
        _sub(el, "contact", info.contact)
    _pairs(el, "parameter", info.parameters)
    for area in info.areas:
        area_el = _sub(el, "area")
        _sub(area_el, "areaDesc", area.description)
        for polygon in area.polygons:
            _sub(area_el, "polygon", polygon)
        _pairs(area_el, "geocode", area.geocodes)


def build(alert: Alert) -> etree._Element:
    """The ``<alert>`` element (unsigned)."""
    root = etree.Element(_Q % (NS, "alert"), nsmap={None: NS})
    _sub(root, "identifier", alert.identifier)
    _sub(root, "sender", alert.sender)
    _sub(root, "sent", cap_time(alert.sent))
    _sub(root, "status", alert.status)
    _sub(root, "msgType", alert.msg_type)
    if alert.source:
        _sub(root, "source", alert.source)
    _sub(root, "scope", alert.scope)
    for code in alert.codes:
        _sub(root, "code", code)
    if alert.note:
        _sub(root, "note", alert.note)
    if alert.references:
        _sub(root, "references", " ".join(r.text() for r in alert.references))
    if alert.incidents:
        _sub(root, "incidents", " ".join(alert.incidents))
    for info in alert.info:
        _info(root, info)
    return root


def to_bytes(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
