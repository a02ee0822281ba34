"""Writing a validated risk import in batches: one short transaction per batch, all undone if one fails.

A 20,000-row register written in one transaction held SQLite's write lock for minutes and the fire
gateway's alarms waited past their busy timeout (issue #10, finding 1). Every row is validated before the
first batch (``imports.import_sources``), so from the user's view the import stays all-or-nothing: a file
with any row error writes nothing. A batch that fails for another reason (the database itself, a bug) is
compensated: a journal kept in memory while the batches run names the sources and assessments this import
created and the previous values of the sources it updated, and one transaction deletes and restores them,
then removes the import's record. A process killed between batches cannot run that; its rows keep the
import's id (``risk_source.import_id``) and its job is marked failed at the next start (core/jobs.py).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, undefer

from citysafe.core.db import Units
from citysafe.core.events import publish
from citysafe.risk.enums import KINDS
from citysafe.risk.events import RiskSourcesImported
from citysafe.risk.models import RiskAssessment, RiskImport, RiskSource
from citysafe.risk.rules import DynamicRule
from citysafe.risk.schemas import ImportReport, SourceCreate
from citysafe.risk.service import sources
from citysafe.risk.service.assessments import Outcome, build, refresh_assessed, refresh_current
from citysafe.risk.service.geometry import Placed
from citysafe.risk.service.importfile import RawRow

# Told after each committed batch: rows written so far, rows in the file (a job's progress, a test's hook).
BatchDone = Callable[[int, int], None]


@dataclass
class CheckedRow:
    """A validated row: what to write, where, and its assessment (``imports.check_row`` makes it)."""

    raw: RawRow
    source_in: SourceCreate
    placed: Placed
    given_region: str | None
    org_name: str
    outcome: Outcome | None
    existing: RiskSource | None = None
    region_code: str = ""


@dataclass(frozen=True)
class Batching:
    rows: int = 500
    pause_seconds: float = 0.0
    on_batch: BatchDone | None = None


@dataclass(frozen=True)
class Signed:
    """Who imports what, when: the import's record and every assessment carry it."""

    filename: str
    file_format: str
    crs: str
    scope_code: str
    actor: str
    actor_name: str
    at: datetime


@dataclass
class _Journal:
    import_id: int
    created: list[int] = field(default_factory=list)
    assessments: list[int] = field(default_factory=list)
    previous: dict[int, dict[str, Any]] = field(default_factory=dict)


def write_in_batches(units: Units, rows: Sequence[CheckedRow], *, signed: Signed, report: ImportReport,
                     rules: Sequence[DynamicRule], batching: Batching) -> None:
    """Write ``rows`` (all valid) batch by batch, filling in ``report``; on any failure undo what was written
    and re-raise."""
    with units.write() as session:
        record = RiskImport(filename=signed.filename[:200], file_format=signed.file_format, crs=signed.crs,
                            rows=len(rows), created=0, updated=0, assessed=0, imported_by=signed.actor,
                            imported_at=signed.at, region_code=signed.scope_code)
        session.add(record)
        session.flush()
        journal = _Journal(import_id=record.id)
    try:
        done = 0
        for start in range(0, len(rows), batching.rows):
            batch = rows[start:start + batching.rows]
            with units.write() as session:
                _write_batch(session, batch, journal, signed=signed, report=report, rules=rules)
            done += len(batch)
            if batching.on_batch is not None:
                batching.on_batch(done, len(rows))
            if batching.pause_seconds and done < len(rows) and _is_sqlite(units):
                time.sleep(batching.pause_seconds)  # let a writer waiting in SQLite's busy handler take its turn
        with units.write() as session:
            _finish(session, journal.import_id, signed=signed, report=report)
    except BaseException:
        with units.write() as session:
            _compensate(session, journal)
        raise


def _is_sqlite(units: Units) -> bool:
    with units.read() as session:
        return session.get_bind().dialect.name == "sqlite"


