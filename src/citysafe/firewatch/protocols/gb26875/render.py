"""JSON-able views of frames for the CLI (`citysafe gb26875 decode HEX`), logs and the console.

Keys follow the field names of the public vectors (serial, version, sent_at_device, source, ...).
Anything not interpreted is shown as hex (``raw_hex``) rather than dropped.
"""

from __future__ import annotations

from typing import Final

from citysafe.firewatch.protocols.gb26875.adu import encode_adu, known_adu_type
from citysafe.firewatch.protocols.gb26875.errors import FrameError
from citysafe.firewatch.protocols.gb26875.framing import FramerItem, Preamble
from citysafe.firewatch.protocols.gb26875.model import (
    Adu,
    AduObject,
    AnalogValue,
    ClockSync,
    ComponentConfig,
    ComponentRef,
    ComponentStatus,
    DeviceTime,
    DutyCheck,
    Frame,
    Operation,
    RecordQuery,
    Reserved,
    SoftwareVersion,
    SystemConfig,
    SystemRef,
    SystemStatus,
    SystemTime,
    UitdConfig,
    UitdOperation,
    UitdRecordQuery,
    UitdSoftwareVersion,
    UitdStatus,
    UitdTime,
)
from citysafe.firewatch.protocols.gb26875.tables import (
    ADU_TYPE_NAMES,
    COMMAND_NAMES,
    COMPONENT_STATUS_BITS,
    OPERATION_BITS,
    SYSTEM_STATUS_BITS,
    UITD_OPERATION_BITS,
    UITD_STATUS_BITS,
    FlagBit,
    analog_type_info,
    component_type_name,
    flag_labels,
    flag_names,
    system_type_name,
)

__all__ = ["error_to_dict", "frame_to_dict", "item_to_dict", "object_to_dict"]

JsonDict = dict[str, object]

_KINDS: Final[dict[type, str]] = {
    SystemStatus: "system_status",
    ComponentStatus: "component_status",
    AnalogValue: "analog_value",
    Operation: "operation",
    SoftwareVersion: "software_version",
    SystemConfig: "system_config",
    ComponentConfig: "component_config",
    SystemTime: "system_time",
    UitdStatus: "uitd_status",
    UitdOperation: "uitd_operation",
    UitdSoftwareVersion: "uitd_software_version",
    UitdConfig: "uitd_config",
    UitdTime: "uitd_time",
    SystemRef: "system_ref",
    ComponentRef: "component_ref",
    RecordQuery: "record_query",
    UitdRecordQuery: "uitd_record_query",
    Reserved: "reserved",
    ClockSync: "clock_sync",
    DutyCheck: "duty_check",
}


def _time(out: JsonDict, key: str, time: DeviceTime | None) -> None:
    iso = None if time is None else time.isoformat()
    out[key] = iso
    if time is not None and iso is None:
        out[f"{key}_raw_hex"] = time.raw.hex()  # an impossible or all-zero label, kept for diagnosis


def _system(out: JsonDict, system_type: int, system_address: int) -> None:
    out["system_type"] = system_type
    out["system_type_name"] = system_type_name(system_type)
    out["system_address"] = system_address


def _component(out: JsonDict, component_type: int, component_address: int) -> None:
    out["component_type"] = component_type
    out["component_type_name"] = component_type_name(component_type)
    out["component_address"] = component_address


def _status(out: JsonDict, status: int, bits: tuple[FlagBit, ...]) -> None:
    out["status"] = status
    out["flags"] = list(flag_names(bits, status))
    out["flags_zh"] = list(flag_labels(bits, status))
    # Bit 0 on its own (1 = normal operation, 0 = test by the letter of the standard). It is not
    # labelled "test": every public fire sample sends 0x0002, and how vendors use the bit is unknown,
    # so a fire must never look like a drill on the console. Fire is bit 1 whatever bit 0 says.
    out["normal_bit"] = bool(status & 1)


def _operation(out: JsonDict, operation: int, operator: int, bits: tuple[FlagBit, ...]) -> None:
    out["operation"] = operation
    out["flags"] = list(flag_names(bits, operation))
    out["flags_zh"] = list(flag_labels(bits, operation))
    out["operator"] = operator


def _text(out: JsonDict, description: str, raw: bytes) -> None:
    out["description"] = description
    out["description_raw_hex"] = raw.hex()


