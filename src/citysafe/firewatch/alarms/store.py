"""Applies point reports to the database: point states, alarms, occurrences and their events.

Written for batches: one query for the point states of the batch, one for the open alarms of the
points that have anything to say, bulk writes for occurrences and states. A batch of heartbeats
and normal statuses of points that never alarmed costs the one point-state query and nothing else.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import ARRAY, Row, String, any_, bindparam, insert, select, update
from sqlalchemy.orm import Session

from citysafe.core.db import one_at_a_time
from citysafe.core.events import publish
from citysafe.firewatch.alarms import engine
from citysafe.firewatch.alarms.models import Alarm, AlarmOccurrence, PointState
from citysafe.firewatch.bulk import table_of
from citysafe.firewatch.config import FirewatchConfig
from citysafe.firewatch.enums import AlarmKind, AlarmState
from citysafe.firewatch.events import AlarmCleared, AlarmRaised, AlarmUpdated
from citysafe.firewatch.ingest.observe import Observation
from citysafe.firewatch.registry.models import MaintenanceWindow


@dataclass(frozen=True, slots=True)
class Owner:
    """Who a device belongs to, as far as the registry knows."""

    region_code: str
    unit_id: int | None = None
    organization_id: int | None = None
    unit_name: str = ""
    lon: float | None = None
    lat: float | None = None
    unregistered: bool = True


@dataclass(frozen=True, slots=True)
class PointReport:
    index: int                      # position of the item in its batch, for the outcomes
    obs: Observation
    received_at: datetime
    source: str                     # gb26875 | iot
    device_address: str
    owner: Owner
    uitd_address: int | None = None
    iot_device_id: str | None = None
    raw_frame_id: int | None = None
    iot_message_id: int | None = None
    component_id: int | None = None
    component_label: str = ""
    zone_key: str | None = None
    value: float | None = None


@dataclass
class Applied:
    raised: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    cleared: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))


def _is_summary_fire(report: PointReport) -> bool:
    """A fire flag of a whole system (type 1) or UITD (type 21) status: a summary of component fires."""
    obs = report.obs
    return (report.uitd_address is not None and obs.component_address is None and not obs.momentary
            and AlarmKind.FIRE.value in obs.observed)


class StoredState(Protocol):
    """A point's stored state as ``load_states`` reads it (the columns the engine needs)."""

    id: int
    active: list[str]
    changes: list[list[Any]]
    flapping: list[str]


def snapshot_of(row: StoredState | None) -> engine.PointSnapshot:
    if row is None:
        return engine.EMPTY
    return engine.PointSnapshot(frozenset(row.active), tuple((str(k), float(t)) for k, t in row.changes),
                                frozenset(row.flapping))


_STATES = table_of(PointState)
# Built once: a statement constructed per batch costs more to build and cache-key than to run.
_STATE_COLUMNS = (_STATES.c.id, _STATES.c.point_key, _STATES.c.active, _STATES.c.changes, _STATES.c.flapping)
_STATES_OF = select(*_STATE_COLUMNS).where(_STATES.c.point_key.in_(bindparam("keys", expanding=True)))
# PostgreSQL: the keys as one array parameter. An expanding IN of a batch's ~1,000 keys was rendered and
# bound key by key for every batch, and took a tenth of MQTT ingest's time there.
_STATES_OF_ARRAY = select(*_STATE_COLUMNS).where(_STATES.c.point_key == any_(bindparam("keys", type_=ARRAY(String))))

_UPDATE_STATE = update(_STATES).where(_STATES.c.id == bindparam("state_id")).values(
    active=bindparam("active"), changes=bindparam("changes"), flapping=bindparam("flapping"),
    status=bindparam("status"), updated_at=bindparam("updated_at"))
_WINDOWS_TABLE = table_of(MaintenanceWindow)
# Read-only columns of the maintenance windows open at "at" (Core: nothing here changes them).
_WINDOWS = select(_WINDOWS_TABLE.c.unit_id, _WINDOWS_TABLE.c.device_address, _WINDOWS_TABLE.c.starts_at,
                  _WINDOWS_TABLE.c.ends_at).where(_WINDOWS_TABLE.c.starts_at <= bindparam("at"),
                                                  _WINDOWS_TABLE.c.ends_at > bindparam("at"))
