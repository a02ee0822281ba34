"""Tables of mutual aid: the aid request between two offices with its own hash-chained log, and the partners'
imported resource catalogues.

An aid request belongs to two divisions at once (the requesting incident's and the giving office's), so it is
not ``RegionScoped``: ``service.visible`` lets each side see its own, the single place where this domain
filters by scope itself. Its log is the giving side's record of the job, the requesting incident's timeline the
other side's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from citysafe.core.db import Base, BigId, RegionScoped, Timestamped, UTCDateTime


class AidRequest(Timestamped, Base):
    """支援请求: one office asks another for teams and/or supplies for one incident."""

    __tablename__ = "em_aid_request"
    __table_args__ = (Index("ix_em_aid_request_sides", "incident_region", "giver_region"),
                      Index("ix_em_aid_request_giver", "giver_region", "state"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("em_incident.id", ondelete="CASCADE"), index=True)
    incident_region: Mapped[str] = mapped_column(String(20))  # where the incident is: the requesting side's scope
    requester_region: Mapped[str] = mapped_column(String(20))  # the asking office's division
    giver_region: Mapped[str] = mapped_column(String(20))  # the asked office's division
    # [{"kind": "fire_station", "count": 2}], [{"code": "1010101", "name": "棉被", "unit": "床", "quantity": 500}]
    teams_asked: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    supplies_asked: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text)
    needed_by: Mapped[datetime | None] = mapped_column(UTCDateTime())
    contact: Mapped[str] = mapped_column(String(100), default="")  # who on the asking side answers the phone
    state: Mapped[str] = mapped_column(String(20))  # requested | accepted | declined | withdrawn | dispatched | closed
    requested_by: Mapped[str] = mapped_column(String(100))
    answered_by: Mapped[str] = mapped_column(String(100), default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer_note: Mapped[str] = mapped_column(Text, default="")  # the reason of a decline, the terms of an accept
    # What the giver offered when accepting: team ids of its own, supply lines like supplies_asked.
    teams_offered: Mapped[list[int]] = mapped_column(JSON, default=list)
    supplies_offered: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    dispatch_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # em_dispatch rows sent under it
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    log_length: Mapped[int] = mapped_column(Integer, default=0)
    log_head: Mapped[str] = mapped_column(String(64), default="0" * 64)


class AidLogEntry(Base):
    """One step of an aid request, chained like an incident's timeline (emergency/calc/chain.py)."""

    __tablename__ = "em_aid_log"
    __audited__ = False  # the chain is its own evidence, as for the incident timeline
    __table_args__ = (UniqueConstraint("aid_request_id", "seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    aid_request_id: Mapped[int] = mapped_column(ForeignKey("em_aid_request.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    side: Mapped[str] = mapped_column(String(10))  # requester | giver
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class PartnerCatalogue(RegionScoped, Timestamped, Base):
    """A neighbour's resource catalogue as imported by this office (``region_code``): the validated document
    whole, replaced by the next import of the same publisher."""

    __tablename__ = "em_aid_catalogue"
    __table_args__ = (UniqueConstraint("region_code", "publisher_id", name="uq_em_aid_catalogue_publisher"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    publisher_id: Mapped[str] = mapped_column(String(100))
    publisher_name: Mapped[str] = mapped_column(String(200))
    format_version: Mapped[str] = mapped_column(String(10))
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    imported_by: Mapped[str] = mapped_column(String(100))
    teams: Mapped[int] = mapped_column(Integer, default=0)
    depots: Mapped[int] = mapped_column(Integer, default=0)
    experts: Mapped[int] = mapped_column(Integer, default=0)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
