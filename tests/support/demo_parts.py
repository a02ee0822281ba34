"""The demo city without its risk register (a minute to build): Jiangsu's divisions, the organisations,
the accounts, and on request the firewatch, hazards and emergency demos; and an hour of the demo's simulated traffic
replayed straight into the alarm engine with the demo operator at work, in simulated time (no sleeping).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from tests.support.snapshots import SeedSnapshots

from citysafe import demo
from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.demo import city, emergency, firewatch, hazards, operator
from citysafe.firewatch import service as fw
from citysafe.firewatch.protocols.gb26875 import ComponentStatus, build_upload, decode_frame, encode_frame
from citysafe.firewatch.simulator import DEMO_FAULT_SHARE, DEMO_FIRE_SHARE, DEMO_RATE, DEMO_UNITS, Traffic
from citysafe.regions import service as regions_service

PASSWORD = "correct-horse"
CHINA = timedelta(hours=8)


def seed_city(ctx: AppContext, *, with_firewatch: bool = True, with_hazards: bool = False,
              with_emergency: bool = False) -> None:
    rng = random.Random(2020)
    with unit_of_work(ctx.session_factory, actor="demo") as session:
        regions_service.import_packaged_jiangsu(session)
        session.flush()
        city.seed_organizations(session, rng)
        city.seed_accounts(session, PASSWORD)
        if with_firewatch:
            firewatch.seed_demo(session, rng)
        if with_hazards:
            hazards.seed_demo(session, rng)
        if with_emergency:
            emergency.seed_demo(session, rng)


def seed_whole_demo(ctx: AppContext, snapshots: SeedSnapshots) -> None:
    """``citysafe demo``'s whole city (every domain's demo, the risk register included: a minute or more to
    build), seeded once in the run and restored for every later test that reads it."""

    def seed() -> None:
        with unit_of_work(ctx.session_factory, actor="tests") as session:
            demo.seed(session, seed_value=2020, admin_password=PASSWORD)

    snapshots.seeded("whole-demo", ctx.engine, seed)


def remove_grids(ctx: AppContext) -> None:
    """The hazards demo's grids are rows of the region table, which the shared fixtures keep between tests."""
    with ctx.engine.begin() as conn:
        conn.execute(text("DELETE FROM region WHERE level = 'grid'"))


def demo_traffic(seed: int) -> Traffic:
    return Traffic(random.Random(seed), fire_share=DEMO_FIRE_SHARE, fault_share=DEMO_FAULT_SHARE, loops=2,
                   points=8, component_type=42)


def simulated_hour(ctx: AppContext, *, seed: int = 7, end: datetime | None = None) -> Counter[str]:
    """The demo's traffic for the hour before ``end``: DEMO_RATE frames a second among the demo's units. The
    component reports (fires, faults, restores) go through ``ingest_frames`` every 30 simulated seconds and
    the demo operator's round follows; heartbeats and readings raise no alarm and are only counted.
    Returns how many frames of each sort were sent."""
    end = end or datetime.now(UTC).replace(microsecond=0)
    traffic, rng, sent = demo_traffic(seed), random.Random(seed), Counter[str]()
    step = 30
    for tick in range(0, 3600, step):
        at = end - timedelta(seconds=3600 - tick - step)
        frames = []
        for _ in range(int(DEMO_RATE * step)):
            address = firewatch.uitd_address(rng.randint(1, DEMO_UNITS))
            adu_type, objects = traffic.next(address, (at + CHINA).replace(tzinfo=None))
            status = next((o.status for o in objects if isinstance(o, ComponentStatus)), None)
            sent[{0x0003: "fire", 0x0005: "fault", 0x0001: "restore"}.get(status or 0, "other")] += 1
            if adu_type == 2:
                upload = build_upload(2, objects, serial=sum(sent.values()) % 65536, source=address,
                                      destination=firewatch.CENTRE, sent=(at + CHINA).replace(tzinfo=None))
                raw = encode_frame(upload)
                frames.append(fw.ReceivedFrame(raw=raw, frame=decode_frame(raw), received_at=at,
                                               peer=firewatch.peer_of(address - firewatch.BASE_ADDRESS)))
        with unit_of_work(ctx.session_factory, actor="simulator") as session:
            fw.ingest_frames(session, items=frames, clock=FixedClock(at))
            operator.resolve_stale_fires(session, now=at, rng=rng)
    return sent
