"""An incident's one timeline: append (chained by calc/chain.py), read in time order, verify, export.

Appending locks the incident's row first (``FOR UPDATE`` on PostgreSQL; SQLite's writers are serialised
by BEGIN IMMEDIATE already), so two appends at once never read the same previous hash.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.core.clock import format_local
from citysafe.core.events import publish
from citysafe.emergency import drill_mode
from citysafe.emergency.calc import chain
from citysafe.emergency.events import TimelineAppended
from citysafe.emergency.models import Incident, TimelineEntry

KIND_NAMES_ZH: dict[str, str] = {
    "opened": "接报立案", "transition": "状态变更", "graded": "定级", "regraded": "等级调整",
    "casualties": "伤亡补报", "response_level": "响应级别", "note": "记录", "correction": "更正",
    "drill_closed": "演练结束",
    "report_initial": "首报", "report_follow_up": "续报", "report_final": "终报", "report_supplementary": "补报",
    "activation": "启动预案", "command": "指挥部", "task": "任务", "decision": "指挥决策", "attachment": "附件",
    "dispatch": "调派", "warning": "预警", "mutual_aid": "区域协同",
}


def append(session: Session, *, incident: Incident, kind: str, text: str, actor: str, actor_id: int | None,
           at: datetime, payload: dict[str, Any] | None = None) -> TimelineEntry:
    session.flush()  # the incident has its id
    text = drill_mode.marked(text, incident)  # a drill's every entry says 【演练】 (drill_mode.py)
    session.execute(select(Incident.id).where(Incident.id == incident.id).with_for_update())
    session.refresh(incident, ["timeline_length", "timeline_head"])
    seq = incident.timeline_length + 1
    clean = json.loads(json.dumps(payload or {}, ensure_ascii=False, default=str))
    content = {"incident_id": incident.id, "seq": seq, "kind": kind, "text": text, "actor": actor, "at": at,
               "payload": clean}
    digest = chain.link(content, incident.timeline_head)
    entry = TimelineEntry(incident_id=incident.id, region_code=incident.region_code, seq=seq, kind=kind, text=text,
                          actor=actor, actor_id=actor_id, at=at, payload=clean, prev_hash=incident.timeline_head,
                          hash=digest)
    session.add(entry)
    incident.timeline_length, incident.timeline_head = seq, digest
    session.flush()
    # After the commit every open incident room shows it (command/live.py); rolled back, nobody hears of it.
    publish(session, TimelineAppended(incident_id=incident.id, region_code=incident.region_code, seq=seq, kind=kind,
                                      kind_name=KIND_NAMES_ZH.get(kind, kind), text=text, actor=actor,
                                      at=at.isoformat()))
    return entry


def entries(session: Session, *, incident_id: int, after: int = 0) -> list[TimelineEntry]:
    """In the order they were written, which is time order (each is stamped when it is appended); only those
    after sequence number ``after`` when given (a live page catching up)."""
    stmt = select(TimelineEntry).where(TimelineEntry.incident_id == incident_id)
    if after:
        stmt = stmt.where(TimelineEntry.seq > after)
    return list(session.scalars(stmt.order_by(TimelineEntry.seq)))


def _as_mapping(entry: TimelineEntry) -> dict[str, Any]:
    return {"incident_id": entry.incident_id, "seq": entry.seq, "kind": entry.kind, "text": entry.text,
            "actor": entry.actor, "at": entry.at, "payload": entry.payload, "prev_hash": entry.prev_hash,
            "hash": entry.hash}


def verify(session: Session, *, incident: Incident) -> chain.Verdict:
    return chain.verify((_as_mapping(e) for e in entries(session, incident_id=incident.id)),
                        expected_length=incident.timeline_length, expected_head=incident.timeline_head)


def export_csv(rows: list[TimelineEntry]) -> str:
    """The timeline as CSV (UTF-8 with a BOM, so Excel reads the Chinese), local time beside UTC."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["序号", "时间（北京时间）", "时间（UTC）", "类型", "内容", "记录人", "附加数据", "前一条哈希",
                     "本条哈希"])
    for e in rows:
        writer.writerow([e.seq, format_local(e.at), chain.canonical_time(e.at), KIND_NAMES_ZH.get(e.kind, e.kind),
                         e.text, e.actor, json.dumps(e.payload, ensure_ascii=False, sort_keys=True), e.prev_hash,
                         e.hash])
    return out.getvalue()
