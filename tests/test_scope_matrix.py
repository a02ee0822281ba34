"""Issue #10 finding 10: every operation × every role × own and other district, generated from the OpenAPI.

District A (玄武 320102) holds one object of each kind, each named with a unique marker. A user of every
role in district B (秦淮 320104) then calls every operation of ``app.openapi()``:

* an operation on one of A's objects (a path id) must answer 403 or 404 — never 2xx, and a write must
  not answer 422 either, which would mean its body was refused before the scope was ever checked;
* a list, export or statistics read must not carry any of A's markers in its body.

A district office of A reading the same objects gets 200 (the positive control: the ids are real).
An operation whose path parameter this file cannot fill, or a write without a valid body below, fails
the test, so an endpoint added tomorrow is covered the day it appears.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.conftest import UserFactory
from tests.emergency.ledger_samples import filled

from citysafe.auth.enums import Role
from citysafe.core import jobs
from citysafe.core.clock import utcnow
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.hazards.inspection import checklists
from citysafe.public.reports.models import CitizenReport
from citysafe.public.rewards.calc.reward import shipped_rule

A, B = "320102", "320104"
MARK = "MATRIXA7Q"  # in every name and description of A's objects
XUANWU_SQUARE = {"type": "Polygon", "coordinates": [[
    [118.7985, 32.0465], [118.8015, 32.0465], [118.8015, 32.0495], [118.7985, 32.0495], [118.7985, 32.0465]]]}

# Path parameters that name no district's object: reference data every user may read (divisions, file
# formats), a device address the matrix does not seed (fire alarms arrive from devices, not the API).
# Their operations are still called for the list check.
UNSCOPED_PATH_PARAMS = {
    "name", "fmt", "device", "device_id", "alarm_id", "attachment_id", "report_id",
    "officer_id",
    "identifier",  # a public CAP message by its GB/T 35965.1 identifier (no login: public reference, by design)
    "doc_id", "article_id",  # the knowledge library: laws, standards and cases every logged-in user reads
    # Open311 GeoReport v2 (/open311/v2): a hazard category, and a citizen report's public fields (no login, by
    # design: the standard's anonymous reads; no reporter, no staff, the place displaced)
    "service_code", "service_request_id",
    "token", "number",  # an Open311 token (HMAC-signed, tokens.py) and a verified report's public photo by its order
    "receipt",  # a citizen report's receipt: the public tracking page (no login; unguessable, check character)
}
REGION_PATHS = ("/api/v1/regions/",  # divisions and their boundaries are public reference data
                # shelters are public places: the public site lists them to everyone (name, address, room; no
                # manager, no phone — tests/public/test_public_site.py)
                "/api/v1/public/shelters.json")
# Objects every user reads by design, and only their owner writes (hazards/inspection/checklists.py:
# "every user reads them, the office owning one edits it"): their reads are left out, their writes not.
SHARED_READS = {"checklist_id", "criteria_id",  # criteria versions: everyone reads, MANAGE_CRITERIA writes
                "rule_id"}  # reward rules: every reward handler reads them, a jurisdiction's own office edits them

# One valid body per write on an object, so that the request reaches the scope check.
WRITE_BODIES: dict[str, Any] = {
    "rewards_cases_approve": {"note": "越权"},
    "rewards_cases_reject": {"note": "越权"},
    "rewards_cases_notify": {"method": "phone", "note": "越权"},
    "rewards_cases_extend": {"days": 1, "note": "越权"},
    "rewards_cases_claim": {"note": "越权"},
    "rewards_cases_pay": {"method": "cash", "reference": "越权"},
    "rewards_rules_revise": {"document": shipped_rule("national-2018").model_dump(mode="json"), "note": "越权"},
    # citizen reports (issue #15 point 1): the staff side
    "reports_identity": {}, "reports_claim": {}, "reports_verify": {"note": "越权"}, "reports_to_ticket": {},
    "reports_reject": {"reason": "越权越权越权"}, "reports_to_incident": {"category": "accident", "subtype": "fire"},
    "evaluation_criteria_edit_items": [{"item_id": "1.2.5", "title": "越权"}],
    "evaluation_criteria_edit_grades": {"bands": [{"name": "优秀", "min": 0}]},
    "evaluation_sheet_item_update": {"deduction": 1, "reason": "越权"},
    "evaluation_sheet_evidence_upload": None,  # multipart: refused before or at the scope check alike
    "evaluation_sheet_evidence_link": {"record_type": "plan", "record_id": "1", "label": "越权"},
    "evaluation_sheet_evidence_delete": None,
    "evaluation_sheet_submit": None,
    "evaluation_sheet_return": {"note": "越权"},
    "evaluation_sheet_lock": None,
    "emergency_warnings_issue": None,
    "emergency_warnings_update": {"level": 1},
    "emergency_warnings_cancel": {"note": "越权"},
    "emergency_warnings_resend": None,
    "evaluation_sheet_facts": None,
    "organizations_update": {"name": "改名"},
    "hazards_tickets_transition": {"action": "dismiss", "note": "越权"},
    "hazards_checklists_update": {"name": "改名"},
    "hazards_tasks_complete": {"items": [{"code": "1", "result": "pass"}]},
    "hazards_permits_transition": {"action": "cancel", "note": "越权"},
    "hazards_permits_gas_tests_add": {"oxygen_pct": 20.9, "tester_name": "越权"},
    "hazards_enforcement_penalties_add": {"kind": "warning", "decided_at": "2030-03-01T09:00:00+08:00"},
    "hazards_enforcement_close": None,
    "hazards_joint_punishments_revoke": {"reason": "越权"},
    "hazards_grids_update": {"name": "改名"},
    "hazards_grids_officers_add": {"user_id": 1},
    "hazards_grids_officers_remove": None,
    "hazards_places_update": {"name": "改名"},
    "firewatch_buildings_create": {"name": "越权楼"},
    "firewatch_uitds_bind": {"unit_id": 1},
    "firewatch_components_create": {"system_type": 1, "system_address": 1, "component_type": 1,
                                    "component_address": 1},
    "firewatch_uitds_duty_check": {"timeout_minutes": 10},
    "firewatch_uitds_patrol": None,
    "risk_sources_update": {"name": "改名"},
    "risk_assessments_create": {"method": "lec", "params": {"l": 3, "e": 6, "c": 15}},
    "users_deactivate": None,
    "users_activate": None,
    "users_reset_password": {"password": "越权改的密码123"},
    "users_update": {"display_name": "越权改名"},
    "firewatch_claims_approve": None,
    "firewatch_claims_reject": None,
    "firewatch_maintenance_end": None,
    "emergency_incidents_casualties": {"deaths": 1},
    "emergency_incidents_transition": {"action": "verify", "note": "越权"},
    "emergency_incidents_from_hazard": {"category": "accident", "subtype": "fire", "note": "越权"},
    "emergency_timeline_add": {"kind": "note", "text": "越权"},
    "emergency_reports_file": {"kind": "follow_up", "to_level": "county", "time_place_scene": "越权", "course": "越权",
                               "deaths": 0, "missing": 0, "serious_injuries": 0, "reporting_unit": "越权"},
    "emergency_plans_versions_add": {"title": "越权", "change_note": "越权"},
    "emergency_plans_records_add": {"kind": "filing", "on": "2026-03-01", "authority": "越权"},
    "emergency_plans_documents_add": None,
    "emergency_drills_record": {"held_on": "2026-03-01"},
    "emergency_drills_start_live": {},
    "emergency_drills_findings_add": {"description": "越权"},
    "emergency_drills_findings_done": {"done_on": "2026-03-01"},
    "emergency_ledger_update": {"industry_code": "C"},
    "emergency_command_activate": {"plan_id": 1, "level": "4"},
    "emergency_command_add_member": {"post": "commander", "name": "越权", "phone": "110"},
    "emergency_tasks_add": {"title": "越权", "deadline_minutes": 10},
    "emergency_tasks_update": {"note": "越权"},
    "emergency_decisions_add": {"text": "越权"},
    "resources_teams_update": {"name": "越权", "kind": "fire_station", "region_code": "320104",
                               "location": {"lon": 118.79, "lat": 32.02}},
    "resources_teams_status": {"status": "out_of_service"},
    "resources_depots_update": {"name": "越权库", "kind": "flood", "level": "county", "region_code": "320104",
                                "location": {"lon": 118.79, "lat": 32.02}},
    "resources_depot_stock_put": {"code": "2010101", "name": "越权", "unit": "件", "quantity": 1},
    "shelters_update": {"name": "越权", "grade": "county", "space": "outdoor", "function": "single",
                        "duration": "emergency", "kind": "square", "region_code": "320104",
                        "location": {"lon": 118.79, "lat": 32.02}, "effective_area_m2": 100},
    "shelters_movement": {"arrived": 1},
    "emergency_attachments_add": None,
    "emergency_command_remove_member": None,
    "emergency_dispatch_create": {"team_ids": [1]},
    "emergency_dispatch_arrive": None,
    "emergency_dispatch_release": None,
    "emergency_aid_request": {"giver_region": "320500", "teams": [{"kind": "fire_station", "count": 1}],
                              "reason": "越权"},
    "emergency_aid_accept": {"note": "越权"},
    "emergency_aid_decline": {"reason": "越权"},
    "emergency_aid_withdraw": {"note": "越权"},
    "emergency_aid_dispatch": {},
    "emergency_aid_arrive": None,
    "emergency_aid_release": None,
    "emergency_aid_close": {"note": "越权"},
    "evaluation_applicants_plan": {"plan_title": "越权"},
    "evaluation_applicants_organisation": {},
    "evaluation_applications_open": {"year": 2030},
    "evaluation_applications_step": {"action": "apply", "note": "越权"},
    "evaluation_applications_opinion": {"unit": "越权", "stance": "agree"},
    "evaluation_objections_handle": {"state": "dismissed", "note": "越权"},
    "evaluation_revocations_decide": {"state": "kept", "note": "越权"},
    "thinktank_experts_availability": {"availability": "available"},
    "services_catalogue_update": {"edition": "2030年版", "code": "Z99", "category": "越权", "name": "越权"},
    "services_qualifications_add": {"name": "越权", "number": "Z-1", "issuer": "越权", "expires_on": "2031-01-01"},
    "services_records_add": {"done_on": "2030-03-01", "summary": "越权"},
    "services_evaluations_add": {"contract_id": 1, "evaluated_on": "2030-03-01", "evaluator": "越权", "scores": {
        "quality": 1, "timeliness": 1, "expertise": 1, "compliance": 1, "satisfaction": 1}},
    "participation_register": {"registrant": "越权", "people": 1},
    "participation_sessions_add": {"starts_at": "2030-06-02T09:00:00+08:00", "ends_at": "2030-06-02T11:00:00+08:00",
                                   "capacity": 10},
    "participation_book": {"visitor": "越权", "visitor_kind": "school", "people": 1},
    "participation_members_add": {"name": "越权", "joined_on": "2030-01-01"},
    "participation_activities_add": {"title": "越权", "held_on": "2026-01-01", "hours": 1},
}


def _ok(response: Any) -> Any:
    assert response.status_code in (200, 201), response.text[:500]
    return response.json()


def _seed(client: TestClient, ctx: AppContext, make_user: UserFactory) -> dict[str, str]:
    """One object of each kind in district A; returns the value of each path parameter naming one."""
    with unit_of_work(ctx.session_factory) as session:
        checklists.seed_defaults(session, owner_region_code=A, settings=ctx.settings)
    admin = make_user("admin", "320000")
    office = make_user("district_office", A)
    department = make_user("department", A)
    org = _ok(client.post("/api/v1/organizations", headers=admin, json={
        "name": f"{MARK}有限公司", "kind": "enterprise", "region_code": "320102002", "sector": "危险化学品",
        "address": f"{MARK}路1号", "location": {"lon": 118.79, "lat": 32.05}}))
    enterprise = make_user("enterprise", A, organization_id=org["id"])
    ticket = _ok(client.post("/api/v1/hazards/tickets", headers=office, json={
        "category": "nine_small", "title": MARK, "description": f"{MARK} 灭火器过期", "region_code": "320102002",
        "organization_id": org["id"]}))
    place = _ok(client.post("/api/v1/hazards/places", headers=office, json={
        "name": f"{MARK}小吃店", "place_type": "nine_small", "region_code": "320102002",
        "location": {"lon": 118.80, "lat": 32.048}}))
    source = _ok(client.post("/api/v1/risk/sources", headers=office, json={
        "name": f"{MARK}化工", "kind": "hazchem_firm", "responsible_unit": f"{MARK}化工", "organization_id": org["id"],
        "geometry": {"type": "Point", "coordinates": [118.80, 32.05]},
        "assessment": {"method": "lec", "params": {"l": 3, "e": 6, "c": 15}}}))
    permit = _ok(client.post("/api/v1/hazards/permits", headers=enterprise, json={
        "work_type": "hot_work", "grade": "level2", "area": f"{MARK}储罐区", "content": f"{MARK}动火",
        "guardian": "李", "work_leader": "张", "valid_from": "2030-06-01T08:30:00+08:00",
        "valid_to": "2030-06-01T12:30:00+08:00"}))
    record = _ok(client.post("/api/v1/hazards/enforcement", headers=department, json={
        "kind": "inspection", "organization_id": org["id"], "target_name": f"{MARK}有限公司",
        "inspected_at": "2030-02-28T10:00:00+08:00", "findings": MARK}))
    punishment = _ok(client.post("/api/v1/hazards/joint-punishments", headers=office, json={
        "organization_id": org["id"], "reason": MARK, "starts_at": "2030-02-01T00:00:00+08:00",
        "ends_at": "2031-02-01T00:00:00+08:00"}))
    grid = _ok(client.post("/api/v1/hazards/grids", headers=office, json={
        "community_code": "320102002001", "name": f"{MARK}网格", "boundary": XUANWU_SQUARE}))
    plan = _ok(client.post("/api/v1/hazards/plans", headers=office, json={
        "name": f"{MARK}排查", "place_type": "nine_small", "assignee_kind": "grid",
        "period_start": "2030-01-01T00:00:00+08:00", "period_end": "2030-02-01T00:00:00+08:00"}))
    checklist = _ok(client.get("/api/v1/hazards/checklists", headers=office))[0]
    tasks = _ok(client.get("/api/v1/hazards/tasks", headers=office, params={"plan_id": plan["id"]}))["items"]
    unit = _ok(client.post("/api/v1/firewatch/units", headers=admin, json={"organization_id": org["id"]}))
    uitd = _ok(client.post("/api/v1/firewatch/uitds", headers=admin, json={
        "address": 0x0A0B0C0D0E0F, "unit_id": unit["id"]}))
    window = _ok(client.post("/api/v1/firewatch/maintenance", headers=admin, json={
        "unit_id": unit["id"], "starts_at": "2030-06-01T08:00:00+08:00", "ends_at": "2030-06-01T18:00:00+08:00",
        "reason": MARK}))
    incident = _ok(client.post("/api/v1/emergency/incidents", headers=office, json={
        "category": "accident", "subtype": "collapse", "description": f"{MARK} 坍塌", "title": MARK,
        "place": f"{MARK}工地", "region_code": "320102002", "caller_name": MARK,
        "location": {"lon": 118.80, "lat": 32.05}}))
    report = _ok(client.post(f"/api/v1/emergency/incidents/{incident['id']}/reports", headers=office, json={
        "kind": "initial", "to_level": "county", "time_place_scene": f"{MARK}工地", "course": f"{MARK} 坍塌",
        "deaths": 0, "missing": 0, "serious_injuries": 0, "reporting_unit": f"{MARK}公司"}))
    _ok(client.put("/api/v1/emergency/roster", headers=office, json={
        "region_code": A, "day": "2030-01-01", "entries": [{"name": MARK, "phone": "13800000000"}]}))
    emergency = _seed_emergency(client, office)
    emergency |= _seed_command(client, office, incident["id"], int(emergency["emergency_plan_id"]))
    emergency |= _seed_resources(client, office)
    emergency |= _seed_room(client, office, incident["id"], int(emergency["team_id"]))
    emergency |= _seed_aid(client, office, incident["id"])
    emergency |= _seed_creation(client, ctx, office)
    emergency |= _seed_evaluation(client, office)
    emergency |= _seed_knowledge_and_participation(client, admin, office, org["id"])
    emergency |= _seed_rewards(client, ctx, office, admin)
    emergency |= _seed_citizen_report(client, office)
    department_id = _ok(client.get("/api/v1/auth/me", headers=department))["user_id"]
    # A district office binding an address it cannot see files a claim for an office above (finding 9).
    claim = client.post("/api/v1/firewatch/uitds/123456789/bind", headers=office, json={"unit_id": unit["id"]})
    assert claim.status_code == 202, claim.text[:300]
    with unit_of_work(ctx.session_factory) as session:  # a job of A's (recorded, not run: nothing to run)
        job = jobs.Job(kind="matrix", region_code=A, created_by=MARK, status="queued", progress=0, step=MARK)
        session.add(job)
        session.flush()
        job_id = job.id
    return {"user_id": str(department_id), "claim_id": str(claim.json()["id"]),
            "job_id": str(job_id), "org_id": str(org["id"]), "ticket_id": str(ticket["id"]),
            "place_id": str(place["id"]),
            "source_id": str(source["id"]), "permit_id": str(permit["id"]), "record_id": str(record["id"]),
            "punishment_id": str(punishment["id"]), "code": grid["code"], "plan_id": str(plan["id"]),
            "task_id": str(tasks[0]["id"]) if tasks else "", "unit_id": str(unit["id"]),
            "address": str(uitd["address"]), "checklist_id": str(checklist["id"]), "window_id": str(window["id"]),
            "incident_id": str(incident["id"]), "report_id": str(report["id"])} | emergency


def _seed_rewards(client: TestClient, ctx: AppContext, office: dict[str, str],
                  admin: dict[str, str]) -> dict[str, str]:
    """A verified citizen report of A with its reward case, and a reward rule of A's own (rules are read by every
    reward handler, so it carries no marker; only A's offices above it may edit it)."""
    with unit_of_work(ctx.session_factory) as session:
        session.add(CitizenReport(receipt=f"{MARK}1", state="verified", category="fire_safety", description=MARK,
                                  lon=118.8, lat=32.05, public_lon=118.8, public_lat=32.05, displacement_m=0,
                                  region_code="320102002", created_at=utcnow(), verified_at=utcnow()))
    with unit_of_work(ctx.session_factory) as session:
        report = session.scalar(select(CitizenReport.id).where(CitizenReport.receipt == f"{MARK}1"))
    case = _ok(client.post("/api/v1/rewards/cases", headers=office, json={
        "report_id": report, "kind": "violation", "fine_yuan": "10000", "basis_note": MARK}))
    document = shipped_rule("national-2018").model_dump(mode="json") | {
        "name": "xuanwu-matrix", "jurisdiction": A, "title": "玄武区举报奖励办法"}
    rule = _ok(client.post("/api/v1/rewards/rules", headers=admin, json={"document": document}))
    return {"case_id": str(case["id"]), "rule_id": str(rule["id"])}
