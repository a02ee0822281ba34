"""`citysafe gb26875 decode`: the public vectors through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from citysafe.cli import app

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "protocols" / "vectors" / "gb26875-public.json").read_text(encoding="utf-8")
)["frames"]
VALID = sorted(k for k in VECTORS if k != "FM_BAD")
runner = CliRunner()


def _subset(expected: Any, actual: Any) -> None:
    """Every key the vector states is present with that value; extra keys are the renderer's business."""
    if isinstance(expected, dict):
        for key, value in expected.items():
            assert key in actual, key
            _subset(value, actual[key])
    elif isinstance(expected, list):
        assert len(expected) == len(actual)
        for e, a in zip(expected, actual, strict=True):
            _subset(e, a)
    else:
        assert actual == expected


@pytest.mark.parametrize("vector_id", VALID)
def test_each_public_vector_decodes_to_its_expectation(vector_id: str) -> None:
    result = runner.invoke(app, ["gb26875", "decode", VECTORS[vector_id]["hex"]])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    decoded = json.loads(lines[0])
    _subset(VECTORS[vector_id]["expect"], decoded)
    assert decoded["frame_hex"] == VECTORS[vector_id]["hex"].lower()


def test_several_frames_print_one_json_object_per_line() -> None:
    result = runner.invoke(app, ["gb26875", "decode", *(VECTORS[v]["hex"] for v in VALID)])
    assert result.exit_code == 0, result.output
    serials = [json.loads(line)["serial"] for line in result.stdout.strip().splitlines()]
    assert len(serials) == len(VALID)


def test_spaced_lowercase_hex_is_accepted() -> None:
    spaced = " ".join(VECTORS["FM1"]["hex"][i : i + 2].lower() for i in range(0, len(VECTORS["FM1"]["hex"]), 2))
    result = runner.invoke(app, ["gb26875", "decode", spaced])
    assert result.exit_code == 0, result.output
    decoded = json.loads(result.stdout)
    assert decoded["objects"][0]["flags"] == ["main_power_fault"]
    # device times render as ISO 8601 without a zone (device-local time)
    assert decoded["sent_at_device"] == "2012-09-26T09:58:32"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ([VECTORS["FM_BAD"]["hex"]], "TooLong"),
        (["4040zz"], "not hex"),
        (["404"], "odd number"),
        ([VECTORS["SF1"]["hex"][:-2] + "24"], "BadTail"),
        ([VECTORS["SF1"]["hex"][:-6] + "00" + "2323"], "BadChecksum"),
        ([VECTORS["SF1"]["hex"][:40]], "Truncated"),
    ],
)
def test_invalid_input_exits_2_with_one_line(args: list[str], needle: str) -> None:
    result = runner.invoke(app, ["gb26875", "decode", *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert needle in lines[0]


def test_zero_time_renders_as_null_with_raw_hex() -> None:
    from citysafe.firewatch.protocols.gb26875 import (
        ComponentStatus,
        DeviceTime,
        build_upload,
        encode_description,
        encode_frame,
    )

    frame = build_upload(2, [ComponentStatus(1, 1, 40, 7, 0x0002, encode_description("一层"), DeviceTime.zero())],
                         serial=9, source=5, destination=1, sent=DeviceTime.zero())
    result = runner.invoke(app, ["gb26875", "decode", encode_frame(frame).hex()])
    assert result.exit_code == 0, result.output
    decoded = json.loads(result.stdout)
    assert decoded["sent_at_device"] is None
    assert decoded["objects"][0]["occurred_at_device"] is None
    assert decoded["objects"][0]["occurred_at_device_raw_hex"] == "000000000000"


def test_stream_mode_reports_garbage_preamble_and_frames() -> None:
    capture = "54443132330d0a" + "ffee" + VECTORS["FM12"]["hex"] + VECTORS["FM1"]["hex"]
    result = runner.invoke(app, ["gb26875", "decode", "--stream", capture])
    assert result.exit_code == 0, result.output
    items = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert items[0]["preamble"] == "TD123"
    assert [i["adu_type"] for i in items[1:]] == [2, 21]
