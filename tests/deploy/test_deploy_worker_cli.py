"""`citysafe gb26875 worker --partitions FIRST-LAST`, the systemd instance name of citysafe-worker@.service:
a range it cannot use is refused with one line and exit 2, before anything connects."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from citysafe.cli import app

runner = CliRunner()


@pytest.mark.parametrize(("partitions", "said"), [
    ("3-1", "1 is below 3"),
    ("a-b", "expected FIRST-LAST"),
    ("0-9", "partition 8 is outside 0..7"),  # the default CITYSAFE_GB26875_PARTITIONS is 8
])
def test_a_partition_range_it_cannot_use_is_refused_in_one_line(partitions: str, said: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYSAFE_NATS_URL", "nats://127.0.0.1:4222")
    monkeypatch.delenv("CITYSAFE_GB26875_PARTITIONS", raising=False)
    result = runner.invoke(app, ["gb26875", "worker", "--partitions", partitions])
    assert result.exit_code == 2
    assert said in result.output
    assert "Traceback" not in result.output
