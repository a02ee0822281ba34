"""The province's progress, read from the divisions tree, the applicants' registry and their applications.

The creation objects (plan 三: 设区市、县（市、区）和国家级开发区) are counted from the packaged divisions: every
设区市 and every county-level division under it ([D]: the plan gives no list, and a 市辖区 is a 县级 division like a
county), plus every zone the registry holds, since zones have no division of their own. The scope of the reader
applies: an office sees the cities of its own region (a city office its own city; the province all).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citysafe.evaluation.applicants.schemas import KIND_NAMES_ZH, STANDING_NAMES_ZH
from citysafe.evaluation.calc.progress import ObjectStanding, progress
from citysafe.evaluation.dashboard.schemas import ApplicantPoint, CityRow, Progress
from citysafe.evaluation.models import Applicant
from citysafe.evaluation.workflow.models import Application, Revocation
from citysafe.evaluation.workflow.rules import ROUND_NAMES_ZH, STATE_NAMES_ZH
from citysafe.regions import service as regions

BASIS = ("创建对象按行政区划计：每个设区市本级及其所辖县（市、区）各计 1 个，另加在册的国家级开发区；"
         "目标依据《江苏省省级安全发展示范城市创建实施方案》（2020 年 4 月 30 日）："
         "2020 年每个设区市不少于 1 个申报参评城市，到 2025 年力争三分之一创建对象建成省级安全发展示范城市。")


def _city_of(code: str) -> str:
    return code[:4] + "00"


def _cities(session: Session, *, code: str, level: str, name: str) -> list[tuple[str, str]]:
    """(code, name) of the 设区市 the reader's region (``code``, at ``level``) covers."""
    if level == "city":
        return [(code, name)]
    if level in {"province", "country"}:
        return [(c.code, c.name) for c in regions.descendants_at_level(session, code=code, level="city")]
    city = regions.get(session, code=_city_of(code))
    return [(city.code, city.name)]


def _newest_applications(session: Session) -> dict[int, Application]:
    newest: dict[int, Application] = {}
    for application in session.scalars(select(Application).order_by(Application.year, Application.id)):
        newest[application.applicant_id] = application
    return newest


def _stage(application: Application | None) -> str:
    if application is None:
        return ""
    round_name = ROUND_NAMES_ZH.get(application.round, "")
    return f"{application.year}年{round_name}·{STATE_NAMES_ZH.get(application.state, '')}"


def overview(session: Session, *, region_code: str, today: date) -> Progress:
    region = regions.get(session, code=region_code)
    cities = _cities(session, code=region.code, level=region.level, name=region.name)
    city_names = dict(cities)
    divisions = {code: 1 + len(regions.children(session, code=code)) for code, _ in cities}
    applicants = [a for a in session.scalars(select(Applicant).order_by(Applicant.city_code, Applicant.id))
                  if a.city_code in city_names]
    result = progress(divisions, [ObjectStanding(a.city_code, a.kind, a.standing) for a in applicants],
                      [code for code, _ in cities])
    registered: dict[str, int] = {}
    for applicant in applicants:
        registered[applicant.city_code] = registered.get(applicant.city_code, 0) + 1
    rows = [CityRow(rank=i, city_code=c.city_code, city_name=city_names[c.city_code], objects=c.objects,
                    registered=registered.get(c.city_code, 0), applied=c.applied, named=c.named,
                    named_share=float(c.named_share), meets_2020=c.meets_2020)
            for i, c in enumerate(result.cities, start=1)]
    newest = _newest_applications(session)
    places = {r.code: r for r in regions.descendants_at_level(session, code=region_code, level="district")}
    places.update({code: regions.get(session, code=code) for code in city_names})
    points = []
    for applicant in applicants:
        place = places.get(applicant.division_code or applicant.region_code) or places.get(applicant.region_code)
        application = newest.get(applicant.id)
        points.append(ApplicantPoint(
            id=applicant.id, name=applicant.name, kind_name=KIND_NAMES_ZH.get(applicant.kind, applicant.kind),
            city_name=city_names[applicant.city_code], standing=applicant.standing,
            standing_name=STANDING_NAMES_ZH.get(applicant.standing, applicant.standing), stage=_stage(application),
            year=application.year if application else None, named_on=applicant.named_on,
            review_due=applicant.review_due, lon=place.centroid_lon if place else None,
            lat=place.centroid_lat if place else None))
    pending = session.scalar(select(func.count()).select_from(Revocation).where(Revocation.state == "proposed")) or 0
    due = sum(1 for a in applicants if a.standing == "named" and a.review_due and a.review_due.year <= today.year)
    return Progress(
        region_code=region_code, region_name=region.name, as_of=today,
        cities=rows, applicants=points, objects=result.objects, named=result.named,
        named_share=float(result.named_share), cities_meeting_2020=result.cities_meeting_2020,
        city_count=len(cities), meets_2020=result.meets_2020, meets_2025=result.meets_2025,
        named_needed_2025=result.named_needed_2025, revocations_pending=int(pending), re_evaluations_due=due,
        basis=BASIS)
