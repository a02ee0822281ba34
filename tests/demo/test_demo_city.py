"""The demo city reads as a city: firms named and addressed in their own district, weeks of history behind
the tickets, inspections and alarms, site photos that are JPEGs marked as samples, and devices whose last
contact names a network address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from tests.support.demo_parts import seed_city

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.demo.streets import DISTRICT_NAMES, names_of
from citysafe.firewatch.alarms.models import Alarm
from citysafe.firewatch.registry.models import Uitd
from citysafe.hazards.inspection.models import InspectionTask
from citysafe.hazards.tickets.models import HazardAttachment, HazardTicket
from citysafe.orgs.models import Organization
from citysafe.regions.models import Region


def test_units_are_named_and_addressed_inside_their_districts(ctx: AppContext) -> None:
    seed_city(ctx)
    with unit_of_work(ctx.session_factory) as session:
        orgs = session.scalars(select(Organization)).all()
        district_names = {r.code: r.name for r in session.scalars(select(Region).where(
            Region.code.in_(list(DISTRICT_NAMES))))}
        assert len(orgs) >= 60
        for org in orgs:
            district = org.region_code[:6]
            words = names_of(district)
            assert any(org.name.startswith(f"南京{place}") for place in words.places), (org.name, district)
            assert "（" not in org.name, org.name  # no "（玄武区）" tacked on to a name from elsewhere
            prefix = f"南京市{district_names[district]}"
            assert org.address and org.address.startswith(prefix), (org.address, district)
            road = org.address.removeprefix(prefix)
            assert any(road.startswith(r) for r in words.roads) and road.endswith("号"), org.address
        assert len({o.name for o in orgs}) >= len(orgs) - 3  # hardly a name twice


def test_uitds_last_contact_is_a_network_address(ctx: AppContext) -> None:
    seed_city(ctx)
    with unit_of_work(ctx.session_factory) as session:
        peers = [p for p in session.scalars(select(Uitd.last_peer)) if p]
    assert peers and all(p.startswith("10.25.") and "demo" not in p for p in peers), peers[:5]


@pytest.mark.timeout(240)  # the hazard loop's few hundred tickets and photos
def test_timelines_span_weeks_and_photos_are_marked_jpegs(ctx: AppContext) -> None:
    seed_city(ctx, with_hazards=True)
    with unit_of_work(ctx.session_factory) as session:
        def span(column: object) -> timedelta:
            low, high = session.execute(select(func.min(column), func.max(column))).one()  # type: ignore[call-overload]
            assert low is not None and high is not None
            return high - low  # type: ignore[no-any-return]

        assert span(Alarm.first_received_at) >= timedelta(days=7)
        assert span(HazardTicket.created_at) >= timedelta(days=7)
        assert span(HazardTicket.updated_at) >= timedelta(days=7)
        assert span(InspectionTask.completed_at) >= timedelta(days=7)
        closed_alarms = session.scalar(select(func.count()).select_from(Alarm).where(Alarm.is_open.is_(False)))
        assert closed_alarms is not None and closed_alarms >= 30  # the past weeks' alarms were handled
        photos = session.scalars(select(HazardAttachment)).all()
        assert photos and {p.content_type for p in photos} == {"image/jpeg"}
        assert max(p.size for p in photos) < 60_000
        assert len({p.uploaded_at.date() for p in photos}) >= 30  # taken on many days, not all today