def _seed_citizen_report(client: TestClient, office: dict[str, str]) -> dict[str, str]:
    """A citizen's report of a place in district A (public, no account), as its staff list it."""
    from tests.public.reports_support import photo

    _ok(client.post("/api/v1/public/reports", data={
        "category": "fire_safety", "description": f"{MARK} 楼道堵塞", "lon": "118.7975", "lat": "32.0487"},
        files=[("photos", ("p.jpg", photo(), "image/jpeg"))]))
    report = _ok(client.get("/api/v1/reports", headers=office))[0]
    return {"citizen_report_id": str(report["id"])}


def _seed_evaluation(client: TestClient, office: dict[str, str]) -> dict[str, str]:
    """A 考核 sheet of district A with a file as evidence of one item (issue #14 points 2-3)."""
    sheet = _ok(client.post("/api/v1/evaluation/sheets", headers=office, json={
        "purpose": "assessment", "year": 2030, "subject_name": f"{MARK}局"}))
    evidence = _ok(client.post(f"/api/v1/evaluation/sheets/{sheet['id']}/items/1.1.1/evidence", headers=office,
                               files={"file": ("a.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")}))
    criteria = _ok(client.get("/api/v1/evaluation/criteria", headers=office))[0]
    return {"sheet_id": str(sheet["id"]), "item_id": "1.1.1", "evidence_id": str(evidence["id"]),
            "criteria_id": str(criteria["id"])}


