"""Benchmark: a warning polygon over a city with ``--recipients`` registered public subscribers.

Registers the subscribers (phone for all, e-mail for a third) around central Nanjing on a fresh SQLite
database, draws a polygon over the old city, and times ``recipients.subscriber_ids`` +
``recipients.queue_subscribers`` — the recipients selected (bounding-box read from the covering (lon, lat, test,
active) index, then shapely 2 ``intersects_xy`` over numpy arrays) and one delivery row per recipient × channel
written by one INSERT … SELECT per channel, committed. Baseline in the same run:
the same selection by a plain shapely loop (one ``Point`` per subscriber, ``polygon.contains``) over every
registered subscriber. Each measured ``--repeat`` times; medians reported. Prints one JSON document.

    .venv/bin/python bench/warning.py [--recipients 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from shapely.geometry import Point
from sqlalchemy import delete, func, select, text

from citysafe.core.config import Settings
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.migrate import upgrade
from citysafe.emergency.warnings import recipients, service
from citysafe.emergency.warnings.calc import area as area_calc
from citysafe.emergency.warnings.models import EarlyWarning, WarningDelivery, WarningMessage
from citysafe.registry import EVENT_TYPES

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
# The old city inside the Ming wall, roughly (WGS84), drawn by hand with a concave side.
POLYGON = {"type": "Polygon", "coordinates": [[
    [118.745, 32.020], [118.800, 32.005], [118.845, 32.030], [118.830, 32.070], [118.800, 32.060],
    [118.780, 32.095], [118.740, 32.080], [118.745, 32.020]]]}


def _register(ctx: AppContext, n: int) -> None:
    rng = np.random.default_rng(2026)
    lon = rng.normal(118.79, 0.12, n)
    lat = rng.normal(32.05, 0.10, n)
    rows = [(f"居民{i}", f"138{i:08d}", f"u{i}@example.cn" if i % 3 == 0 else "", "", float(x), float(y), 0, 1,
             "320102", NOW.isoformat(), NOW.isoformat()) for i, (x, y) in enumerate(zip(lon, lat, strict=True))]
    raw = ctx.engine.raw_connection()
    try:
        raw.cursor().executemany(
            "INSERT INTO em_warning_subscriber (name, phone, email, webhook_url, lon, lat, test, active, region_code,"
            " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
        raw.commit()
    finally:
        raw.close()


def _vectorised(ctx: AppContext, warning_id: int, message_id: int) -> tuple[float, float, int, int]:
    """(seconds to select, seconds to select + queue + commit, recipients, delivery rows)."""
    started = time.perf_counter()
    with unit_of_work(ctx.session_factory) as session:
        warning = session.get(EarlyWarning, warning_id)
        message = session.get(WarningMessage, message_id)
        assert warning is not None
        assert message is not None
        target = recipients.Target(geometry=area_calc.check(warning.area).geometry, region_codes=(),
                                   within="320100", channels=frozenset({"sms", "email"}))
        ids = recipients.subscriber_ids(session, target)
        selected = time.perf_counter() - started
        queued = recipients.queue_subscribers(session, ids=ids, channels=target.channels,
                                              fixed=service._fixed(message, warning))
    total = time.perf_counter() - started
    people = len(ids)
    with unit_of_work(ctx.session_factory) as session:
        session.execute(delete(WarningDelivery).where(WarningDelivery.message_id == message_id))
    return selected, total, people, queued


def _loop(ctx: AppContext) -> tuple[float, int]:
    """The baseline: every subscriber read, one shapely Point each, ``polygon.contains``."""
    polygon = area_calc.check(POLYGON).geometry
    started = time.perf_counter()
    with unit_of_work(ctx.session_factory) as session:
        rows = session.execute(text("SELECT id, lon, lat FROM em_warning_subscriber WHERE active = 1")).all()
    chosen = [r[0] for r in rows if polygon.contains(Point(r[1], r[2]))]
    return time.perf_counter() - started, len(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="keep the database here and reuse its subscribers on the next run (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(data_dir=args.data_dir or Path(scratch), secret_key="bench-only-not-a-secret")  # noqa: S106
        ctx = AppContext.from_settings(settings, event_types=EVENT_TYPES)
        upgrade(ctx.engine)
        t0 = time.perf_counter()
        with unit_of_work(ctx.session_factory) as session:
            session.execute(delete(WarningMessage))
            session.execute(delete(EarlyWarning))
            have = session.scalar(select(func.count()).select_from(recipients.WarningSubscriber)) or 0
        if have != args.recipients:
            with unit_of_work(ctx.session_factory) as session:
                session.execute(delete(recipients.WarningSubscriber))
            _register(ctx, args.recipients)
        registered_s = time.perf_counter() - t0
        with unit_of_work(ctx.session_factory) as session:
            warning = EarlyWarning(region_code="320102", category="accident", event="危险化学品泄漏", level=2,
                                   headline="bench", description="d", instruction="i", onset_at=NOW,
                                   expires_at=NOW + timedelta(hours=6), area=area_calc.check(POLYGON).geojson,
                                   region_codes=[], area_desc="老城区", issuer="bench", state="issued",
                                   cap_status="Actual", is_drill=False, created_by="bench", proposed_measures=[])
            session.add(warning)
            session.flush()
            message = WarningMessage(warning_id=warning.id, region_code="320102",
                                     identifier="32010200000000_20260601100000_0", msg_type="Alert",
                                     cap_status="Actual", level=2, sent_at=NOW, xml="<alert/>", sent_by="bench")
            session.add(message)
            session.flush()
            ids = (warning.id, message.id)
            total = session.scalar(select(func.count()).select_from(recipients.WarningSubscriber))
        fast = [_vectorised(ctx, *ids) for _ in range(args.repeat)]
        slow = [_loop(ctx) for _ in range(args.repeat)]
        assert len({f[2] for f in fast} | {s[1] for s in slow}) == 1, (fast, slow)  # both pick the same people
        select_s = statistics.median(f[0] for f in fast)
        queue_s = statistics.median(f[1] for f in fast)
        loop_s = statistics.median(s[0] for s in slow)
        print(json.dumps({
            "benchmark": "warning recipients: polygon selection and delivery queue",
            "registered": total, "selected_recipients": fast[0][2], "queued_deliveries": fast[0][3],
            "vectorised_select_s": round(select_s, 3), "vectorised_select_and_queue_s": round(queue_s, 3),
            "baseline_shapely_loop_select_s": round(loop_s, 3),
            "speedup_select": round(loop_s / select_s, 1), "target_select_and_queue_s": 1.0,
            "met": queue_s <= 1.0, "runs": args.repeat,
            "all_runs": {"vectorised": [[round(x, 3) for x in f[:2]] for f in fast],
                         "loop": [round(s[0], 3) for s in slow]},
            "register_s": round(registered_s, 1), "load_average_before": os.getloadavg()[0],
            "python": platform.python_version(), "database": "sqlite (embedded)",
        }, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
