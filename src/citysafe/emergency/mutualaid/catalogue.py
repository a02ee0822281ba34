"""Exporting this office's resource catalogue and importing a neighbour's (exchange.py is the format).

The export holds what the reader's scope holds. Personal numbers stay home: an expert's phone never leaves, a
team's duty contact and a depot keeper's only when a writer asks for ``contacts`` (agreed between the two
offices, 个人信息保护法 第二十三条: giving personal information to another handler needs the person's consent
or another lawful basis such as an emergency, 第十三条第四项). An import replaces the partner's previous
catalogue in the same transaction, so a refused document leaves the old one in place."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citysafe.auth.schemas import Principal
from citysafe.core.clock import to_local
from citysafe.core.db import get_or_404
from citysafe.core.errors import field_error
from citysafe.core.scope import current_scope
from citysafe.emergency.mutualaid import exchange
from citysafe.emergency.mutualaid.models import PartnerCatalogue
from citysafe.emergency.mutualaid.schemas import CatalogueSummary, ExternalTeam
from citysafe.emergency.resources.calc.status import STATUS_NAMES_ZH, TeamStatus
from citysafe.emergency.resources.models import Depot, StockLine, Team
from citysafe.emergency.resources.schemas import TEAM_KIND_NAMES_ZH, TeamKind
from citysafe.knowledge.thinktank import service as thinktank
from citysafe.regions import service as regions_service


def _publisher(session: Session, principal: Principal) -> dict[str, Any]:
    region = principal.region_code
    name = regions_service.names(session, codes=[region]).get(region, region)
    return {"id": region, "name": f"{name}应急管理局", "region_code": region,
            "contact": {"name": principal.display_name, "phone": ""}}


def _contact(name: str, phone: str, contacts: bool) -> dict[str, str] | None:
    return {"name": name, "phone": phone} if contacts and (name or phone) else None


def export(session: Session, *, principal: Principal, contacts: bool, now: datetime) -> dict[str, Any]:
    """This office's catalogue as an exchange document (validated against the format before it leaves)."""
    teams = [{"id": f"team-{t.id}", "name": t.name, "kind": t.kind, "specialty": t.specialty,
              "region_code": t.region_code, "location": {"lon": t.lon, "lat": t.lat}, "address": t.address,
              "headcount": t.headcount, "equipment": t.equipment or [], "status": t.status,
              "contact": _contact(t.contact_name, t.contact_phone, contacts)}
             for t in session.scalars(select(Team).order_by(Team.id))]
    stock: dict[int, list[dict[str, Any]]] = {}
    for line in session.scalars(select(StockLine).order_by(StockLine.depot_id, StockLine.code, StockLine.id)):
        stock.setdefault(line.depot_id, []).append({
            "code": line.code, "name": line.name, "unit": line.unit, "quantity": line.quantity,
            "expires_on": line.expires_on.isoformat() if line.expires_on else None})
    depots = [{"id": f"depot-{d.id}", "name": d.name, "kind": d.kind, "level": d.level, "region_code": d.region_code,
               "location": {"lon": d.lon, "lat": d.lat}, "address": d.address,
               "contact": _contact(d.keeper, d.phone, contacts), "stock": stock.get(d.id, [])}
              for d in session.scalars(select(Depot).order_by(Depot.id))]
    experts = [{"id": f"expert-{e.id}", "name": e.name, "field": e.field, "title": e.title, "employer": e.employer}
               for e in thinktank.all_experts(session, today=to_local(now).date())]
    document = {"format": exchange.FORMAT, "version": exchange.VERSION, "generated_at": now.isoformat(),
                "crs": "EPSG:4326", "publisher": _publisher(session, principal), "teams": teams, "depots": depots,
                "experts": experts}
    exchange.validate(document)  # what leaves here is what a partner's reader accepts
    return document


def import_catalogue(session: Session, *, principal: Principal, doc: exchange.Catalogue,
                     now: datetime) -> PartnerCatalogue:
    """Store a partner's catalogue (read by ``exchange.read`` or ``exchange.validate``, which refuse a bad document
    before anything is written) for the importing office, replacing that publisher's previous one."""
    scope = current_scope(session)
    if scope is not None and scope.covers(doc.publisher.region_code):
        raise field_error("$.publisher.region_code", "this is a catalogue of your own region: its resources are "
                          "in the registry already", "这是本辖区自己的资源目录，其资源已在资源库中，无需导入")
    row = session.scalar(select(PartnerCatalogue).where(PartnerCatalogue.publisher_id == doc.publisher.id,
                                                        PartnerCatalogue.region_code == principal.region_code))
    if row is None:
        row = PartnerCatalogue(region_code=principal.region_code, publisher_id=doc.publisher.id, created_at=now)
        session.add(row)
    row.publisher_name = doc.publisher.name
    row.format_version = doc.version
    row.generated_at = doc.generated_at
    row.imported_by = principal.display_name[:100]
    row.teams, row.depots, row.experts = len(doc.teams), len(doc.depots), len(doc.experts)
    row.document = doc.model_dump(mode="json")
    row.updated_at = now
    session.flush()
    return row


def summary(row: PartnerCatalogue) -> CatalogueSummary:
    return CatalogueSummary.model_validate(row)


def partners(session: Session) -> list[PartnerCatalogue]:
    return list(session.scalars(select(PartnerCatalogue).order_by(PartnerCatalogue.publisher_name)))


def get_partner(session: Session, *, catalogue_id: int) -> PartnerCatalogue:
    return get_or_404(session, PartnerCatalogue, catalogue_id, what="partner catalogue", what_zh="外部资源目录")


def external_teams(session: Session) -> list[ExternalTeam]:
    """The teams of every imported catalogue, read-only (外部), for the registry and the map."""
    out = []
    for row in partners(session):
        for team in row.document.get("teams", []):
            kind, status = team["kind"], team["status"]
            out.append(ExternalTeam(
                catalogue_id=row.id, publisher_name=row.publisher_name, id=team["id"], name=team["name"],
                kind=kind, kind_name=TEAM_KIND_NAMES_ZH.get(TeamKind(kind), kind), region_code=team["region_code"],
                lon=team["location"]["lon"], lat=team["location"]["lat"], headcount=team.get("headcount", 0),
                status=status, status_name=STATUS_NAMES_ZH[TeamStatus(status)], as_of=row.generated_at))
    return out

