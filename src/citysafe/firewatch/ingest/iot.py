"""Fire-IoT payloads, pure: the documented JSON (docs/iot-payloads.md) in, readings and point
observations out, with thresholds applied. Vendor shapes are adapted here too (CTWing envelope and the
vendor "c/b" codebook), kept as data rather than code paths.

Each device has two points: ``iot:<id>`` for what it measures (smoke, pressure, leakage …) and
``iot:<id>/fault`` for the device's own fault, low battery or tamper. A message says something about a
point only when it carries the fields for it, so a pressure report does not restore a device fault.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, NamedTuple

from citysafe.core.clock import SHANGHAI
from citysafe.firewatch.config import Thresholds
from citysafe.firewatch.enums import IotKind
from citysafe.firewatch.enums import PointCondition as C
from citysafe.firewatch.ingest.observe import Observation

#: The device kinds' names (built once: a set built per message cost 4 % of MQTT ingest).
KINDS: Final = frozenset(k.value for k in IotKind)
EVENTS: Final = frozenset({"report", "heartbeat", "alarm", "restore", "fault", "fault_restore", "low_battery",
                           "tamper", "self_test"})
_FAULT_EVENTS: Final = {"fault": "device_fault", "low_battery": "low_battery", "tamper": "tamper"}


class IotPayloadError(ValueError):
    """A payload that does not follow the documented schema; the message says which field."""


class IotReading(NamedTuple):
    """One measured value. NamedTuples, as ``observe.Observation``: MQTT builds these for every message
    (thousands a second), and a frozen dataclass's ``__init__`` costs several times as much."""

    quantity: str
    value: float
    unit: str


class IotFacts(NamedTuple):
    device_id: str
    kind: str
    device_time: datetime | None
    readings: tuple[IotReading, ...]
    observations: tuple[Observation, ...]


def device_time(value: Any) -> datetime | None:
    """``ts`` as aware UTC: epoch seconds or milliseconds, or ISO 8601 (no zone = China time)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise IotPayloadError("ts: expected a time")
    if isinstance(value, (int, float)):  # a tuple: isinstance of a union is several times slower
        seconds = value / 1000 if value > 10**11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise IotPayloadError(f"ts: {value} is not a time") from exc
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            raise IotPayloadError(f"ts: {value!r} is not ISO 8601") from exc
        return (moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)).astimezone(UTC)
    raise IotPayloadError("ts: expected epoch seconds, milliseconds or ISO 8601")


def _number(payload: Mapping[str, Any], key: str) -> float | None:
    value = payload.get(key)
    if value is None:
        return None
    if type(value) is float or type(value) is int:  # nearly every value: no further checks (bool is not int here)
        return float(value)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise IotPayloadError(f"{key}: expected a number")
    try:
        return float(value)
    except ValueError as exc:
        raise IotPayloadError(f"{key}: {value!r} is not a number") from exc


def _numbers(payload: Mapping[str, Any], key: str) -> list[float]:
    value = payload.get(key)
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    if all(type(item) is float or type(item) is int for item in items):  # the usual case, checked at once
        return [float(item) for item in items]
    return [v for v in (_number({key: item}, key) for item in items) if v is not None]


def _limit(overrides: Mapping[str, Any], key: str, default: float) -> float:
    value = overrides.get(key)
    if value is None:  # nearly every device: no override
        return default
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


# The kinds as plain strings and the conditions as built sets: comparing a str with a StrEnum member, and
# building a frozenset per message, cost a fifth of parse_payload (py-spy of the MQTT writer).
_SMOKE: Final = IotKind.SMOKE.value
_HYDRANT: Final = IotKind.HYDRANT_PRESSURE.value
_SPRINKLER: Final = IotKind.SPRINKLER_PRESSURE.value
_ELECTRICAL: Final = IotKind.ELECTRICAL_FIRE.value
_GAS: Final = IotKind.COMBUSTIBLE_GAS.value
_WATER: Final = IotKind.WATER_LEVEL.value
_NORMAL: Final[frozenset[str]] = frozenset()
_ON_FIRE: Final = frozenset({C.FIRE})
_ON_SUPERVISORY: Final = frozenset({C.SUPERVISORY})
_ON_ELECTRICAL: Final = frozenset({C.ELECTRICAL})
_ON_GAS: Final = frozenset({C.GAS})
_ON_FAULT: Final = frozenset({C.FAULT})


def _measure(kind: str, payload: Mapping[str, Any], event: str, limits: Thresholds,
             overrides: Mapping[str, Any]) -> tuple[list[IotReading], frozenset[str] | None, str, str]:
    """Readings, the main point's conditions (None: the message says nothing about it), cause, text."""
    if kind == _SMOKE:
        smoke = payload.get("smoke")
        if smoke is None and event not in ("alarm", "restore"):
            return [], None, "", ""
        on = bool(smoke) if smoke is not None else event == "alarm"
        return [], _ON_FIRE if on else _NORMAL, "smoke" if on else "", "烟雾报警" if on else ""
    if kind in (_HYDRANT, _SPRINKLER):
        mpa = _number(payload, "pressure_mpa")
        kpa = _number(payload, "pressure_kpa")
        if mpa is None and kpa is not None:
            mpa = kpa / 1000
        if mpa is None:
            return [], None, "", ""
        hydrant = kind == _HYDRANT
        low = _limit(overrides, "low_mpa", limits.hydrant_low_mpa if hydrant else limits.sprinkler_low_mpa)
        high = _limit(overrides, "high_mpa", limits.hydrant_high_mpa if hydrant else limits.sprinkler_high_mpa)
        reading = [IotReading("pressure", mpa, "MPa")]
        if mpa < low:
            return reading, _ON_SUPERVISORY, "low_pressure", f"水压 {mpa:.3f} MPa 低于 {low:.2f} MPa"
        if mpa > high:
            return reading, _ON_SUPERVISORY, "high_pressure", f"水压 {mpa:.3f} MPa 高于 {high:.2f} MPa"
        return reading, _NORMAL, "", ""
    if kind == _ELECTRICAL:
        return _electrical(payload, limits, overrides)
    if kind == _GAS:
        lel = _number(payload, "gas_lel")
        if lel is None:
            return [], None, "", ""
        level1 = _limit(overrides, "level1_lel", limits.gas_level1_lel)
        level2 = _limit(overrides, "level2_lel", limits.gas_level2_lel)
        reading = [IotReading("gas", lel, "%LEL")]
        if lel >= level2:
            return reading, _ON_GAS, "gas_level2", f"可燃气体浓度 {lel:g} %LEL 达到二级 {level2:g} %LEL"
        if lel >= level1:
            return reading, _ON_GAS, "gas_level1", f"可燃气体浓度 {lel:g} %LEL 达到一级 {level1:g} %LEL"
        return reading, _NORMAL, "", ""
    if kind == _WATER:
        level = _number(payload, "level_m")
        if level is None:
            return [], None, "", ""
        low = _limit(overrides, "low_m", limits.water_level_low_m)
        reading = [IotReading("water_level", level, "m")]
        if level < low:
            return reading, _ON_SUPERVISORY, "low_water_level", f"液位 {level:g} m 低于 {low:g} m"
        return reading, _NORMAL, "", ""
    raise IotPayloadError(f"kind: unknown device kind {kind!r}")


