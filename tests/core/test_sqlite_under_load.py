"""Issue #10 finding 1: the embedded database under an office's ordinary concurrency.

A real ``citysafe serve`` on a SQLite file with the demo's simulated devices writing through its gateway,
while 50 logins, 20 parallel hazard reports and 3 white papers run at once: every one must succeed — no
503 "数据库繁忙", no 5xx — and the white papers finish as background jobs. Before the fix 16 of the 20
hazard reports answered 503 in this very scenario.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.busy_city import mixed_load, running_city, summary


@pytest.mark.slow
@pytest.mark.timeout(300)  # seeding, a server start and 73 requests on a shared 2-core machine
def test_office_load_with_devices_running_all_succeeds(tmp_path: Path) -> None:
    with running_city(tmp_path) as city:
        frames_before = city.frames_stored()
        outcomes = mixed_load(city.base, logins=50, hazards=20, whitepapers=3)
        failures = [f"{o.kind} {o.status} {o.detail}" for o in outcomes if not 200 <= o.status < 300]
        assert failures == [], summary(outcomes)
        assert sorted(o.status for o in outcomes if o.kind == "hazard") == [201] * 20
        assert [o.status for o in outcomes if o.kind == "whitepaper"] == [200] * 3  # jobs that succeeded
        assert city.frames_stored() > frames_before  # the devices kept writing all along