def _seed_knowledge_and_participation(client: TestClient, admin: dict[str, str], office: dict[str, str],
                                      org_id: int) -> dict[str, str]:
    """An expert, a provider with a contract, an event, an experience base with a session, a volunteer team of
    district A (issue #15 points 4 and 6); a catalogue item (the province's, read by everyone: no marker)."""
    expert = _ok(client.post("/api/v1/knowledge/experts", headers=office, json={
        "name": f"{MARK}专家", "field": "safety_management", "region_code": A, "emergency_pool": False}))
    item = _ok(client.post("/api/v1/knowledge/services/catalogue", headers=admin, json={
        "edition": "2030年版", "code": "B01", "category": "辅助性服务", "name": "安全评价"}))
    provider = _ok(client.post("/api/v1/knowledge/services/providers", headers=office, json={
        "organization_id": org_id, "region_code": A, "contact_name": MARK}))
    contract = _ok(client.post("/api/v1/knowledge/services/contracts", headers=office, json={
        "provider_id": provider["id"], "item_id": item["id"], "number": MARK, "title": f"{MARK}评价",
        "buyer": f"{MARK}局", "amount": "1000", "starts_on": "2030-01-01", "ends_on": "2030-12-31"}))
    event = _ok(client.post("/api/v1/participation/events", headers=office, json={
        "title": f"{MARK}宣传", "kind": "publicity", "audience": "public", "organiser": MARK, "place": MARK,
        "region_code": A, "capacity": 10, "starts_at": "2030-06-01T09:00:00+08:00",
        "ends_at": "2030-06-01T11:00:00+08:00"}))
    base = _ok(client.post("/api/v1/participation/bases", headers=office, json={
        "name": f"{MARK}体验馆", "region_code": A, "address": MARK}))
    session = _ok(client.post(f"/api/v1/participation/bases/{base['id']}/sessions", headers=office, json={
        "starts_at": "2030-06-01T09:00:00+08:00", "ends_at": "2030-06-01T11:00:00+08:00", "capacity": 10}))
    group = _ok(client.post("/api/v1/participation/groups", headers=office, json={
        "name": f"{MARK}志愿队", "kind": "volunteer_team", "region_code": A}))
    return {"expert_id": str(expert["id"]), "catalogue_item_id": str(item["id"]),
            "provider_id": str(provider["id"]), "contract_id": str(contract["id"]), "event_id": str(event["id"]),
            "base_id": str(base["id"]), "session_id": str(session["id"]), "group_id": str(group["id"])}


