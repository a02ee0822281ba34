"""Every public vector decodes as its "expect" block says (vectors/README.md for provenance).

Also the ADU-only vectors of the notes' section 3, which exercise types 1-5, 8, 21, 24, 25 and 28.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from gb26875_helpers import VECTORS, public_vectors, vector_bytes

from citysafe.firewatch.protocols.gb26875 import (
    AnalogValue,
    ComponentStatus,
    FrameError,
    Operation,
    SoftwareVersion,
    StreamFramer,
    SystemStatus,
    SystemTime,
    TooLong,
    UitdOperation,
    UitdSoftwareVersion,
    UitdStatus,
    UitdTime,
    build_ack,
    decode_adu,
    decode_frame,
    encode_adu,
    encode_frame,
    frame_to_dict,
    object_to_dict,
)

_IDS = ["SF1", "FM12", "FM_ACK", "FM1", "FM3", "FM5", "FM_BAD"]


def _subset(actual: Any, expected: Any, path: str = "") -> None:
    """Assert that every key of ``expected`` is in ``actual`` with the same value, recursively."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), path
        for key, value in expected.items():
            assert key in actual, f"missing {path}/{key}"
            _subset(actual[key], value, f"{path}/{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), path
        assert len(actual) == len(expected), path
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            _subset(a, e, f"{path}[{i}]")
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


def test_vector_file_has_every_known_id() -> None:
    assert sorted(public_vectors()) == sorted(_IDS)
    assert VECTORS.is_file()


@pytest.mark.parametrize("vector_id", [i for i in _IDS if i != "FM_BAD"])
def test_public_frame_decodes_as_expected(vector_id: str) -> None:
    vector = public_vectors()[vector_id]
    data = bytes.fromhex(vector["hex"])
    frame = decode_frame(data)
    _subset(frame_to_dict(frame), vector["expect"])
    # Nothing is lost: the decoded frame re-encodes to the captured bytes.
    assert encode_frame(frame) == data
    assert frame.raw == data


def test_fm_bad_is_rejected_with_a_reason() -> None:
    data = vector_bytes("FM_BAD")
    with pytest.raises(TooLong) as info:
        decode_frame(data)
    assert isinstance(info.value, FrameError)
    assert "12336" in str(info.value)
    assert "\n" not in str(info.value)
    assert public_vectors()["FM_BAD"]["expect"] == {"valid": False}


def test_fm_bad_then_a_good_frame_on_one_stream() -> None:
    stream = vector_bytes("FM_BAD") + vector_bytes("FM1")
    items = StreamFramer().feed(stream)
    assert isinstance(items[0], TooLong)
    assert [type(i).__name__ for i in items[1:]] == ["Frame"]
    assert frame_to_dict(items[1])["adu_type"] == 21  # type: ignore[arg-type]


def test_fm_ack_is_what_we_build_for_fm12() -> None:
    fm12 = decode_frame(vector_bytes("FM12"))
    ack = build_ack(fm12, datetime(2012, 9, 26, 9, 58, 35))
    assert encode_frame(ack) == vector_bytes("FM_ACK")


def test_sf1_names_and_raw_description() -> None:
    frame = decode_frame(vector_bytes("SF1"))
    obj = frame_to_dict(frame)["objects"][0]  # type: ignore[index]
    assert obj["system_type_name"] == "火灾报警系统"
    assert obj["component_type_name"] == "通用"
    assert len(bytes.fromhex(obj["description_raw_hex"])) == 31
    assert obj["flags_zh"] == ["火警"]
    assert obj["normal_bit"] is False  # recorded, but fire is reported regardless


def test_fm5_vendor_type_is_kept_raw() -> None:
    data = vector_bytes("FM5")
    frame = decode_frame(data)
    assert frame.adu is not None
    assert frame.adu.objects == ()
    rendered = frame_to_dict(frame)
    assert rendered["raw_hex"] == data[27:-3].hex()
    assert rendered["raw_adu_kept"] is True


T = datetime(2021, 7, 2, 9, 0, 4)

_ADU_VECTORS = [
    (
        "010101020402040009020715",
        SystemStatus,
        {"system_type": 1, "system_address": 2, "status": 0x0204,
         "flags": ["fault", "standby_power_fault"], "occurred_at_device": T.isoformat()},
    ),
    (
        "0201010279010203040402D5E2CAC7D2BBB8F6D7AAC2EBB2E2CAD4"
        "000000000000000000000000000000040009020715",
        ComponentStatus,
        {"system_type": 1, "system_address": 2, "component_type": 121, "component_type_name": "警报装置",
         "component_address": 0x04030201, "status": 0x0204, "description": "这是一个转码测试"},
    ),
    (
        "030101022801020304032003040009020715",
        AnalogValue,
        {"component_type": 40, "component_address": 0x04030201, "analog_type": 3, "value": 800,
         "engineering_value": 80.0, "unit": "℃", "analog_type_name": "温度"},
    ),
    (
        "0401010284FA040009020715",
        Operation,
        {"operation": 0x84, "flags": ["manual_alarm", "reserved_bit7"], "operator": 250},
    ),
    ("050101020304", SoftwareVersion, {"system_type": 1, "system_address": 2, "software_version": "3.4"}),
    ("08010102040009020715", SystemTime, {"clock_at_device": T.isoformat()}),
    ("150108040009020715", UitdStatus, {"status": 8, "flags": ["main_power_fault"]}),
    (
        "180131FA040009020715",
        UitdOperation,
        {"operation": 0x31, "flags": ["reset", "self_test", "duty_check_reply"], "operator": 250},
    ),
    ("19010304", UitdSoftwareVersion, {"software_version": "3.4"}),
    ("1C01050009020715", UitdTime, {"clock_at_device": "2021-07-02T09:00:05"}),
]


@pytest.mark.parametrize(("adu_hex", "cls", "expect"), _ADU_VECTORS, ids=[v[0][:2] for v in _ADU_VECTORS])
def test_adu_only_vectors(adu_hex: str, cls: type, expect: dict[str, Any]) -> None:
    data = bytes.fromhex(adu_hex)
    adu = decode_adu(data)
    assert adu is not None
    assert adu.type == data[0]
    assert adu.count == 1
    assert adu.rest == b""
    (obj,) = adu.objects
    assert isinstance(obj, cls)
    _subset(object_to_dict(obj), expect)
    assert encode_adu(adu) == data