#: The names of an electrical-fire device's temperature probes, ``temperature_<n>`` (built once, not per reading).
_PROBES: Final = tuple(f"temperature_{i + 1}" for i in range(64))


def _electrical(payload: Mapping[str, Any], limits: Thresholds,
                overrides: Mapping[str, Any]) -> tuple[list[IotReading], frozenset[str] | None, str, str]:
    leak = _number(payload, "residual_current_ma")
    temps = _numbers(payload, "temperature_c")
    if leak is None and not temps:
        return [], None, "", ""
    readings = [IotReading("residual_current", leak, "mA")] if leak is not None else []
    readings += [IotReading(_PROBES[i] if i < len(_PROBES) else f"temperature_{i + 1}", t, "℃")
                 for i, t in enumerate(temps)]
    leak_limit = _limit(overrides, "residual_current_ma", limits.residual_current_ma)
    temp_limit = _limit(overrides, "temperature_c", limits.cable_temperature_c)
    hot = max(temps, default=None)
    leaking, overheated = leak is not None and leak >= leak_limit, hot is not None and hot >= temp_limit
    if not (leaking or overheated):
        return readings, _NORMAL, "", ""  # the usual report
    causes, texts = [], []
    if leaking:
        causes.append("residual_current")
        texts.append(f"剩余电流 {leak:g} mA 达到 {leak_limit:g} mA")
    if overheated:
        causes.append("over_temperature")
        texts.append(f"线缆温度 {hot:g} ℃ 达到 {temp_limit:g} ℃")
    return readings, _ON_ELECTRICAL, ",".join(causes), "；".join(texts)