def object_to_dict(obj: AduObject) -> JsonDict:
    """One ADU object as a dict with named flags, Chinese type names and ISO device times."""
    out: JsonDict = {"kind": _KINDS[type(obj)]}
    if isinstance(obj, SystemStatus):
        _system(out, obj.system_type, obj.system_address)
        _status(out, obj.status, SYSTEM_STATUS_BITS)
        _time(out, "occurred_at_device", obj.time)
    elif isinstance(obj, ComponentStatus):
        _system(out, obj.system_type, obj.system_address)
        _component(out, obj.component_type, obj.component_address)
        _status(out, obj.status, COMPONENT_STATUS_BITS)
        _text(out, obj.description, obj.description_raw)
        _time(out, "occurred_at_device", obj.time)
    elif isinstance(obj, AnalogValue):
        _system(out, obj.system_type, obj.system_address)
        _component(out, obj.component_type, obj.component_address)
        info = analog_type_info(obj.analog_type)
        out["analog_type"] = obj.analog_type
        out["analog_type_name"] = None if info is None else info.name
        out["value"] = obj.value
        # Vendor and reserved analog types have no known scale: leave the engineering value empty.
        out["engineering_value"] = None if info is None else round(obj.value * info.resolution, 2)
        out["unit"] = None if info is None else info.unit
        _time(out, "occurred_at_device", obj.time)
    elif isinstance(obj, Operation):
        _system(out, obj.system_type, obj.system_address)
        _operation(out, obj.operation, obj.operator, OPERATION_BITS)
        _time(out, "occurred_at_device", obj.time)
    elif isinstance(obj, SoftwareVersion | UitdSoftwareVersion):
        if isinstance(obj, SoftwareVersion):
            _system(out, obj.system_type, obj.system_address)
        out["major"] = obj.major
        out["minor"] = obj.minor
        out["software_version"] = f"{obj.major}.{obj.minor}"
    elif isinstance(obj, SystemConfig):
        _system(out, obj.system_type, obj.system_address)
        _text(out, obj.description, obj.description_raw)
    elif isinstance(obj, ComponentConfig):
        _system(out, obj.system_type, obj.system_address)
        _component(out, obj.component_type, obj.component_address)
        _text(out, obj.description, obj.description_raw)
    elif isinstance(obj, SystemTime):
        _system(out, obj.system_type, obj.system_address)
        _time(out, "clock_at_device", obj.clock)
    elif isinstance(obj, UitdStatus):
        _status(out, obj.status, UITD_STATUS_BITS)
        _time(out, "occurred_at_device", obj.time)
    elif isinstance(obj, UitdOperation):
        _operation(out, obj.operation, obj.operator, UITD_OPERATION_BITS)
        _time(out, "occurred_at_device", obj.time)
    elif isinstance(obj, UitdConfig):
        _text(out, obj.description, obj.description_raw)
    elif isinstance(obj, UitdTime | ClockSync):
        _time(out, "clock_at_device", obj.clock)
    elif isinstance(obj, SystemRef):
        _system(out, obj.system_type, obj.system_address)
    elif isinstance(obj, ComponentRef):
        _system(out, obj.system_type, obj.system_address)
        out["component_address"] = obj.component_address
    elif isinstance(obj, RecordQuery | UitdRecordQuery):
        if isinstance(obj, RecordQuery):
            _system(out, obj.system_type, obj.system_address)
        out["record_count"] = obj.record_count
        _time(out, "start_at_device", obj.start)
    elif isinstance(obj, Reserved):
        out["reserved"] = obj.value
    else:
        out["timeout_minutes"] = obj.timeout_minutes
    return out


def _adu(out: JsonDict, adu: Adu | None, adu_length: int) -> None:
    out["adu_length"] = adu_length
    if adu is None:
        out.update(
            adu_type=None, adu_type_name=None, count=None, objects=[], raw_hex=None, raw_adu_kept=False
        )
        return
    known = known_adu_type(adu.type)
    out["adu_type"] = adu.type
    out["adu_type_name"] = ADU_TYPE_NAMES.get(adu.type, "用户自定义" if adu.type >= 128 else "预留")
    out["count"] = adu.count
    out["objects"] = [object_to_dict(obj) for obj in adu.objects]
    if known:
        out["raw_hex"] = adu.rest.hex() if adu.rest else None
    else:
        # A reserved or vendor type: the whole ADU (type and count included) is kept as sent.
        out["raw_hex"] = encode_adu(adu).hex()
    out["raw_adu_kept"] = not known or bool(adu.rest)


def frame_to_dict(frame: Frame) -> JsonDict:
    """A decoded frame as one JSON-able dict."""
    out: JsonDict = {
        "valid": True,
        "serial": frame.serial,
        "version": frame.version_text,
    }
    _time(out, "sent_at_device", frame.sent)
    out.update(
        source=frame.source,
        source_hex=f"{frame.source:012x}",
        destination=frame.destination,
        destination_hex=f"{frame.destination:012x}",
        command=frame.command,
        command_name=COMMAND_NAMES.get(frame.command, "用户自定义" if frame.command >= 128 else "预留"),
    )
    adu_length = len(frame.raw) - 30 if frame.raw else len(encode_adu(frame.adu))
    _adu(out, frame.adu, adu_length)
    if frame.raw:
        out["frame_hex"] = frame.raw.hex()
    return out


def error_to_dict(error: FrameError) -> JsonDict:
    """A framing error: its kind, one-line reason, the bytes, and the header when readable."""
    out: JsonDict = {
        "valid": False,
        "error": error.kind,
        "reason": error.reason,
        "data_hex": error.data.hex(),
    }
    header = error.header
    if header is not None:
        out.update(serial=header.serial, source=header.source, destination=header.destination)
    return out


def item_to_dict(item: FramerItem) -> JsonDict:
    """Any item a ``StreamFramer`` yields."""
    if isinstance(item, Frame):
        return frame_to_dict(item)
    if isinstance(item, Preamble):
        return {"valid": True, "preamble": item.text, "data_hex": item.data.hex()}
    return error_to_dict(item)
