"""The hash chain of an incident's timeline: each entry's SHA-256 covers its content and the previous hash.

The content is written canonically (JSON with sorted keys, no spaces, UTF-8, times in UTC to the
microsecond), so the same entry hashes the same on SQLite and PostgreSQL and in an export read back
later. Changing any field of a stored entry changes its hash; deleting one breaks the next entry's link;
deleting the last is seen against the head kept on the incident (``verify`` takes the expected length and
head). Pure: no database, no clock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def canonical_time(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(entry: Mapping[str, Any]) -> bytes:
    """The bytes hashed for one entry: incident, sequence number, kind, text, actor, time and payload."""
    body = {
        "incident_id": int(entry["incident_id"]), "seq": int(entry["seq"]), "kind": str(entry["kind"]),
        "text": str(entry["text"]), "actor": str(entry["actor"]), "at": canonical_time(entry["at"]),
        "payload": entry.get("payload") or {},
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def link(entry: Mapping[str, Any], prev_hash: str) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(entry)).hexdigest()


@dataclass(frozen=True)
class Verdict:
    ok: bool
    entries: int
    head: str
    first_bad_seq: int | None = None
    reason: str = ""
    reason_zh: str = ""


def verify(entries: Iterable[Mapping[str, Any]], *, expected_length: int, expected_head: str) -> Verdict:
    """Walk ``entries`` in sequence order; the first entry that does not hold together is named."""
    prev, count = GENESIS, 0
    for entry in entries:
        count += 1
        seq = int(entry["seq"])
        if seq != count:
            return Verdict(False, count - 1, prev, count, f"entry {count} is missing (found {seq})",
                           f"第 {count} 条记录缺失（下一条为第 {seq} 条）")
        if entry["prev_hash"] != prev:
            return Verdict(False, count - 1, prev, seq, f"entry {seq} does not link to entry {seq - 1}",
                           f"第 {seq} 条记录与前一条的链接不符")
        if link(entry, prev) != entry["hash"]:
            return Verdict(False, count - 1, prev, seq, f"entry {seq} was changed after it was written",
                           f"第 {seq} 条记录写入后被改动")
        prev = str(entry["hash"])
    if count != expected_length or prev != expected_head:
        return Verdict(False, count, prev, count + 1 if count < expected_length else None,
                       f"the timeline holds {count} entries, the incident records {expected_length}",
                       f"时间线现有 {count} 条，事件记录应有 {expected_length} 条（末尾记录被删除或改动）")
    return Verdict(True, count, prev)
