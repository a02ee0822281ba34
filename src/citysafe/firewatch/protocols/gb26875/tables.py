"""Code tables of GB/T 26875.3-2011 (Tables 2-6, Figures 6, 7, 9, 13 and 14).

Kept as data rather than code so the renderer, the alarm engine and the console read the same names.
English flag names are stable identifiers (they reach JSON, events and the database); the Chinese
labels are for people.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final, NamedTuple

__all__ = [
    "ADU_TYPE_NAMES",
    "ANALOG_TYPES",
    "COMMAND_NAMES",
    "COMPONENT_STATUS_BITS",
    "COMPONENT_TYPES",
    "OPERATION_BITS",
    "SYSTEM_STATUS_BITS",
    "SYSTEM_TYPES",
    "UITD_OPERATION_BITS",
    "UITD_STATUS_BITS",
    "AduType",
    "AnalogType",
    "Command",
    "FlagBit",
    "analog_type_info",
    "component_type_name",
    "flag_labels",
    "flag_names",
    "is_reserved_command",
    "system_type_name",
]


class Command(IntEnum):
    """Command byte (Table 2). 7-127 are reserved and 128-255 user-defined."""

    CONTROL = 1
    SEND_DATA = 2
    ACK = 3
    REQUEST = 4
    RESPONSE = 5
    NAK = 6


COMMAND_NAMES: Final[dict[int, str]] = {
    0: "预留",
    1: "控制命令",
    2: "发送数据",
    3: "确认",
    4: "请求",
    5: "应答",
    6: "否认",
}


def is_reserved_command(command: int) -> bool:
    """True for command bytes the standard reserves (0 and 7-127).

    The codec does not reject them (a checksum-valid frame is never dropped); the gateway decides
    whether to NAK, as §6.5 lists an unknown command byte among the validation errors.
    """
    return command == 0 or 7 <= command <= 127


class AduType(IntEnum):
    """ADU type codes (Table 3) that the standard defines."""

    SYSTEM_STATUS = 1
    COMPONENT_STATUS = 2
    ANALOG_VALUE = 3
    OPERATION = 4
    SOFTWARE_VERSION = 5
    SYSTEM_CONFIG = 6
    COMPONENT_CONFIG = 7
    SYSTEM_TIME = 8
    UITD_STATUS = 21
    UITD_OPERATION = 24
    UITD_SOFTWARE_VERSION = 25
    UITD_CONFIG = 26
    UITD_TIME = 28
    READ_SYSTEM_STATUS = 61
    READ_COMPONENT_STATUS = 62
    READ_ANALOG_VALUES = 63
    READ_OPERATION_RECORDS = 64
    READ_SOFTWARE_VERSION = 65
    READ_SYSTEM_CONFIG = 66
    READ_COMPONENT_CONFIG = 67
    READ_SYSTEM_TIME = 68
    READ_UITD_STATUS = 81
    READ_UITD_OPERATION_RECORDS = 84
    READ_UITD_SOFTWARE_VERSION = 85
    READ_UITD_CONFIG = 86
    READ_UITD_TIME = 88
    INITIALIZE_UITD = 89
    SYNC_UITD_CLOCK = 90
    DUTY_CHECK = 91


ADU_TYPE_NAMES: Final[dict[int, str]] = {
    1: "上传建筑消防设施系统状态",
    2: "上传建筑消防设施部件运行状态",
    3: "上传建筑消防设施部件模拟量值",
    4: "上传建筑消防设施操作信息",
    5: "上传建筑消防设施软件版本",
    6: "上传建筑消防设施系统配置情况",
    7: "上传建筑消防设施部件配置情况",
    8: "上传建筑消防设施系统时间",
    21: "上传用户信息传输装置运行状态",
    24: "上传用户信息传输装置操作信息",
    25: "上传用户信息传输装置软件版本",
    26: "上传用户信息传输装置配置情况",
    28: "上传用户信息传输装置系统时间",
    61: "读建筑消防设施系统状态",
    62: "读建筑消防设施部件运行状态",
    63: "读建筑消防设施部件模拟量值",
    64: "读建筑消防设施操作信息",
    65: "读建筑消防设施软件版本",
    66: "读建筑消防设施系统配置情况",
    67: "读建筑消防设施部件配置情况",
    68: "读建筑消防设施系统时间",
    81: "读用户信息传输装置运行状态",
    84: "读用户信息传输装置操作信息记录",
    85: "读用户信息传输装置软件版本",
    86: "读用户信息传输装置配置情况",
    88: "读用户信息传输装置系统时间",
    89: "初始化用户信息传输装置",
    90: "同步用户信息传输装置时钟",
    91: "查岗命令",
}

# Table 4. Codes not listed are reserved (2-9, 25-127) or user-defined (128-255).
SYSTEM_TYPES: Final[dict[int, str]] = {
    0: "通用",
    1: "火灾报警系统",
    10: "消防联动控制器",
    11: "消火栓系统",
    12: "自动喷水灭火系统",
    13: "气体灭火系统",
    14: "水喷雾灭火系统(泵启动方式)",
    15: "水喷雾灭火系统(压力容器启动方式)",
    16: "泡沫灭火系统",
    17: "干粉灭火系统",
    18: "防烟排烟系统",
    19: "防火门及卷帘系统",
    20: "消防电梯",
    21: "消防应急广播",
    22: "消防应急照明和疏散指示系统",
    23: "消防电源",
    24: "消防电话",
}

# Table 5.
COMPONENT_TYPES: Final[dict[int, str]] = {
    0: "通用",
    1: "火灾报警控制器",
    10: "可燃气体探测器",
    11: "点型可燃气体探测器",
    12: "独立式可燃气体探测器",
    13: "线型可燃气体探测器",
    16: "电气火灾监控报警器",
    17: "剩余电流式电气火灾监控探测器",
    18: "测温式电气火灾监控探测器",
    21: "探测回路",
    22: "火灾显示盘",
    23: "手动火灾报警按钮",
    24: "消火栓按钮",
    25: "火灾探测器",
    30: "感温火灾探测器",
    31: "点型感温火灾探测器",
    32: "点型感温火灾探测器(S型)",
    33: "点型感温火灾探测器(R型)",
    34: "线型感温火灾探测器",
    35: "线型感温火灾探测器(S型)",
    36: "线型感温火灾探测器(R型)",
    37: "光纤感温火灾探测器",
    40: "感烟火灾探测器",
    41: "点型离子感烟火灾探测器",
    42: "点型光电感烟火灾探测器",
    43: "线型光束感烟火灾探测器",
    44: "吸气式感烟火灾探测器",
    50: "复合式火灾探测器",
    51: "复合式感烟感温火灾探测器",
    52: "复合式感光感温火灾探测器",
    53: "复合式感光感烟火灾探测器",
    61: "紫外火焰探测器",
    62: "红外火焰探测器",
    69: "感光火灾探测器",
    74: "气体探测器",
    78: "图像摄像方式火灾探测器",
    79: "感声火灾探测器",
    81: "气体灭火控制器",
    82: "消防电气控制装置",
    83: "消防控制室图形显示装置",
    84: "模块",
    85: "输入模块",
    86: "输出模块",
    87: "输入/输出模块",
    88: "中继模块",
    91: "消防水泵",
    92: "消防水箱",
    95: "喷淋泵",
    96: "水流指示器",
    97: "信号阀",
    98: "报警阀",
    99: "压力开关",
    101: "阀驱动装置",
    102: "防火门",
    103: "防火阀",
    104: "通风空调",
    105: "泡沫液泵",
    106: "管网电磁阀",
    111: "防烟排烟风机",
    113: "排烟防火阀",
    114: "常闭送风口",
    115: "排烟口",
    116: "电控挡烟垂壁",
    117: "防火卷帘控制器",
    118: "防火门监控器",
    121: "警报装置",
}


def _code_name(table: dict[int, str], code: int) -> str:
    name = table.get(code)
    if name is not None:
        return name
    # Vendors use 128-255 (e.g. 0xC9, 0xCB in FireMaster captures); say so rather than guess a name.
    return "用户自定义" if code >= 128 else "预留"


def system_type_name(code: int) -> str:
    """Chinese name of a system type (Table 4), or 用户自定义 / 预留 for unnamed codes."""
    return _code_name(SYSTEM_TYPES, code)


def component_type_name(code: int) -> str:
    """Chinese name of a component type (Table 5), or 用户自定义 / 预留 for unnamed codes."""
    return _code_name(COMPONENT_TYPES, code)


class AnalogType(NamedTuple):
    """One row of Table 6: engineering value = raw int16 × resolution."""

    name: str
    unit: str
    resolution: float


ANALOG_TYPES: Final[dict[int, AnalogType]] = {
    1: AnalogType("事件计数", "件", 1.0),
    2: AnalogType("高度", "m", 0.01),
    3: AnalogType("温度", "℃", 0.1),
    4: AnalogType("压力", "MPa", 0.1),
    5: AnalogType("压力", "kPa", 0.1),
    6: AnalogType("气体浓度", "%LEL", 0.1),
    7: AnalogType("时间", "s", 1.0),
    8: AnalogType("电压", "V", 0.1),
    9: AnalogType("电流", "A", 0.1),
    10: AnalogType("流量", "L/s", 0.1),
    11: AnalogType("风量", "m³/min", 0.1),
    12: AnalogType("风速", "m/s", 1.0),
}


def analog_type_info(code: int) -> AnalogType | None:
    """Table 6 row for a code; None for unused (0), reserved and vendor codes whose scale is unknown."""
    return ANALOG_TYPES.get(code)


class FlagBit(NamedTuple):
    """A named bit of a status or operation field."""

    bit: int
    name: str
    label: str


def _bits(*rows: tuple[str, str]) -> tuple[FlagBit, ...]:
    return tuple(FlagBit(i, name, label) for i, (name, label) in enumerate(rows))


_COMMON_STATUS = (
    # Bit 0 set means normal operation, clear means test mode. It is reported as "normal" only when
    # set, so a fire sent as 0x0002 (as every public sample does) reads simply as ["fire"].
    ("normal", "正常运行"),
    ("fire", "火警"),
    ("fault", "故障"),
    ("shielded", "屏蔽"),
    ("supervisory", "监管"),
    ("started", "启动"),
    ("feedback", "反馈"),
    ("delay", "延时"),
)

# Figure 6: system status (type 1).
SYSTEM_STATUS_BITS: Final = _bits(
    *_COMMON_STATUS,
    ("main_power_fault", "主电故障"),
    ("standby_power_fault", "备电故障"),
    ("bus_fault", "总线故障"),
    ("manual", "手动"),
    ("config_changed", "配置改变"),
    ("reset", "复位"),
    ("reserved_bit14", "预留位14"),
    ("reserved_bit15", "预留位15"),
)

# Figure 7: component status (type 2).
COMPONENT_STATUS_BITS: Final = _bits(
    *_COMMON_STATUS,
    ("power_fault", "电源故障"),
    *((f"reserved_bit{i}", f"预留位{i}") for i in range(9, 16)),
)

# Figure 13: UITD status (type 21, one byte).
UITD_STATUS_BITS: Final = _bits(
    ("normal", "正常监视"),
    ("fire", "火警"),
    ("fault", "故障"),
    ("main_power_fault", "主电故障"),
    ("standby_power_fault", "备电故障"),
    ("centre_channel_fault", "与监控中心通信信道故障"),
    ("monitoring_line_fault", "监测连接线路故障"),
    ("reserved_bit7", "预留位7"),
)

_COMMON_OPERATION = (
    ("reset", "复位"),
    ("silence", "消音"),
    ("manual_alarm", "手动报警"),
    ("alarm_cleared", "警情消除"),
    ("self_test", "自检"),
)

# Figure 9: facility operation flags (type 4).
OPERATION_BITS: Final = _bits(
    *_COMMON_OPERATION,
    ("acknowledge", "确认"),
    ("test", "测试"),
    ("reserved_bit7", "预留位7"),
)

# Figure 14: UITD operation flags (type 24); bit 5 is the operator's reply to a 查岗 (type 91).
UITD_OPERATION_BITS: Final = _bits(
    *_COMMON_OPERATION,
    ("duty_check_reply", "查岗应答"),
    ("test", "测试"),
    ("reserved_bit7", "预留位7"),
)


def flag_names(bits: tuple[FlagBit, ...], value: int) -> tuple[str, ...]:
    """Stable names of the bits set in ``value``, low bit first."""
    return tuple(b.name for b in bits if value >> b.bit & 1)


def flag_labels(bits: tuple[FlagBit, ...], value: int) -> tuple[str, ...]:
    """Chinese labels of the bits set in ``value``, low bit first."""
    return tuple(b.label for b in bits if value >> b.bit & 1)
