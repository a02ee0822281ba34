"""Gaps closed after the first pass (issue #14): Excel evidence, the audit log keeping a file's size and digest
instead of its bytes, the shipped criteria loaded once under concurrent first use, a region's own criteria version
applying to its own sheets only, and a 考核 sheet's organisation checked against orgs."""

from __future__ import annotations

import hashlib
import io
import json
import threading
import zipfile
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.conftest import UserFactory
from tests.evaluation.ev_samples import small
from tests.evaluation.sheet_support import NOW, actor, applicant, self_sheet

from citysafe.auth.enums import Role
from citysafe.core.audit import AuditEntry
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.errors import ValidationFailed
from citysafe.core.scope import Scope, bind_scope
from citysafe.evaluation import criteria_store
from citysafe.evaluation.calc.criteria import shipped_criteria
from citysafe.evaluation.models import CriteriaVersion, Evidence
from citysafe.evaluation.sheets import service
from citysafe.evaluation.sheets.schemas import Purpose, SheetCreate
from citysafe.orgs.models import Organization


def _zip(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


XLSX = _zip("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/worksheets/sheet1.xml")


def test_an_excel_workbook_is_kept_as_evidence_other_zips_are_refused(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        sheet = self_sheet(session, applicant(session))
        kept = service.add_file(session, sheet=sheet, item_id="1.1.1", filename="隐患台账.xlsx", data=XLSX,
                                note="", principal=actor(), now=NOW)
        assert kept.label == "隐患台账.xlsx" and kept.content_type.endswith("spreadsheetml.sheet")
        with pytest.raises(ValidationFailed) as pptx:
            service.add_file(session, sheet=sheet, item_id="1.1.1", filename="汇报.pptx", note="", principal=actor(),
                             now=NOW, data=_zip("[Content_Types].xml", "ppt/presentation.xml"))
        assert "ZIP" in pptx.value.detail_zh and "XLSX" in pptx.value.detail_zh and "汇报.pptx" in pptx.value.detail_zh
        with pytest.raises(ValidationFailed) as exe:
            service.add_file(session, sheet=sheet, item_id="1.1.1", filename="台账.xlsx", data=b"MZ\x90\x00" * 10,
                             note="", principal=actor(), now=NOW)
        assert "可执行程序" in exe.value.detail_zh
        assert session.scalar(select(func.count()).select_from(Evidence)) == 1


def test_the_audit_entry_of_an_upload_keeps_size_and_digest_not_the_bytes(ctx: AppContext) -> None:
    data = XLSX
    with unit_of_work(ctx.session_factory) as session:
        sheet = self_sheet(session, applicant(session))
        evidence = service.add_file(session, sheet=sheet, item_id="1.1.1", filename="台账.xlsx", data=data,
                                    note="", principal=actor(), now=NOW)
        evidence_id = str(evidence.id)
    with unit_of_work(ctx.session_factory) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.entity == "ev_evidence",
                                                         AuditEntry.entity_id == evidence_id)).one()
        assert entry.after is not None
        assert entry.after["data"] == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        assert data.hex()[:64] not in json.dumps(entry.after)


