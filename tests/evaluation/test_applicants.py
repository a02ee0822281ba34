"""The applicant registry: cities, counties and zones checked against the divisions tree, duplicates and wrong
levels refused, the plan and organisation edited, each office seeing only its own subtree."""

from __future__ import annotations

from datetime import date

import pytest
from tests.evaluation.wf_support import acting, people, refused

from citysafe.core.context import AppContext
from citysafe.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from citysafe.evaluation.applicants import service
from citysafe.evaluation.applicants.schemas import ApplicantCreate, OrganisationIn, PlanIn


def test_city_county_and_zone_are_registered_with_their_city(ctx: AppContext) -> None:
    who = people(ctx)
    with acting(ctx, who["province"]) as db:
        city = service.create(db, data=ApplicantCreate(kind="city", division_code="320100"), principal=who["province"])
        county = service.create(db, data=ApplicantCreate(kind="county", division_code="320115"),
                                principal=who["province"])
        zone = service.create(db, data=ApplicantCreate(kind="zone", region_code="320115", name="南京江宁经济技术开发区",
                                                       zone_approval="国函〔2010〕100号"), principal=who["province"])
        assert (city.name, city.city_code, city.region_code) == ("南京市", "320100", "320100")
        assert (county.name, county.city_code) == ("江宁区", "320100")
        assert (zone.division_code, zone.region_code, zone.city_code) == (None, "320115", "320100")
        read = service.read(db, zone)
        assert read.kind_name == "国家级开发区" and read.city_name == "南京市"


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"kind": "city", "division_code": "320115"}, "division_code", "不是设区市"),
    ({"kind": "county", "division_code": "320100"}, "division_code", "不是县级"),
    ({"kind": "county", "division_code": "329999"}, "division_code", "不存在"),
    ({"kind": "county"}, "division_code", "须填写行政区划代码"),
    ({"kind": "zone", "name": "某开发区", "zone_approval": "国函"}, "region_code", "所在行政区划"),
    ({"kind": "zone", "name": "某开发区", "region_code": "320000", "zone_approval": "国函"}, "region_code",
     "不属于任何设区市"),
    ({"kind": "zone", "name": "某开发区", "region_code": "320115"}, "zone_approval", "批复"),
])
def test_wrong_divisions_are_refused_naming_the_field(ctx: AppContext, data: dict[str, str], field: str,
                                                      words: str) -> None:
    who = people(ctx)
    with acting(ctx, who["province"]) as db, pytest.raises(ValidationFailed) as caught:
        service.create(db, data=ApplicantCreate.model_validate(data), principal=who["province"])
    assert caught.value.fields[0].field == field and words in caught.value.detail_zh
    with acting(ctx, who["province"]) as db:
        assert service.listing(db) == []


def test_a_division_is_registered_once(ctx: AppContext) -> None:
    who = people(ctx)
    with acting(ctx, who["province"]) as db:
        service.create(db, data=ApplicantCreate(kind="county", division_code="320115"), principal=who["province"])
    with acting(ctx, who["province"]) as db, refused(Conflict, "不能重复登记"):
        service.create(db, data=ApplicantCreate(kind="county", division_code="320115"), principal=who["province"])


def test_plan_and_organisation_and_scope(ctx: AppContext) -> None:
    who = people(ctx)
    with acting(ctx, who["province"]) as db:
        ids = [service.create(db, data=ApplicantCreate(kind="county", division_code=code), principal=who["province"]).id
               for code in ("320115", "320281")]
    with acting(ctx, who["county"]) as db:
        mine = service.get(db, applicant_id=ids[0])
        service.update_plan(db, applicant=mine, data=PlanIn(plan_title="江宁区创建国家安全发展示范城市实施方案",
                                                            plan_adopted_on=date(2026, 3, 1), plan_summary="三年行动"),
                            principal=who["county"])
        service.update_organisation(db, applicant=mine, data=OrganisationIn.model_validate(
            {"leading_group": [{"name": "王区长", "post": "区长", "role": "组长"}],
             "contacts": [{"name": "李联络", "phone": "025-52100000"}]}), principal=who["county"])
        assert [a.id for a in service.listing(db)] == [ids[0]]  # not 江阴市 (无锡)
        with pytest.raises(NotFound):
            service.get(db, applicant_id=ids[1])
    with acting(ctx, who["city"]) as db:
        assert [a.name for a in service.listing(db)] == ["江宁区"]
        read = service.read(db, service.get(db, applicant_id=ids[0]))
        assert read.plan_title.startswith("江宁区") and read.leading_group[0]["role"] == "组长"
    with acting(ctx, who["other_city"]) as db:
        assert [a.name for a in service.listing(db)] == ["江阴市"]
    with acting(ctx, who["department"]) as db, pytest.raises(Forbidden):
        service.create(db, data=ApplicantCreate(kind="county", division_code="320102"), principal=who["department"])
    with acting(ctx, who["other_county"]) as db, refused(ValidationFailed, "不在您的管辖范围"):
        service.create(db, data=ApplicantCreate(kind="county", division_code="320113"), principal=who["other_county"])