def _seed_emergency(client: TestClient, office: dict[str, str]) -> dict[str, str]:
    """A plan of district A with its document, and a held drill of it with a finding."""
    plan = _ok(client.post("/api/v1/emergency/plans", headers=office, json={
        "kind": "gov_special", "title": f"{MARK}火灾预案", "unit_name": f"{MARK}应急局", "content": {
            "triggers": [{"level": "4", "categories": ["accident"]}], "levels": [{"level": "4"}]}}))
    document = _ok(client.post(f"/api/v1/emergency/plans/{plan['id']}/documents", headers=office,
                               files={"file": ("plan.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")}))
    drill = _ok(client.post("/api/v1/emergency/drills", headers=office, json={
        "plan_id": plan["id"], "title": f"{MARK}演练", "content_kind": "single", "form_kind": "tabletop",
        "scheduled_on": "2026-03-01", "held_on": "2026-03-01"}))
    finding = _ok(client.post(f"/api/v1/emergency/drills/{drill['id']}/findings", headers=office, json={
        "description": f"{MARK}问题", "follow_up": "task", "task_owner": "张", "task_due_on": "2026-04-01"}))
    template = client.get("/api/v1/emergency/ledger/template.xlsx", headers=office).content
    ledger_row = ["2025-06-01 10:00", "320102002", "火灾", "E", 1, 0, 0, 0, 1000, f"{MARK}建设公司", "", MARK]
    _ok(client.post("/api/v1/emergency/ledger/import", headers=office, data={"dry_run": "false"}, files={
        "file": ("ledger.xlsx", filled(template, [ledger_row]), "application/octet-stream")}))
    entry = _ok(client.get("/api/v1/emergency/ledger", headers=office))["items"][0]
    return {"emergency_plan_id": str(plan["id"]), "version_number": "1", "document_id": str(document["id"]),
            "drill_id": str(drill["id"]), "finding_id": str(finding["id"]), "entry_id": str(entry["id"])}