def _write_batch(session: Session, rows: Sequence[CheckedRow], journal: _Journal, *, signed: Signed,
                 report: ImportReport, rules: Sequence[DynamicRule]) -> None:
    # Existing sources are read again here: the ones validation saw belong to its (closed) reader.
    ids = [r.existing.id for r in rows if r.existing is not None]
    existing = {s.id: s for s in session.scalars(select(RiskSource).where(RiskSource.id.in_(ids)))} if ids else {}
    columns = [a.key for a in inspect(RiskSource).column_attrs]
    for source in existing.values():
        journal.previous.setdefault(source.id, {key: getattr(source, key) for key in columns})
    codes = {county: sources.next_codes(session, region_code=county, count=count)
             for county, count in _count_by_county(rows).items()}
    touched: list[RiskSource] = []
    for row in rows:
        if row.existing is None:
            code = row.source_in.code or codes[row.region_code[:6]].pop(0)
            source = sources.new_source(source_in=row.source_in, placed=row.placed, region_code=row.region_code,
                                        code=code, org_name=row.org_name, import_id=journal.import_id)
            if row.outcome is not None:  # set before the insert, so no second write per row
                source.assessed_level = row.outcome.level.value if row.outcome.level else None
                source.assessed_at = signed.at
            session.add(source)
            report.created += 1
        else:
            source = existing[row.existing.id]
            _update_from_row(source, row, journal.import_id)
            report.updated += 1
        touched.append(source)
    session.flush()
    journal.created.extend(s.id for row, s in zip(rows, touched, strict=True) if row.existing is None)
    added: list[RiskAssessment] = []
    for row, source in zip(rows, touched, strict=True):
        if row.outcome is None:
            continue
        if row.existing is not None and _same_as_latest(session, source, row.outcome):
            report.unchanged += 1  # re-importing the same register must not pile up identical assessments
            continue
        added.append(build(source=source, outcome=row.outcome, assessor=signed.actor,
                           assessor_name=signed.actor_name, at=signed.at,
                           note=f"导入：{signed.filename} 第 {row.raw.row} 行"))
        report.assessed += 1
    session.add_all(added)
    session.flush()
    journal.assessments.extend(a.id for a in added)
    for row, source in zip(rows, touched, strict=True):
        if row.existing is not None and row.outcome is not None:
            refresh_assessed(session, source=source)
    refresh_current(session, sources=touched, rules=rules, announce=False)


def _finish(session: Session, import_id: int, *, signed: Signed, report: ImportReport) -> None:
    record = session.get_one(RiskImport, import_id)
    record.created, record.updated, record.assessed = report.created, report.updated, report.assessed
    report.import_id = import_id
    publish(session, RiskSourcesImported(import_id=import_id, region_code=signed.scope_code,
                                         created=report.created, updated=report.updated, assessed=report.assessed))


def _compensate(session: Session, journal: _Journal) -> None:
    """Undo the batches already committed: new assessments and sources deleted, updated sources restored."""
    # Through the ORM, so the audit log and the map's change counters see the removal and the restoration.
    for assessment in session.scalars(select(RiskAssessment).where(RiskAssessment.id.in_(journal.assessments))):
        session.delete(assessment)
    session.flush()
    # Every column loaded before the delete: the audit entry records them, a deferred one could not be read after.
    for source in session.scalars(select(RiskSource).options(undefer("*"))
                                  .where(RiskSource.id.in_(journal.created))):
        session.delete(source)
    for source in session.scalars(select(RiskSource).where(RiskSource.id.in_(list(journal.previous)))):
        for key, value in journal.previous[source.id].items():
            setattr(source, key, value)
    session.flush()
    record = session.get(RiskImport, journal.import_id)
    if record is not None:
        session.delete(record)


def _count_by_county(rows: Sequence[CheckedRow]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        if row.existing is None and not row.source_in.code:
            counts[row.region_code[:6]] += 1
    return counts


def _update_from_row(source: RiskSource, row: CheckedRow, import_id: int) -> None:
    data = row.source_in
    kind = KINDS[data.kind]
    source.name, source.kind, source.category = data.name, kind.code, kind.category.value
    source.geometry, source.geometry_type = row.placed.geometry, row.placed.geometry_type.value
    source.lon, source.lat, source.region_code = row.placed.lon, row.placed.lat, row.region_code
    source.h3_r6, source.h3_r7, source.h3_r8, source.h3_r9 = (row.placed.h3[r] for r in (6, 7, 8, 9))
    source.address = data.address or source.address
    source.organization_id = data.organization_id if data.organization_id is not None else source.organization_id
    source.responsible_unit = data.responsible_unit or row.org_name or source.responsible_unit
    source.supervising_department = data.supervising_department or source.supervising_department
    source.attributes = {**(source.attributes or {}), **data.attributes}
    source.status, source.import_id = "active", import_id


def _same_as_latest(session: Session, source: RiskSource, outcome: Outcome) -> bool:
    latest = session.scalars(select(RiskAssessment).where(RiskAssessment.source_id == source.id,
                                                          RiskAssessment.method == outcome.method)
                             .order_by(RiskAssessment.assessed_at.desc(), RiskAssessment.id.desc())).first()
    return latest is not None and latest.inputs == outcome.inputs and latest.preset == outcome.preset
