"""Benchmark: reading a neighbour's resource catalogue (docs/mutual-aid-exchange.md) — parse and validate a
document of ``--teams`` teams and ``--depots`` depots with ``--lines`` stock lines each, everything an import
does before it writes. Baseline in the same run: ``json.loads`` of the same bytes alone. Prints one JSON document.

    .venv/bin/python bench/aid_catalogue.py [--teams 5000] [--depots 500] [--lines 20] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from typing import Any

from citysafe.emergency.mutualaid import exchange


def _document(teams: int, depots: int, lines: int) -> dict[str, Any]:
    team = {"name": "消防救援站", "kind": "fire_station", "region_code": "340503", "headcount": 30,
            "location": {"lon": 118.5, "lat": 31.7}, "status": "available",
            "equipment": [{"name": "水罐消防车", "count": 2}]}
    line = {"code": "1010101", "name": "棉被", "unit": "床", "quantity": 100, "expires_on": "2027-01-01"}
    depot = {"name": "储备库", "kind": "comprehensive", "level": "city", "region_code": "340503",
             "location": {"lon": 118.5, "lat": 31.7}, "stock": [line] * lines}
    return {"format": exchange.FORMAT, "version": exchange.VERSION, "generated_at": "2026-07-01T08:00:00+08:00",
            "crs": "EPSG:4326", "publisher": {"id": "340500", "name": "马鞍山市应急管理局", "region_code": "340500"},
            "teams": [team | {"id": f"t{i}"} for i in range(teams)],
            "depots": [depot | {"id": f"d{i}"} for i in range(depots)], "experts": []}


def _best(run: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teams", type=int, default=5000)
    parser.add_argument("--depots", type=int, default=500)
    parser.add_argument("--lines", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    raw = json.dumps(_document(args.teams, args.depots, args.lines), ensure_ascii=False).encode()
    baseline = _best(lambda: json.loads(raw), args.repeat)
    read = _best(lambda: exchange.read(raw), args.repeat)
    print(json.dumps({"bench": "aid_catalogue", "python": platform.python_version(), "bytes": len(raw),
                      "teams": args.teams, "depots": args.depots, "stock_lines": args.depots * args.lines,
                      "baseline_json_loads_s": round(baseline, 4), "read_and_validate_s": round(read, 4),
                      "times_baseline": round(read / baseline, 1)}))


if __name__ == "__main__":
    main()
