"""IoT payload normalisation and thresholds (pure), and the CTWing envelope."""

from __future__ import annotations

import base64
import json

import pytest

from citysafe.firewatch.config import Thresholds
from citysafe.firewatch.ingest import iot


def _point(facts: iot.IotFacts, suffix: str = "") -> frozenset[str] | None:
    for obs in facts.observations:
        if obs.point_key == f"iot:{facts.device_id}{suffix}":
            return obs.observed
    return None


@pytest.mark.parametrize(("kind", "fields", "expected", "cause"), [
    ("hydrant_pressure", {"pressure_mpa": 0.08}, {"supervisory"}, "low_pressure"),
    ("hydrant_pressure", {"pressure_mpa": 0.10}, set(), ""),
    ("hydrant_pressure", {"pressure_kpa": 1200}, {"supervisory"}, "high_pressure"),
    ("sprinkler_pressure", {"pressure_mpa": 0.35}, set(), ""),
    ("electrical_fire", {"residual_current_ma": 300}, {"electrical"}, "residual_current"),
    ("electrical_fire", {"residual_current_ma": 299, "temperature_c": [40, 71]}, {"electrical"}, "over_temperature"),
    ("electrical_fire", {"residual_current_ma": 120, "temperature_c": 35}, set(), ""),
    ("combustible_gas", {"gas_lel": 26}, {"gas"}, "gas_level1"),
    ("combustible_gas", {"gas_lel": 55}, {"gas"}, "gas_level2"),
    ("water_level", {"level_m": 0.4}, {"supervisory"}, "low_water_level"),
    ("smoke", {"smoke": True}, {"fire"}, "smoke"),
    ("smoke", {"event": "restore"}, set(), ""),
])
def test_default_thresholds(kind: str, fields: dict[str, object], expected: set[str], cause: str) -> None:
    facts = iot.parse_payload({"device_id": "D1", "kind": kind, "ts": 1772330400, **fields})
    assert _point(facts) == frozenset(expected)
    assert facts.observations[0].cause == cause
    assert facts.device_time is not None and facts.device_time.year == 2026


def test_per_device_override_wins() -> None:
    facts = iot.parse_payload({"pressure_mpa": 0.12}, device_id="H1", kind="hydrant_pressure",
                              limits=Thresholds(), overrides={"low_mpa": 0.15})
    assert _point(facts) == frozenset({"supervisory"})


def test_heartbeat_says_nothing_and_fault_is_its_own_point() -> None:
    beat = iot.parse_payload({"device_id": "S1", "kind": "smoke", "event": "heartbeat", "battery_pct": 80})
    assert beat.observations == () and beat.readings[0].quantity == "battery"
    low = iot.parse_payload({"device_id": "S1", "kind": "smoke", "event": "low_battery"})
    assert _point(low, "/fault") == frozenset({"fault"}) and _point(low) is None
    ok = iot.parse_payload({"device_id": "S1", "kind": "smoke", "fault": False, "smoke": False})
    assert _point(ok, "/fault") == frozenset() and _point(ok) == frozenset()


@pytest.mark.parametrize(("payload", "message"), [
    ([], "JSON object"),
    ({"kind": "smoke"}, "device_id"),
    ({"device_id": "X", "kind": "toaster"}, "kind"),
    ({"device_id": "X", "kind": "smoke", "event": "boom"}, "event"),
    ({"device_id": "X", "kind": "hydrant_pressure", "pressure_mpa": "high"}, "pressure_mpa"),
    ({"device_id": "X", "kind": "smoke", "ts": "yesterday"}, "ts"),
])
def test_bad_payloads_name_the_field(payload: object, message: str) -> None:
    with pytest.raises(iot.IotPayloadError, match=message):
        iot.parse_payload(payload)


def test_topic_and_payload_must_agree() -> None:
    with pytest.raises(iot.IotPayloadError, match="topic"):
        iot.parse_payload({"device_id": "A"}, device_id="B", kind="smoke")


def test_iso_time_without_zone_is_china_time() -> None:
    facts = iot.parse_payload({"device_id": "S", "kind": "smoke", "smoke": False, "ts": "2026-03-01T10:00:00"})
    assert facts.device_time is not None and facts.device_time.hour == 2


def _envelope(app_data: bytes) -> dict[str, object]:
    return {"upPacketSN": -1, "topic": "ad", "timestamp": 1609231209882, "tenantId": "10461180",
            "protocol": "tcp", "productId": "15017085", "payload": {"APPdata": base64.b64encode(app_data).decode()},
            "messageType": "dataReport", "deviceId": "1501708501"}


def test_ctwing_vendor_codebook_and_frames() -> None:
    vendor = {"b": [{"id": "0181091701068001000001010100030185", "v": "1"}], "c": 21, "id": 1, "tm": 1619273663291}
    content = iot.unwrap_ctwing(_envelope(json.dumps(vendor).encode()))
    assert content.payload is not None and content.payload["event"] == "alarm"
    assert _point(iot.parse_payload(content.payload)) == frozenset({"fire"})
    frame = bytes.fromhex("404001000101203A091A090C790300000000385B01000000090002150108023A091A090C422323")
    assert iot.unwrap_ctwing(_envelope(frame)).frame == frame
    ours = iot.unwrap_ctwing(_envelope(json.dumps({"kind": "water_level", "level_m": 3.2}).encode()))
    assert ours.payload is not None and ours.payload["device_id"] == "1501708501"
    with pytest.raises(iot.IotPayloadError):
        iot.unwrap_ctwing({"deviceId": "x", "payload": {"APPdata": "***"}})