def parse_payload(payload: Any, *, device_id: str | None = None, kind: str | None = None,
                  limits: Thresholds = Thresholds(), overrides: Mapping[str, Any] | None = None) -> IotFacts:
    """Normalise one documented payload. ``device_id``/``kind`` come from the topic or the registry
    when the payload leaves them out; the payload's own must agree with the topic's."""
    if type(payload) is not dict and not isinstance(payload, Mapping):  # decoded JSON: a dict, checked first
        raise IotPayloadError("payload: expected a JSON object")
    pid, pkind = payload.get("device_id"), payload.get("kind")
    if device_id and pid and str(pid) != device_id:
        raise IotPayloadError(f"device_id: payload says {pid!r}, topic says {device_id!r}")
    the_id = str(pid or device_id or "")
    if not the_id or len(the_id) > 64:
        raise IotPayloadError("device_id: missing or longer than 64 characters")
    the_kind = str(kind or pkind or "")
    if the_kind not in KINDS:
        raise IotPayloadError(f"kind: {the_kind!r} is not one of {', '.join(k.value for k in IotKind)}")
    event = str(payload.get("event") or "report")
    if event not in EVENTS:
        raise IotPayloadError(f"event: {event!r} is not one of {', '.join(sorted(EVENTS))}")
    when = device_time(payload.get("ts"))
    readings, conditions, cause, text = _measure(the_kind, payload, event, limits, overrides or {})
    battery = _number(payload, "battery_pct")
    if battery is not None:
        readings.append(IotReading("battery", battery, "%"))
    observations: list[Observation] = []
    if conditions is not None:
        observations.append(Observation(f"iot:{the_id}", conditions, False, None, (text,) if text else (), when,
                                        description=text, cause=cause))
    fault = payload.get("fault")
    if fault is not None or event in _FAULT_EVENTS or event == "fault_restore":
        on = bool(fault) if fault is not None else event in _FAULT_EVENTS
        fault_cause = _FAULT_EVENTS.get(event, "device_fault") if on else ""
        label = {"device_fault": "设备故障", "low_battery": "电池欠压", "tamper": "设备被拆除"}.get(fault_cause, "")
        observations.append(Observation(f"iot:{the_id}/fault", _ON_FAULT if on else _NORMAL, False,
                                        None, (label,) if label else (), when, description=label, cause=fault_cause))
    return IotFacts(the_id, the_kind, when, tuple(readings), tuple(observations))


# The vendor JSON some UITD/NB platforms wrap in CTWing (spec §4.1): event class ``c`` and value ``v``.
VENDOR_VALUE_EVENTS: Final = {-2: "self_test", -1: "heartbeat", 0: "restore", 1: "alarm", 2: "alarm",
                              3: "fault", 4: "low_battery", 5: "tamper"}


@dataclass(frozen=True, slots=True)
class Unwrapped:
    """What a CTWing envelope carried: a GB/T 26875.3 frame, or a payload in the documented schema."""

    device_id: str
    frame: bytes | None = None
    payload: dict[str, Any] | None = None


def unwrap_ctwing(envelope: Any) -> Unwrapped:
    """Open a CTWing AEP ``dataReport`` envelope (``payload.APPdata`` is base64)."""
    if not isinstance(envelope, Mapping):
        raise IotPayloadError("envelope: expected a JSON object")
    device_id = str(envelope.get("deviceId") or envelope.get("IMEI") or "")
    body = envelope.get("payload")
    data = body.get("APPdata") if isinstance(body, Mapping) else None
    if not device_id or not isinstance(data, str):
        raise IotPayloadError("envelope: deviceId and payload.APPdata are required")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise IotPayloadError("payload.APPdata: not base64") from exc
    if raw[:2] == b"@@":
        return Unwrapped(device_id, frame=raw)
    try:
        inner = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IotPayloadError("payload.APPdata: neither a GB/T 26875.3 frame nor JSON") from exc
    if not isinstance(inner, dict):
        raise IotPayloadError("payload.APPdata: expected a JSON object")
    ts = envelope.get("timestamp")
    if "c" in inner and "b" in inner:
        values = [int(p.get("v", -1)) for p in inner.get("b") or [] if isinstance(p, Mapping)
                  and str(p.get("v", "")).lstrip("-").isdigit()]
        event = "heartbeat"
        for value in values:
            event = VENDOR_VALUE_EVENTS.get(value, event)
        if int(inner.get("c", 0)) == 23 and event == "heartbeat":
            event = "fault"
        return Unwrapped(device_id, payload={"device_id": device_id, "kind": IotKind.SMOKE.value, "event": event,
                                             "ts": inner.get("tm", ts)})
    inner.setdefault("device_id", device_id)
    if ts is not None:
        inner.setdefault("ts", ts)
    return Unwrapped(device_id, payload=inner)