def _race(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another transaction stores the shipped sets and commits after this one has read that none are stored."""
    real = shipped_criteria
    raced: list[bool] = []

    def shipped(name: str) -> Any:
        if not raced:
            raced.append(True)
            with unit_of_work(ctx.session_factory) as other:
                criteria_store.ensure_shipped(other, now=NOW)
        return real(name)

    monkeypatch.setattr(criteria_store, "shipped_criteria", shipped)


def test_two_first_uses_of_the_shipped_criteria_at_once(ctx: AppContext, backend: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    if backend == "postgresql":
        # Deterministic interleaving: read (nothing stored) → the other commits its load → insert.
        _race(ctx, monkeypatch)
        with unit_of_work(ctx.session_factory) as session:
            row = criteria_store.latest(session, set_id="national-2019", region_code="320100", now=NOW)
            assert row.origin == "shipped"
    else:
        # SQLite writers queue at BEGIN IMMEDIATE: two threads' first uses run one after the other.
        failures: list[BaseException] = []

        def first_use() -> None:
            try:
                with unit_of_work(ctx.session_factory) as session:
                    criteria_store.latest(session, set_id="national-2019", region_code="320100", now=NOW)
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=first_use) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
    with unit_of_work(ctx.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(CriteriaVersion)) == 2


def _upload(session: Any, *, version: str, region: str, role: Role) -> CriteriaVersion:
    doc = small() | {"id": "small-assessment", "kind": "assessment", "version": version}
    return criteria_store.upload(session, text=json.dumps(doc, ensure_ascii=False), now=NOW,
                                 principal=actor(role, region, name="安委办"))


def test_a_citys_own_criteria_version_applies_to_its_own_sheets_only(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        shared = _upload(session, version="1", region="320000", role=Role.ADMIN)
        nanjing = _upload(session, version="nj-1", region="320100", role=Role.CITY_OFFICE)
        suzhou = _upload(session, version="sz-1", region="320500", role=Role.CITY_OFFICE)
        assert (shared.owner_region, nanjing.owner_region) == ("", "320100")

        def latest(region: str) -> int:
            return criteria_store.latest(session, set_id="small-assessment", region_code=region, now=NOW).id

        assert latest("320100") == nanjing.id and latest("320102") == nanjing.id  # the city and its districts
        assert latest("320500") == suzhou.id
        assert latest("320200") == shared.id and latest("320000") == shared.id  # others: the newest shared one
        newer = _upload(session, version="2", region="320000", role=Role.ADMIN)
        assert latest("320200") == newer.id and latest("320100") == nanjing.id
        data = SheetCreate(purpose=Purpose.ASSESSMENT, year=2026, subject_name="无锡市应急管理局",
                           region_code="320200", criteria_set="small-assessment")
        assert service.create(session, data=data, principal=actor(), now=NOW).criteria_id == newer.id


def _org(session: Any, name: str, region: str) -> int:
    org = Organization(name=name, kind="agency", region_code=region, contacts=[])
    session.add(org)
    session.flush()
    return org.id


def test_a_subject_organisation_must_exist_in_the_readers_region(ctx: AppContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        criteria_store.ensure_shipped(session, now=NOW)
        mine, theirs = _org(session, "南京市住房和城乡建设局", "320100"), _org(session, "苏州市应急管理局", "320500")
    with unit_of_work(ctx.session_factory) as session:
        bind_scope(session, Scope("320100"))
        who = actor(Role.CITY_OFFICE, "320100", name="南京市安委办")
        sheet = service.create(session, data=SheetCreate(purpose=Purpose.ASSESSMENT, year=2026, subject_org_id=mine),
                               principal=who, now=NOW)
        assert (sheet.subject_name, sheet.subject_org_id) == ("南京市住房和城乡建设局", mine)
        for wrong in (theirs, 999_999):
            with pytest.raises(ValidationFailed) as refused:
                service.create(session, principal=who, now=NOW,
                               data=SheetCreate(purpose=Purpose.ASSESSMENT, year=2027, subject_name="某局",
                                                subject_org_id=wrong))
            assert refused.value.fields[0].field == "subject_org_id" and str(wrong) in refused.value.detail_zh


def test_the_assessment_form_offers_the_regions_agencies(client: TestClient, ctx: AppContext,
                                                         make_user: UserFactory) -> None:
    make_user("city_office", "320100", username="nj")
    with unit_of_work(ctx.session_factory) as session:
        mine, theirs = _org(session, "南京市住房和城乡建设局", "320100"), _org(session, "苏州市应急管理局", "320500")
    client.post("/login", data={"username": "nj", "password": "correct-horse"})
    page = client.get("/evaluation/sheets")
    assert f'<option value="{mine}" lang="zh">南京市住房和城乡建设局</option>' in page.text
    assert "苏州市应急管理局" not in page.text
    made = client.post("/evaluation/sheets", follow_redirects=True,
                       data={"purpose": "assessment", "year": "2026", "subject_org_id": str(mine), "subject_name": ""})
    assert "评分表已建立" in made.text and "南京市住房和城乡建设局" in made.text
    refused = client.post("/evaluation/sheets", follow_redirects=True,
                          data={"purpose": "assessment", "year": "2026", "subject_org_id": str(theirs)})
    assert "flash-error" in refused.text and "本辖区没有编号" in refused.text