def _seed_resources(client: TestClient, office: dict[str, str]) -> dict[str, str]:
    """A team, a depot with stock, a shelter, an expert and an agreement reserve of district A (issue #13 points
    1, 3 and 6)."""
    point = {"lon": 118.80, "lat": 32.05}
    team = _ok(client.post("/api/v1/emergency/resources/teams", headers=office, json={
        "name": f"{MARK}消防站", "kind": "fire_station", "region_code": A, "location": point}))
    depot = _ok(client.post("/api/v1/emergency/resources/depots", headers=office, json={
        "name": f"{MARK}储备库", "kind": "comprehensive", "level": "county", "region_code": A, "location": point}))
    _ok(client.put(f"/api/v1/emergency/resources/depots/{depot['id']}/stock", headers=office, json={
        "code": "1010101", "name": f"{MARK}帐篷", "unit": "顶", "quantity": 10, "expires_on": "2026-01-01"}))
    shelter = _ok(client.post("/api/v1/emergency/shelters", headers=office, json={
        "name": f"{MARK}广场", "grade": "county", "space": "outdoor", "function": "single", "duration": "emergency",
        "kind": "square", "region_code": A, "location": point, "effective_area_m2": 300}))
    # The expert pool and an agreement reserve have no path ids: only the list check covers them.
    _ok(client.post("/api/v1/emergency/resources/experts", headers=office, json={
        "name": f"{MARK}专家", "field": "hazchem", "region_code": A}))
    supplier = _ok(client.get("/api/v1/organizations", headers=office, params={"q": MARK}))["items"][0]
    _ok(client.post("/api/v1/emergency/resources/agreements", headers=office, json={
        "supplier_id": supplier["id"], "title": f"{MARK}协议", "region_code": A, "response_hours": 4,
        "valid_from": "2030-01-01", "valid_to": "2030-12-31",
        "items": [{"code": "1020101", "name": f"{MARK}饮用水", "unit": "箱", "quantity": 10}]}))
    return {"team_id": str(team["id"]), "depot_id": str(depot["id"]), "shelter_id": str(shelter["id"])}


