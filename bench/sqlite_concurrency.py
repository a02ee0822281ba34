"""Benchmark: writes on the embedded database (SQLite) under ordinary concurrency (issue #10 finding 1).

Seeds the demo city's skeleton into a temporary SQLite file, starts a real ``citysafe serve`` with its
GB/T 26875.3 gateway and the demo's simulator (40 UITDs, 2 frames/s) sending to it, then:

- for 1, 2, 4, 10 and 20 parallel writers, each reports ``--each`` hazards one after another;
- the issue's mixed round: 50 logins, 20 hazard reports and 3 white papers all at once.

Prints one JSON document: per round the success ratio, the answers by status and the median latency (ms),
and the frames the gateway stored meanwhile (the baseline: the devices kept writing throughout).

    .venv/bin/python bench/sqlite_concurrency.py [--each 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.busy_city import mixed_load, parallel_writers, running_city, seed, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--each", type=int, default=5, help="hazard reports per writer")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of device traffic before measuring")
    args = parser.parse_args()
    result: dict[str, object] = {"simulator": {"units": 40, "frames_per_second": 2}}
    with tempfile.TemporaryDirectory(prefix="citysafe-bench-sqlite-") as tmp:
        template = Path(tmp) / "template"
        template.mkdir()
        seed(template)
        with running_city(Path(tmp) / "city", template) as city:
            time.sleep(args.warmup)
            frames_before = city.frames_stored()
            writers = {}
            for n in (1, 2, 4, 10, 20):
                writers[str(n)] = summary(parallel_writers(city.base, writers=n, each=args.each))
            result["parallel_writers"] = writers
            outcomes = mixed_load(city.base, logins=50, hazards=20, whitepapers=3)
            result["mixed"] = {kind: summary([o for o in outcomes if o.kind == kind])
                               for kind in ("login", "hazard", "whitepaper")}
            result["mixed_failures"] = sorted({f"{o.kind} {o.status} {o.detail[:120]}" for o in outcomes
                                               if not 200 <= o.status < 300})[:10]
            result["frames_stored_meanwhile"] = city.frames_stored() - frames_before
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
