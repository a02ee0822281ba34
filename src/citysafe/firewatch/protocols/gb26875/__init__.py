"""GB/T 26875.3-2011 (城市消防远程监控系统 报警传输网络通信协议): a pure codec.

Bytes in, frozen dataclasses out, and back; no I/O, no clock. "Strict framing, tolerant ADU": a frame
whose markers, length or checksum are wrong raises a ``FrameError``; once the checksum passes nothing
raises, and what does not follow the standard is kept raw.

Typical gateway loop::

    framer = StreamFramer()
    for item in framer.feed(chunk):
        if isinstance(item, Frame):
            reply = encode_frame(build_ack(item, now_china))
        elif isinstance(item, Preamble):
            reply = b"OK!"
        elif item.header is not None:
            reply = encode_frame(build_nak(item.header, now_china))
"""

from citysafe.firewatch.protocols.gb26875.adu import OBJECT_CLASSES, decode_adu, encode_adu, known_adu_type
from citysafe.firewatch.protocols.gb26875.builders import (
    DOWNLINK_TYPES,
    UPLOAD_TYPES,
    build_ack,
    build_clock_sync,
    build_downlink,
    build_duty_check,
    build_initialize,
    build_nak,
    build_read_uitd_status,
    build_upload,
)
from citysafe.firewatch.protocols.gb26875.codec import (
    MAX_ADU_LENGTH,
    MAX_FRAME_LENGTH,
    checksum,
    decode_frame,
    dedup_key,
    encode_frame,
)
from citysafe.firewatch.protocols.gb26875.errors import (
    BadChecksum,
    BadStartMarker,
    BadTail,
    EncodeError,
    FrameError,
    LengthMismatch,
    TooLong,
    Truncated,
)
from citysafe.firewatch.protocols.gb26875.framing import FramerItem, Preamble, StreamFramer
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
    Header,
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
    clean_text,
    encode_description,
    parse_header,
)
from citysafe.firewatch.protocols.gb26875.render import (
    error_to_dict,
    frame_to_dict,
    item_to_dict,
    object_to_dict,
)
from citysafe.firewatch.protocols.gb26875.tables import AduType, Command

__all__ = [
    "DOWNLINK_TYPES",
    "MAX_ADU_LENGTH",
    "MAX_FRAME_LENGTH",
    "OBJECT_CLASSES",
    "UPLOAD_TYPES",
    "Adu",
    "AduObject",
    "AduType",
    "AnalogValue",
    "BadChecksum",
    "BadStartMarker",
    "BadTail",
    "ClockSync",
    "Command",
    "ComponentConfig",
    "ComponentRef",
    "ComponentStatus",
    "DeviceTime",
    "DutyCheck",
    "EncodeError",
    "Frame",
    "FrameError",
    "FramerItem",
    "Header",
    "LengthMismatch",
    "Operation",
    "Preamble",
    "RecordQuery",
    "Reserved",
    "SoftwareVersion",
    "StreamFramer",
    "SystemConfig",
    "SystemRef",
    "SystemStatus",
    "SystemTime",
    "TooLong",
    "Truncated",
    "UitdConfig",
    "UitdOperation",
    "UitdRecordQuery",
    "UitdSoftwareVersion",
    "UitdStatus",
    "UitdTime",
    "build_ack",
    "build_clock_sync",
    "build_downlink",
    "build_duty_check",
    "build_initialize",
    "build_nak",
    "build_read_uitd_status",
    "build_upload",
    "checksum",
    "clean_text",
    "decode_adu",
    "decode_frame",
    "dedup_key",
    "encode_adu",
    "encode_description",
    "encode_frame",
    "error_to_dict",
    "frame_to_dict",
    "item_to_dict",
    "known_adu_type",
    "object_to_dict",
    "parse_header",
]
