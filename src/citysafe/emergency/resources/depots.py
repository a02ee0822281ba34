"""Supply depots (储备库), their stock lines (GB/T 38565-2020 codes), what expires soon, and agreement reserves
(协议储备: contracted capacity beside physical stock, 突发事件应对法 2024 第四十五、四十六条, spec §6)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citysafe.core.db import get_or_404
from citysafe.core.errors import Conflict, NotFound, field_error
from citysafe.core.geo import location_wgs84
from citysafe.core.pagination import PageParams, paginate
from citysafe.core.scope import in_region
from citysafe.emergency.resources.calc.codes import top_class
from citysafe.emergency.resources.models import Agreement, Depot, StockLine
from citysafe.emergency.resources.schemas import (
    DEPOT_KIND_NAMES_ZH,
    DEPOT_LEVEL_NAMES_ZH,
    AgreementIn,
    AgreementRead,
    DepotFilter,
    DepotIn,
    DepotRead,
    DepotStock,
    StockIn,
    StockRead,
)
from citysafe.orgs import service as orgs_service
from citysafe.regions import service as regions_service

# How far ahead the expiring-soon list looks by default: a quarter, time to rotate stock (轮换) before it lapses [U].
EXPIRING_DAYS = 90


def _check_division(session: Session, code: str) -> None:
    if code not in regions_service.names(session, codes=[code]):
        raise field_error("region_code", f"no division {code}", f"行政区划代码 {code} 不存在")


def _name_free(session: Session, name: str, own_id: int | None) -> None:
    other = session.execute(select(Depot.id).where(Depot.name == name).execution_options(skip_scope=True)).scalar()
    if other is not None and other != own_id:
        raise field_error("name", "a depot of this name exists", f"已有名为“{name}”的储备库")


def save_depot(session: Session, *, data: DepotIn, now: datetime, depot: Depot | None = None) -> Depot:
    _check_division(session, data.region_code)
    _name_free(session, data.name, depot.id if depot else None)
    lon, lat = location_wgs84(data.location)
    assert lon is not None
    assert lat is not None
    if depot is None:
        depot = Depot(created_at=now)
        session.add(depot)
    depot.name, depot.kind, depot.level, depot.region_code = data.name, data.kind, data.level, data.region_code
    depot.lon, depot.lat, depot.address, depot.keeper, depot.phone = lon, lat, data.address, data.keeper, data.phone
    depot.updated_at = now
    session.flush()
    for line in session.scalars(select(StockLine).where(StockLine.depot_id == depot.id)):
        line.region_code = depot.region_code  # a stock line is scoped with its depot
    return depot


def get_depot(session: Session, *, depot_id: int) -> Depot:
    return get_or_404(session, Depot, depot_id, what="depot", what_zh="储备库")


def list_depots(session: Session, *, filters: DepotFilter, params: PageParams) -> tuple[list[Depot], int]:
    stmt = select(Depot).order_by(Depot.region_code, Depot.id)
    if filters.q:
        stmt = stmt.where(Depot.name.contains(filters.q))
    if filters.kind:
        stmt = stmt.where(Depot.kind == filters.kind)
    if filters.region:
        stmt = stmt.where(in_region(Depot.region_code, filters.region))
    return paginate(session, stmt, params)


def depot_reads(session: Session, depots: Sequence[Depot]) -> list[DepotRead]:
    names = regions_service.names(session, codes={d.region_code for d in depots})
    ids = [d.id for d in depots]
    lines = dict(session.execute(select(StockLine.depot_id, func.count()).where(StockLine.depot_id.in_(ids))
                                 .group_by(StockLine.depot_id)).tuples().all()) if ids else {}
    out = []
    for depot in depots:
        read = DepotRead.model_validate(depot)
        read.kind_name = DEPOT_KIND_NAMES_ZH.get(depot.kind, depot.kind)
        read.level_name = DEPOT_LEVEL_NAMES_ZH.get(depot.level, depot.level)
        read.region_name = names.get(depot.region_code, depot.region_code)
        read.lines = int(lines.get(depot.id, 0))
        out.append(read)
    return out


def put_stock(session: Session, *, depot: Depot, line: StockIn, now: datetime) -> StockLine:
    """Set the quantity of one batch (depot, code, expiry): a new line, or the existing one's new count."""
    stmt = select(StockLine).where(StockLine.depot_id == depot.id, StockLine.code == line.code,
                                   StockLine.expires_on.is_(None) if line.expires_on is None
                                   else StockLine.expires_on == line.expires_on)
    row = session.scalars(stmt).first()
    if row is None:
        row = StockLine(depot_id=depot.id, code=line.code, expires_on=line.expires_on, created_at=now)
        session.add(row)
    row.region_code, row.name, row.unit, row.quantity, row.updated_at = (depot.region_code, line.name, line.unit,
                                                                         line.quantity, now)
    session.flush()
    return row


