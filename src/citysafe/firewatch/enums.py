"""Names shared by the firewatch engine, its API and other domains (which may import this module)."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class AlarmKind(StrEnum):
    """What an alarm is about. Each point has at most one open alarm per kind."""

    FIRE = "fire"
    GAS = "gas"                  # combustible-gas alarm (component types 10-13, IoT gas detectors)
    ELECTRICAL = "electrical"    # electrical-fire monitoring alarm (types 16-18, IoT leakage/temperature)
    SUPERVISORY = "supervisory"  # 监管: water pressure, water level, valve position and the like
    FAULT = "fault"
    OFFLINE = "offline"


class PointCondition(StrEnum):
    """Conditions a point can be in; the alarm kinds plus states that open no alarm."""

    FIRE = "fire"
    GAS = "gas"
    ELECTRICAL = "electrical"
    SUPERVISORY = "supervisory"
    FAULT = "fault"
    OFFLINE = "offline"
    SHIELDED = "shielded"
    STARTED = "started"
    FEEDBACK = "feedback"


ALARM_KINDS: Final = frozenset(k.value for k in AlarmKind)
# These need an operator's decision: a restore on the device does not close them, because a fire the
# panel was reset on is still a fire until someone verified it.
DECISION_KINDS: Final = frozenset({AlarmKind.FIRE.value, AlarmKind.GAS.value, AlarmKind.ELECTRICAL.value})

KIND_NAMES_ZH: Final = {
    AlarmKind.FIRE: "火警",
    AlarmKind.GAS: "可燃气体报警",
    AlarmKind.ELECTRICAL: "电气火灾报警",
    AlarmKind.SUPERVISORY: "监管报警",
    AlarmKind.FAULT: "故障",
    AlarmKind.OFFLINE: "离线",
}


class AlarmState(StrEnum):
    """The operator workflow: new → acknowledged → verified → confirmed / false_alarm / test."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    VERIFIED = "verified"
    CONFIRMED = "confirmed"
    FALSE_ALARM = "false_alarm"
    TEST = "test"
    RESTORED = "restored"  # closed by the device returning to normal (faults, supervisory, offline)


TERMINAL_STATES: Final = frozenset({AlarmState.CONFIRMED, AlarmState.FALSE_ALARM, AlarmState.TEST,
                                    AlarmState.RESTORED})

STATE_NAMES_ZH: Final = {
    AlarmState.NEW: "待处理",
    AlarmState.ACKNOWLEDGED: "已受理",
    AlarmState.VERIFIED: "已核实",
    AlarmState.CONFIRMED: "确认火警",
    AlarmState.FALSE_ALARM: "误报",
    AlarmState.TEST: "测试",
    AlarmState.RESTORED: "已恢复",
}


class VerifyMethod(StrEnum):
    VIDEO = "video"
    PHONE = "phone"


class IotKind(StrEnum):
    """IoT device kinds with a documented payload (docs/iot-payloads.md)."""

    SMOKE = "smoke"
    HYDRANT_PRESSURE = "hydrant_pressure"
    SPRINKLER_PRESSURE = "sprinkler_pressure"
    ELECTRICAL_FIRE = "electrical_fire"
    COMBUSTIBLE_GAS = "combustible_gas"
    WATER_LEVEL = "water_level"


IOT_KIND_NAMES_ZH: Final = {
    IotKind.SMOKE: "独立式感烟探测器",
    IotKind.HYDRANT_PRESSURE: "消火栓压力监测",
    IotKind.SPRINKLER_PRESSURE: "喷淋管网压力监测",
    IotKind.ELECTRICAL_FIRE: "电气火灾监控探测器",
    IotKind.COMBUSTIBLE_GAS: "可燃气体探测器",
    IotKind.WATER_LEVEL: "消防水池/水箱液位监测",
}
