"""The resource catalogue exchange (issue #13 point 5): 苏州 exports its catalogue, the document is valid against
the JSON Schema shipped in the package, 南京 imports it and sees 苏州's teams as 外部; a bad document imports
nothing and the answer names the JSON path; a new import replaces the old one; personal numbers stay home."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.emergency.api_support import count_rows, error_fields

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.errors import ValidationFailed
from citysafe.emergency.mutualaid import exchange
from citysafe.emergency.mutualaid.models import PartnerCatalogue

T0 = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
EM = "/api/v1/emergency"
CAT = f"{EM}/mutual-aid"


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text[:600]
    return response.json()


@pytest.fixture
def suzhou_catalogue(ctx: AppContext, client: TestClient, make_user: UserFactory) -> dict[str, Any]:
    ctx.clock = FixedClock(T0)
    suzhou = make_user("city_office", "320500", display_name="苏州市应急局值班员")
    _ok(client.post(f"{EM}/resources/teams", headers=suzhou, json={
        "name": "虎丘危化品救援队", "kind": "professional_base", "specialty": "hazchem", "region_code": "320505",
        "location": {"lon": 120.57, "lat": 31.32}, "headcount": 30, "equipment": [{"name": "防化洗消车", "count": 2}],
        "contact_name": "陈队长", "contact_phone": "13900000001"}), 201)
    depot = _ok(client.post(f"{EM}/resources/depots", headers=suzhou, json={
        "name": "苏州市应急物资储备库", "kind": "comprehensive", "level": "city", "region_code": "320508",
        "location": {"lon": 120.62, "lat": 31.30}, "keeper": "周库管", "phone": "13900000002"}), 201)
    _ok(client.put(f"{EM}/resources/depots/{depot['id']}/stock", headers=suzhou, json={
        "code": "1010101", "name": "棉被", "unit": "床", "quantity": 800}))
    _ok(client.post(f"{EM}/resources/experts", headers=suzhou, json={
        "name": "吴专家", "field": "hazchem", "region_code": "320500", "phone": "13900000003"}), 201)
    return {"headers": suzhou, "document": _ok(client.get(f"{CAT}/catalogue", headers=suzhou))}


def test_shipped_schema_is_the_format() -> None:
    shipped = json.loads(exchange.SCHEMA_FILE.read_text(encoding="utf-8"))
    assert shipped == exchange.json_schema(), "regenerate data/catalogue-1.schema.json from exchange.json_schema()"


def test_round_trip_export_validate_import_visible(client: TestClient, suzhou_catalogue: dict[str, Any],
                                                   make_user: UserFactory) -> None:
    document = suzhou_catalogue["document"]
    jsonschema_rs.validator_for(exchange.json_schema()).validate(document)  # a partner's own validator accepts it
    assert document["format"] == "mutual-aid-catalogue" and document["crs"] == "EPSG:4326"
    assert document["publisher"]["region_code"] == "320500" and document["generated_at"].endswith("+00:00")
    team = document["teams"][0]
    assert team["kind"] == "professional_base" and team["status"] == "available" and team["contact"] is None
    assert document["depots"][0]["stock"][0]["code"] == "1010101"
    assert "13900000003" not in json.dumps(document) and "13900000001" not in json.dumps(document)

    nanjing = make_user("city_office", "320100", display_name="南京市应急局值班员")
    summary = _ok(client.post(f"{CAT}/catalogues", headers=nanjing, json=document), 201)
    assert (summary["publisher_name"], summary["teams"], summary["depots"], summary["experts"]) == (
        "苏州市应急管理局", 1, 1, 1)
    external = _ok(client.get(f"{CAT}/external-teams", headers=nanjing))
    assert [(t["name"], t["kind_name"], t["external"]) for t in external] == [
        ("虎丘危化品救援队", "专业救援基地", True)]
    # 南京's own registry is unchanged; 无锡 does not see what 南京 imported.
    assert _ok(client.get(f"{EM}/resources/teams", headers=nanjing))["total"] == 0
    assert _ok(client.get(f"{CAT}/catalogues", headers=make_user("city_office", "320200"))) == []

    # A newer document of the same publisher replaces the old one.
    newer = copy.deepcopy(document)
    newer["teams"].append(team | {"id": "team-99", "name": "吴中消防站", "kind": "fire_station", "specialty": ""})
    _ok(client.post(f"{CAT}/catalogues", headers=nanjing, json=newer), 201)
    listed = _ok(client.get(f"{CAT}/catalogues", headers=nanjing))
    assert [(c["publisher_id"], c["teams"]) for c in listed] == [("320500", 2)]


def test_contacts_only_when_a_writer_asks(client: TestClient, suzhou_catalogue: dict[str, Any],
                                          make_user: UserFactory) -> None:
    with_contacts = _ok(client.get(f"{CAT}/catalogue", headers=suzhou_catalogue["headers"],
                                   params={"contacts": "true"}))
    assert with_contacts["teams"][0]["contact"] == {"name": "陈队长", "phone": "13900000001"}
    assert "13900000003" not in json.dumps(with_contacts)  # an expert's phone never leaves
    reader = make_user("grid_officer", "320505002")
    assert client.get(f"{CAT}/catalogue", headers=reader, params={"contacts": "true"}).status_code == 403


@pytest.mark.parametrize(("change", "path"), [
    (lambda d: d["teams"][0]["location"].update(lon=200), "$.teams[0].location.lon"),
    (lambda d: d["depots"][0]["stock"][0].update(code="4010101"), "$.depots[0].stock[0].code"),
    (lambda d: d["teams"][0].update(kind="army"), "$.teams[0].kind"),
    (lambda d: d.update(generated_at="2026-07-01T10:00:00"), "$.generated_at"),
    (lambda d: d.update(crs="EPSG:4490"), "$.crs"),
    (lambda d: d.update(version="2.0"), "$.version"),
    (lambda d: d["publisher"].pop("id"), "$.publisher.id"),
])
def test_a_bad_document_imports_nothing_and_names_the_path(client: TestClient, ctx: AppContext,
                                                            suzhou_catalogue: dict[str, Any], make_user: UserFactory,
                                                            change: Any, path: str) -> None:
    nanjing = make_user("city_office", "320100")
    good = suzhou_catalogue["document"]
    _ok(client.post(f"{CAT}/catalogues", headers=nanjing, json=good), 201)
    bad = copy.deepcopy(good)
    bad["teams"][0]["name"] = "不应导入"
    change(bad)
    answer = client.post(f"{CAT}/catalogues", headers=nanjing, json=bad)
    assert answer.status_code == 422 and error_fields(answer) == [path], answer.text[:400]
    assert "未导入" in answer.json()["detail_zh"]
    assert count_rows(ctx, PartnerCatalogue) == 1
    assert [t["name"] for t in _ok(client.get(f"{CAT}/external-teams", headers=nanjing))] == ["虎丘危化品救援队"]


def test_own_catalogue_is_not_imported_and_bytes_are_read_with_paths(client: TestClient,
                                                                     suzhou_catalogue: dict[str, Any]) -> None:
    own = client.post(f"{CAT}/catalogues", headers=suzhou_catalogue["headers"], json=suzhou_catalogue["document"])
    assert own.status_code == 422 and error_fields(own) == ["$.publisher.region_code"]
    with pytest.raises(ValidationFailed) as refused:
        exchange.read(b"{not json")
    assert refused.value.fields[0].field == "$"