_OPEN_ALARMS = select(Alarm).where(Alarm.point_key.in_(bindparam("keys", expanding=True)),
                                   Alarm.is_open.is_(True)).execution_options(skip_scope=True)


def load_states(session: Session, keys: Collection[str]) -> dict[str, StoredState]:
    """Stored states of those of ``keys`` that have one (Core rows, not ORM objects: read-only here)."""
    if not keys:
        return {}
    connection = session.connection()
    statement = _STATES_OF_ARRAY if connection.dialect.name == "postgresql" else _STATES_OF
    rows = connection.execute(statement, {"keys": list(keys)})
    return {row.point_key: cast(StoredState, row) for row in rows}


def is_relevant(obs: Observation, states: Mapping[str, StoredState]) -> bool:
    """Whether a report of ``obs`` can change anything: it observes a condition, or the point has a
    state that a normal report may clear or age. Everything else (nearly all traffic) is skipped."""
    return bool(obs.observed) or obs.momentary or obs.point_key in states


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


class _Batch:
    def __init__(self, session: Session, config: FirewatchConfig) -> None:
        self.session = session
        self.config = config
        self.rules = engine.Rules(config.flap_changes, config.flap_window)
        self.states: Mapping[str, StoredState] = {}
        self.new_states: dict[str, dict[str, Any]] = {}
        self.changed_states: dict[str, dict[str, Any]] = {}
        self.open: dict[str, dict[str, Alarm]] = defaultdict(dict)
        self.occurrences: list[tuple[Alarm, dict[str, Any]]] = []
        self.raised: list[Alarm] = []
        self.updated: dict[int, Alarm] = {}
        self.cleared: list[tuple[Alarm, datetime]] = []
        self.windows: list[Row[Any]] | None = None
        self.component_fires: set[int] = set()  # UITDs with an open fire alarm on a component
        # alarms each batch item raised / cleared; turned into ids once the flush assigned them
        self.by_item_raised: dict[int, list[Alarm]] = defaultdict(list)
        self.by_item_cleared: dict[int, list[Alarm]] = defaultdict(list)

    def load(self, reports: list[PointReport], states: Mapping[str, StoredState] | None) -> list[PointReport]:
        self.states = load_states(self.session, {r.obs.point_key for r in reports}) if states is None else states
        relevant = [r for r in reports if is_relevant(r.obs, self.states)]
        # Open alarms matter only where a report observes something or a stored condition may disappear:
        # a normal report on a calm point decides nothing, whatever is open there (a fire stays open).
        alarm_keys = list({r.obs.point_key for r in relevant if r.obs.observed or r.obs.momentary
                           or self.states[r.obs.point_key].active})
        if alarm_keys:
            for alarm in self.session.execute(_OPEN_ALARMS, {"keys": alarm_keys}).scalars():
                self.open[alarm.point_key][alarm.kind] = alarm
        summary = {r.uitd_address for r in relevant if _is_summary_fire(r)}
        if summary:
            fires = select(Alarm.uitd_address).where(
                Alarm.uitd_address.in_(summary), Alarm.kind == AlarmKind.FIRE.value, Alarm.is_open.is_(True),
                Alarm.component_address.is_not(None)).execution_options(skip_scope=True)
            self.component_fires = {a for a in self.session.execute(fires).scalars() if a is not None}
        # Component reports first: a panel's system/UITD fire flag that arrives in the same batch as the
        # component fire it sums up then finds that alarm (the order within each point is unchanged).
        return sorted(relevant, key=_is_summary_fire)

    def in_maintenance(self, report: PointReport) -> bool:
        if self.windows is None:
            self.windows = list(self.session.connection().execute(_WINDOWS, {"at": report.received_at}))
        unit_id = report.owner.unit_id
        return any(
            w.starts_at <= report.received_at < w.ends_at
            and ((w.device_address is not None and w.device_address == report.device_address)
                 or (w.device_address is None and unit_id is not None and w.unit_id == unit_id))
            for w in self.windows
        )

    def apply(self, report: PointReport) -> None:
        key = report.obs.point_key
        row = self.states.get(key)
        pending = self.new_states.get(key) or self.changed_states.get(key)
        prev = snapshot_of(row) if pending is None else engine.PointSnapshot(
            frozenset(pending["active"]), tuple((k, t) for k, t in pending["changes"]), frozenset(pending["flapping"]))
        open_here = self.open[key]
        snap, decisions = engine.step(prev, observed=report.obs.observed, at=report.received_at,
                                      open_kinds=frozenset(open_here), momentary=report.obs.momentary,
                                      rules=self.rules)
        if snap != prev:
            values = {"active": sorted(snap.active), "changes": [list(c) for c in snap.changes],
                      "flapping": sorted(snap.flapping), "status": report.obs.status,
                      "updated_at": report.received_at}
            if row is None:
                self.new_states[key] = {"point_key": key, **values}
            else:
                self.changed_states[key] = {"state_id": row.id, **values}
        for decision in decisions:
            if decision.change == "raise":
                self._raise(report, decision)
            elif decision.change == "occur":
                self._occur(open_here[decision.kind], report, decision)
            else:
                self._clear(open_here[decision.kind], report, decision)

    def _occurrence(self, alarm: Alarm, report: PointReport, change: str) -> None:
        self.occurrences.append((alarm, {
            "change": change, "received_at": report.received_at, "device_time": report.obs.device_time,
            "raw_frame_id": report.raw_frame_id, "iot_message_id": report.iot_message_id,
            "status": report.obs.status, "value": report.value,
            "description": "、".join(report.obs.labels)[:200],
        }))

    def _raise(self, report: PointReport, decision: engine.Decision) -> None:
        obs, owner = report.obs, report.owner
        if decision.kind == AlarmKind.FIRE and _is_summary_fire(report) and report.uitd_address in self.component_fires:
            return  # the fire is already open on the component that caused it; one fire, one alarm
        if decision.kind == AlarmKind.FIRE and obs.component_address is not None and report.uitd_address:
            self.component_fires.add(report.uitd_address)
        alarm = Alarm(
            point_key=obs.point_key, kind=decision.kind, cause=obs.cause, state=AlarmState.NEW.value,
            is_open=True, source=report.source, device_address=report.device_address,
            uitd_address=report.uitd_address, iot_device_id=report.iot_device_id, unit_id=owner.unit_id,
            organization_id=owner.organization_id, unit_name=owner.unit_name, unregistered=owner.unregistered,
            region_code=owner.region_code, system_type=obs.system_type, system_address=obs.system_address,
            component_type=obs.component_type, component_address=obs.component_address,
            component_id=report.component_id, component=report.component_label[:200],
            description=(obs.description or "、".join(obs.labels))[:200], zone_key=report.zone_key,
            lon=owner.lon, lat=owner.lat, occurrences=1, corroborated=False, flapping=decision.flapping,
            maintenance=self.in_maintenance(report), test_mode=obs.test_mode,
            first_received_at=report.received_at, last_received_at=report.received_at,
            device_time=obs.device_time, last_device_time=obs.device_time, raw_frame_id=report.raw_frame_id,
            escalation_level=0,
        )
        self.session.add(alarm)
        self.open[obs.point_key][decision.kind] = alarm
        self.raised.append(alarm)
        self._occurrence(alarm, report, "raise")
        self.by_item_raised[report.index].append(alarm)

    def _occur(self, alarm: Alarm, report: PointReport, decision: engine.Decision) -> None:
        alarm.occurrences += 1
        alarm.last_received_at = report.received_at
        alarm.last_device_time = report.obs.device_time
        alarm.cleared_at = None
        alarm.flapping = alarm.flapping or decision.flapping
        self._occurrence(alarm, report, "occur")
        if alarm.id is not None:  # opened in an earlier batch; one opened in this one is announced as raised
            self.updated[alarm.id] = alarm
        self.by_item_raised[report.index].append(alarm)

    def _clear(self, alarm: Alarm, report: PointReport, decision: engine.Decision) -> None:
        alarm.cleared_at = report.received_at
        alarm.flapping = alarm.flapping or decision.flapping
        if decision.close:
            alarm.is_open = False
            alarm.closed_at = report.received_at
            alarm.state = AlarmState.RESTORED.value
            del self.open[alarm.point_key][alarm.kind]
        self._occurrence(alarm, report, "clear")
        self.cleared.append((alarm, report.received_at))
        self.by_item_cleared[report.index].append(alarm)

    def flush(self) -> None:
        session = self.session
        session.flush()
        if self.occurrences:
            session.connection().execute(insert(table_of(AlarmOccurrence)),
                                         [{"alarm_id": a.id, **v} for a, v in self.occurrences])
        if self.new_states:
            session.connection().execute(insert(_STATES), list(self.new_states.values()))
        if self.changed_states:
            session.connection().execute(_UPDATE_STATE, list(self.changed_states.values()))
        self._corroborate()
        self._publish()

    def _corroborate(self) -> None:
        fires = [a for a in [*self.raised, *self.updated.values()]
                 if a.kind == AlarmKind.FIRE.value and a.zone_key and a.is_open]
        # Writers storing at once (MQTT's partitioned writers, the NATS workers) each see only the fires the
        # others committed: two fires of one zone in two open transactions would corroborate neither. The
        # zone's lock makes the second wait for the first to commit, and then see its fire.
        one_at_a_time(self.session, (f"fire-zone:{alarm.zone_key}" for alarm in fires))
        for alarm in fires:
            since = alarm.last_received_at - self.config.corroboration_window
            others = self.session.execute(
                select(Alarm).where(Alarm.zone_key == alarm.zone_key, Alarm.kind == AlarmKind.FIRE.value,
                                    Alarm.is_open.is_(True), Alarm.point_key != alarm.point_key,
                                    Alarm.last_received_at >= since).execution_options(skip_scope=True)
            ).scalars().all()
            if not others:
                continue
            for item in [alarm, *others]:
                if not item.corroborated:
                    item.corroborated = True
                    if item not in self.raised:
                        self.updated[item.id] = item
        self.session.flush()

    def _publish(self) -> None:
        session = self.session
        for alarm in self.raised:
            publish(session, AlarmRaised(
                alarm_id=alarm.id, kind=alarm.kind, state=alarm.state, region_code=alarm.region_code,
                unit_organization_id=alarm.organization_id, unit_id=alarm.unit_id, unit_name=alarm.unit_name,
                lon=alarm.lon, lat=alarm.lat, device_address=alarm.device_address, component=alarm.component,
                description=alarm.description, received_at=alarm.first_received_at.isoformat(),
                device_time=iso(alarm.device_time), occurrences=alarm.occurrences,
                corroborated=alarm.corroborated, maintenance=alarm.maintenance,
                unregistered=alarm.unregistered, source=alarm.source,
            ))
        for alarm in self.updated.values():
            publish(session, updated_event(alarm, "occurrence"))
        for alarm, at in self.cleared:
            publish(session, AlarmCleared(
                alarm_id=alarm.id, kind=alarm.kind, state=alarm.state, region_code=alarm.region_code,
                unit_organization_id=alarm.organization_id, unit_id=alarm.unit_id, lon=alarm.lon,
                lat=alarm.lat, device_address=alarm.device_address, received_at=at.isoformat(),
                closed=not alarm.is_open,
            ))


