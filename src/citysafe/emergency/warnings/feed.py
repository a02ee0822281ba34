"""The public ATOM feed of active warnings for broadcasters and aggregators (RFC 4287), in the form Google
Public Alerts reads: one entry per active warning, linking its latest signed CAP message
(``application/cap+xml``); drills and tests never appear (drill_mode.sends_to_public)."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from citysafe.emergency.warnings.calc.cap import cap_time
from citysafe.emergency.warnings.calc.levels import LevelTable
from citysafe.emergency.warnings.models import EarlyWarning, WarningMessage

ATOM = "http://www.w3.org/2005/Atom"


def atom(items: list[tuple[EarlyWarning, WarningMessage]], *, base_url: str, now: datetime,
         table: LevelTable) -> bytes:
    root = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})

    def sub(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
        el = etree.SubElement(parent, f"{{{ATOM}}}{name}", **attrs)
        if text is not None:
            el.text = text
        return el

    feed_url = f"{base_url}/api/v1/public/warnings.atom"
    sub(root, "id", feed_url)
    sub(root, "title", "突发事件预警信息")
    sub(root, "updated", cap_time(max((m.sent_at for _, m in items), default=now)))
    sub(root, "link", rel="self", href=feed_url)
    author = sub(root, "author")
    sub(author, "name", "citysafe")
    for warning, message in items:
        lv = table.levels[warning.level]
        entry = sub(root, "entry")
        sub(entry, "id", f"urn:oid:{message.identifier}")
        sub(entry, "title", f"{lv.colour_zh}预警（{lv.name}）：{warning.headline}")
        sub(entry, "updated", cap_time(message.sent_at))
        sub(entry, "published", cap_time(warning.issued_at or message.sent_at))
        who = sub(entry, "author")
        sub(who, "name", warning.issuer)
        sub(entry, "summary", f"{warning.area_desc}：{warning.description}")
        sub(entry, "link", rel="alternate", type="application/cap+xml",
            href=f"{base_url}/api/v1/public/warnings/{message.identifier}.xml")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