def _seed_command(client: TestClient, office: dict[str, str], incident_id: int, plan_id: int) -> dict[str, str]:
    """The incident verified, the plan activated for it at 四级, and a task of its command."""
    _ok(client.post(f"/api/v1/emergency/incidents/{incident_id}/transitions", headers=office,
                    json={"action": "verify"}))
    _ok(client.post(f"/api/v1/emergency/incidents/{incident_id}/activations", headers=office,
                    json={"plan_id": plan_id, "level": "4"}))
    task = _ok(client.post(f"/api/v1/emergency/incidents/{incident_id}/tasks", headers=office,
                           json={"title": f"{MARK}任务", "deadline_minutes": 30}))
    warning = _ok(client.post("/api/v1/emergency/warnings", headers=office, json={
        "category": "accident", "level": 3, "headline": f"{MARK}预警", "description": f"{MARK}泄漏",
        "instruction": "关闭门窗", "onset": "2030-01-01T09:00:00+08:00", "expires": "2030-01-02T09:00:00+08:00",
        "area": XUANWU_SQUARE}))
    return {"em_task_id": str(task["id"]), "warning_id": str(warning["id"])}


def _seed_room(client: TestClient, office: dict[str, str], incident_id: int, team_id: int) -> dict[str, str]:
    """A photo on the incident's timeline, a member of its command, and A's team dispatched to it."""
    url = f"/api/v1/emergency/incidents/{incident_id}"
    photo = _ok(client.post(f"{url}/attachments", headers=office, files={"file": ("a.pdf", b"%PDF-1.4\n%%EOF\n")}))
    command = _ok(client.post(f"{url}/command/members", headers=office,
                              json={"post": "deputy", "name": f"{MARK}副总指挥", "phone": "13800000000"}))
    member = next(m for m in command["leaders"] if m["name"] == f"{MARK}副总指挥")
    orders = _ok(client.post(f"{url}/dispatches", headers=office, json={"team_ids": [team_id]}))
    return {"attachment_id": str(photo["id"]), "member_id": str(member["id"]), "dispatch_id": str(orders[0]["id"])}