def updated_event(alarm: Alarm, change: str) -> AlarmUpdated:
    return AlarmUpdated(
        alarm_id=alarm.id, kind=alarm.kind, state=alarm.state, region_code=alarm.region_code,
        unit_organization_id=alarm.organization_id, unit_id=alarm.unit_id, lon=alarm.lon, lat=alarm.lat,
        device_address=alarm.device_address, received_at=alarm.last_received_at.isoformat(),
        occurrences=alarm.occurrences, corroborated=alarm.corroborated, flapping=alarm.flapping, change=change,
    )


def apply_reports(session: Session, reports: list[PointReport], *, config: FirewatchConfig,
                  states: Mapping[str, StoredState] | None = None) -> Applied:
    """Run the engine over ``reports`` (in order) and write what it decided.

    ``states``: what ``load_states`` returned for (at least) the reports' points, when the caller read
    them already to leave out the reports that are not ``is_relevant``.
    """
    if not reports:
        return Applied()
    batch = _Batch(session, config)
    for report in batch.load(reports, states):
        batch.apply(report)
    if batch.occurrences or batch.new_states or batch.changed_states:
        batch.flush()
    applied = Applied()
    for index, alarms in batch.by_item_raised.items():
        applied.raised[index] = list(dict.fromkeys(a.id for a in alarms))
    for index, alarms in batch.by_item_cleared.items():
        applied.cleared[index] = list(dict.fromkeys(a.id for a in alarms))
    return applied