def stock_of(session: Session, *, depot_id: int) -> list[StockLine]:
    stmt = select(StockLine).where(StockLine.depot_id == depot_id).order_by(StockLine.code, StockLine.expires_on)
    return list(session.scalars(stmt))


def stock_reads(session: Session, lines: Sequence[StockLine]) -> list[StockRead]:
    ids = {line.depot_id for line in lines}
    names = dict(session.execute(select(Depot.id, Depot.name).where(Depot.id.in_(ids))).tuples().all()) if ids else {}
    out = []
    for line in lines:
        read = StockRead.model_validate(line)
        read.depot_name, read.class_name = names.get(line.depot_id, ""), top_class(line.code)
        out.append(read)
    return out


def expiring(session: Session, *, today: date, days: int = EXPIRING_DAYS, limit: int = 200) -> list[StockLine]:
    """Stock lines whose expiry lies before ``today + days`` (the expired ones first): to rotate or replace."""
    stmt = (select(StockLine).where(StockLine.expires_on.is_not(None), StockLine.quantity > 0,
                                    StockLine.expires_on <= today + timedelta(days=days))
            .order_by(StockLine.expires_on, StockLine.id).limit(limit))
    return list(session.scalars(stmt))


def depot_stock(session: Session, *, item_codes: Iterable[str], today: date | None = None) -> list[DepotStock]:
    """Depots (in the caller's scope) holding any of ``item_codes``, with their quantity of each; lines expired
    before ``today`` do not count. For the dispatch engine: it chooses depots by travel time."""
    codes = sorted(set(item_codes))
    if not codes:
        return []
    stmt = (select(StockLine.depot_id, StockLine.code, func.sum(StockLine.quantity))
            .where(StockLine.code.in_(codes), StockLine.quantity > 0).group_by(StockLine.depot_id, StockLine.code))
    if today is not None:
        stmt = stmt.where((StockLine.expires_on.is_(None)) | (StockLine.expires_on >= today))
    held: dict[int, dict[str, int]] = {}
    for depot_id, code, qty in session.execute(stmt).tuples():
        held.setdefault(depot_id, {})[code] = int(qty)
    if not held:
        return []
    depots = session.scalars(select(Depot).where(Depot.id.in_(held)).order_by(Depot.id))
    return [DepotStock(id=d.id, name=d.name, lon=d.lon, lat=d.lat, stock=held[d.id]) for d in depots]


# --- agreement reserves ---------------------------------------------------------------------------------------


def create_agreement(session: Session, *, data: AgreementIn, now: datetime) -> Agreement:
    _check_division(session, data.region_code)
    try:
        orgs_service.get(session, org_id=data.supplier_id)
    except NotFound:
        raise field_error("supplier_id", f"no organisation {data.supplier_id}",
                          f"单位 {data.supplier_id} 不存在或不在您的辖区") from None
    agreement = Agreement(**data.model_dump(exclude={"items"}), items=[i.model_dump() for i in data.items],
                          created_at=now, updated_at=now)
    session.add(agreement)
    session.flush()
    return agreement


def list_agreements(session: Session, *, params: PageParams) -> tuple[list[Agreement], int]:
    return paginate(session, select(Agreement).order_by(Agreement.valid_to.desc(), Agreement.id), params)


def agreement_reads(session: Session, rows: Sequence[Agreement], *, today: date) -> list[AgreementRead]:
    out = []
    for row in rows:
        read = AgreementRead.model_validate(row)
        read.supplier_name = orgs_service.get(session, org_id=row.supplier_id).name
        read.in_force = row.valid_from <= today <= row.valid_to
        out.append(read)
    return out


def delete_stock(session: Session, *, line_id: int) -> None:
    line = get_or_404(session, StockLine, line_id, what="stock line", what_zh="库存条目")
    if line.quantity > 0:
        raise Conflict(detail="set the quantity to 0 before removing a line",
                       detail_zh="请先将数量改为 0 再删除该条目")
    session.delete(line)