def _seed_aid(client: TestClient, office: dict[str, str], incident_id: int) -> dict[str, str]:
    """A request of district A's office to 苏州 for its incident, and a partner catalogue A imported."""
    aid = _ok(client.post(f"/api/v1/emergency/incidents/{incident_id}/aid-requests", headers=office, json={
        "giver_region": "320500", "teams": [{"kind": "fire_station", "count": 1}], "reason": f"{MARK}支援"}))
    partner = _ok(client.post("/api/v1/emergency/mutual-aid/catalogues", headers=office, json={
        "format": "mutual-aid-catalogue", "version": "1.0", "generated_at": "2030-01-01T08:00:00+08:00",
        "crs": "EPSG:4326", "publisher": {"id": "340500", "name": f"{MARK}马鞍山", "region_code": "340500"},
        "teams": [{"id": "t1", "name": f"{MARK}外部队", "kind": "fire_station", "region_code": "340503",
                   "location": {"lon": 118.5, "lat": 31.7}, "status": "available"}]}))
    return {"aid_id": str(aid["id"]), "catalogue_id": str(partner["id"])}


def _seed_creation(client: TestClient, ctx: AppContext, office: dict[str, str]) -> dict[str, str]:
    """District A as a 参评对象 with an application in 自评, an objection and a revocation proposal on it."""
    from citysafe.evaluation.workflow.models import Objection, Revocation

    applicant = _ok(client.post("/api/v1/evaluation/applicants", headers=office, json={
        "kind": "county", "division_code": A, "name": f"{MARK}区"}))
    application = _ok(client.post(f"/api/v1/evaluation/applicants/{applicant['id']}/applications", headers=office,
                                  json={"year": 2030}))
    with unit_of_work(ctx.session_factory) as session:
        objection = Objection(application_id=application["id"], text=f"{MARK}异议", lodged_at=utcnow(),
                              region_code=A)
        revocation = Revocation(applicant_id=applicant["id"], reason="major_accident", detail=MARK, region_code=A,
                                proposed_by="system")
        session.add_all([objection, revocation])
        session.flush()
        ids = {"objection_id": str(objection.id), "revocation_id": str(revocation.id)}
    return {"applicant_id": str(applicant["id"]), "application_id": str(application["id"])} | ids


def _operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    spec = client.app.openapi()  # type: ignore[attr-defined]
    return [(m.upper(), p, op) for p, ops in spec["paths"].items() for m, op in ops.items()]


def _path_params(op: dict[str, Any]) -> list[str]:
    return [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]


def _role_user(make_user: UserFactory, client: TestClient, role: Role, admin: dict[str, str]) -> dict[str, str]:
    if role is Role.ENTERPRISE:
        org = _ok(client.post("/api/v1/organizations", headers=admin, json={
            "name": "秦淮某企业", "kind": "enterprise", "region_code": "320104002", "sector": "商贸"}))
        return make_user(role.value, B, organization_id=org["id"])
    if role is Role.GRID_OFFICER:
        return make_user(role.value, "320104002")
    return make_user(role.value, B)


@pytest.mark.timeout(600)  # ~120 operations × 10 roles on each backend
def test_no_role_of_another_district_reads_or_writes_district_a(client: TestClient, ctx: AppContext,
                                                                make_user: UserFactory) -> None:
    ids = _seed(client, ctx, make_user)
    admin_b = make_user("admin", "320000")
    office_a = make_user("district_office", A)
    assert MARK in client.get("/api/v1/emergency/ledger", headers=office_a).text  # A's ledger row is really there
    # Every role but those whose scope contains both districts (admin, province and city offices: there is
    # no "other district" for them), each as a user of district B.
    outsiders = {role: _role_user(make_user, client, role, admin_b) for role in Role
                 if role not in (Role.ADMIN, Role.PROVINCE_OFFICE, Role.CITY_OFFICE)}
    leaks: list[str] = []
    probes = 0
    for method, path, op in _operations(client):
        params = _path_params(op)
        if path.startswith(REGION_PATHS):
            continue
        scoped = [p for p in params if p not in UNSCOPED_PATH_PARAMS]
        missing = [p for p in scoped if not ids.get(p)]
        assert not missing, f"{method} {path}: seed an object of district A for {missing} in _seed"
        if scoped and len(scoped) != len(params):
            continue  # also names something unseeded (an officer of A's grid): covered by its own read
        url = path
        for name in params:
            url = url.replace("{" + name + "}", ids.get(name, "1"))
        body = None
        if method != "GET" and scoped:
            assert op["operationId"] in WRITE_BODIES, f"{op['operationId']}: add a valid body to WRITE_BODIES"
            body = WRITE_BODIES[op["operationId"]]
        if method == "GET" and set(scoped) & SHARED_READS:
            continue
        if path.endswith("/stream"):
            continue  # never ends; its scope is tested with the stream (tests/firewatch, tests/emergency)
        if method == "GET" and scoped:
            control = client.get(url, headers=office_a)
            assert control.status_code == 200, (url, control.status_code, control.text[:200])
        if method != "GET" and not scoped:
            continue  # creations: what a user may create where is finding 4's matrix (branch authz)
        for role, headers in outsiders.items():
            response = client.request(method, url, headers=headers, json=body)
            probes += 1
            if scoped and (response.status_code < 300 or (body is not None and response.status_code == 422)):
                leaks.append(f"{role.value} {method} {url} -> {response.status_code}")
            elif MARK in response.text:
                leaks.append(f"{role.value} {method} {url} shows A's marker ({response.status_code})")
    assert leaks == [], f"{len(leaks)} out-of-scope answers: " + "; ".join(leaks[:40])
    assert probes > 400  # ~70 operations × 7 roles: the whole API was walked
