"""The city safety risk white paper through the report API: chapters, numbered tables and figures, files."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path
from typing import Any

import docx
from fastapi.testclient import TestClient
from risk_helpers import FUZIMIAO, JIANGNING, LIUHE_PARK, XUANWU_LAKE, SourceFactory, lec, matrix
from tests.conftest import UserFactory
from tests.support.waiting import until_sync

CHAPTERS = ["前言", "城市概况", "评估方法", "风险辨识结果", "风险评估结果", "重大和较大风险", "风险防控对策",
            "公众安全指引", "附录"]


def seed(add_source: SourceFactory) -> None:
    add_source(name="南京甲化工有限公司液氯储罐区", kind="major_hazard", at=LIUHE_PARK, assessment={
        "method": "gb18218", "params": {"holdings": [{"substance": "氯", "quantity_t": 60}], "population": 80}})
    add_source(name="南京乙化工有限公司", at=(LIUHE_PARK[0] + 0.01, LIUHE_PARK[1]), assessment=lec(6, 6, 7))
    add_source(name="夫子庙小餐饮", kind="small_venue", at=FUZIMIAO, assessment=matrix(3, 3))
    add_source(name="玄武湖隧道", kind="tunnel", at=XUANWU_LAKE, assessment=matrix(2, 2),
               geometry={"type": "LineString", "coordinates": [[118.785, 32.064], [118.800, 32.080]]})
    add_source(name="方山地质灾害隐患点", kind="geological_hazard", at=JIANGNING, assessment=matrix(1, 1))


def finished_job(client: TestClient, started: Any, headers: dict[str, str]) -> dict[str, Any]:
    """Follow a white paper's job (``Location``) until it has finished."""
    seen: dict[str, Any] = {}

    def finished() -> bool:
        seen.update(client.get(started.headers["Location"], headers=headers).json())
        return seen["status"] in ("succeeded", "failed")

    until_sync(finished, what="the white paper's job to finish", timeout=100, interval=0.1)
    return seen


def test_whitepaper_is_built_recorded_and_served(client: TestClient, city: dict[str, str],
                                                 add_source: SourceFactory) -> None:
    seed(add_source)
    response = client.post("/api/v1/reports/risk-whitepapers", headers=city, json={"region": "320100", "year": 2026})
    assert response.status_code == 202, response.text
    job = finished_job(client, response, city)
    assert job["status"] == "succeeded" and job["progress"] == 100, job
    report = job["result"]["report"]
    assert job["result"]["report_id"] == report["id"]
    assert report["title"] == "南京市城市安全风险白皮书（2026年）" and report["region_code"] == "320100"
    assert report["summary"]["total"] == 5 and report["summary"]["by_level"]["red"] == 1
    assert report["summary"]["figures"] >= 6 and report["summary"]["tables"] >= 12
    assert report["params"]["maps"]["division"]["rule"] == "density"  # the map's default rule, stated in the text:
    assert report["params"]["rules"]["gb18218_grade_levels"] == {"1": "red", "2": "red", "3": "orange", "4": "orange"}

    pdf = client.get(f"/api/v1/reports/risk-whitepapers/{report['id']}/pdf", headers=city)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.content, capture_output=True,
                          check=True).stdout.decode()
    for chapter in CHAPTERS:
        assert re.search(rf"[一二三四五六七八九]、{chapter}", text), chapter
    assert "表 1" in text and "图 1" in text and "重大风险清单" in text
    assert "南京甲化工有限公司液氯储罐区" in text and "应急管理局" in text  # the major risk with its units
    assert "12350" in text  # public guidance carries the reporting hotline
    flat = re.sub(r"\s+", "", text)
    assert "四色图采用“风险密度（每平方公里风险分值）”规则" in flat and "重大风险≥16分/km²" in flat
    assert "按“风险密度（每平方公里风险分值）”规则绘制的四色空间分布图" in flat
    assert "汇总规则：风险密度（每平方公里风险分值）（分级界限见图例）" in flat

    html = client.get(f"/api/v1/reports/risk-whitepapers/{report['id']}/html", headers=city)
    assert html.headers["content-type"].startswith("text/html")
    images = re.findall(r'src="images/(figure-\d\d\.png)"', html.text)
    assert len(images) == report["summary"]["figures"]
    image = client.get(f"/api/v1/reports/risk-whitepapers/{report['id']}/images/{images[0]}", headers=city)
    assert image.status_code == 200 and image.content[:4] == b"\x89PNG"

    word = client.get(f"/api/v1/reports/risk-whitepapers/{report['id']}/docx", headers=city)
    document = docx.Document(io.BytesIO(word.content))
    headings = [p.text for p in document.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    assert headings == [f"{n}、{c}" for n, c in zip("一二三四五六七八九", CHAPTERS, strict=True)]
    assert len(document.tables) == report["summary"]["tables"]
    assert len(document.inline_shapes) == report["summary"]["figures"]
    captions = [p.text for p in document.paragraphs if p.text.startswith(("表 ", "图 "))]
    assert captions[0].startswith("表 1　") and any(c.startswith("图 1　") for c in captions)

    listed = client.get("/api/v1/reports/risk-whitepapers", headers=city).json()
    assert [r["id"] for r in listed] == [report["id"]]
    assert Path(report["files"]["pdf"]).is_file()


def test_whitepaper_needs_permission_data_and_scope(client: TestClient, city: dict[str, str], make_user: UserFactory,
                                                    add_source: SourceFactory) -> None:
    grid = make_user("grid_officer", "320102")
    assert client.post("/api/v1/reports/risk-whitepapers", headers=grid,
                       json={"region": "320102", "year": 2026}).status_code == 403
    empty = client.post("/api/v1/reports/risk-whitepapers", headers=city, json={"region": "320100", "year": 2026})
    assert empty.status_code == 422 and "尚未登记风险源" in empty.json()["detail_zh"]
    xuanwu = make_user("district_office", "320102")
    assert client.post("/api/v1/reports/risk-whitepapers", headers=xuanwu,
                       json={"region": "320100", "year": 2026}).status_code == 404
    add_source(at=XUANWU_LAKE, assessment=lec(1, 1, 1))
    district = client.post("/api/v1/reports/risk-whitepapers", headers=xuanwu,
                           json={"region": "320102", "year": 2026, "formats": ["html"]})
    assert district.status_code == 202
    report = finished_job(client, district, xuanwu)["result"]["report"]
    assert set(report["files"]) == {"html"}
    assert client.get(f"/api/v1/reports/risk-whitepapers/{report['id']}/pdf", headers=xuanwu).status_code == 404
    # The job belongs to 玄武区: another district does not see it.
    qinhuai = make_user("district_office", "320104")
    assert client.get(district.headers["Location"], headers=qinhuai).status_code == 404


def test_a_district_with_only_unassessed_sources_gets_its_white_paper(client: TestClient, make_user: UserFactory,
                                                                      add_source: SourceFactory) -> None:
    """Its H3 map has no cell to draw: the job failed on ``min()`` of an empty list; the map now says so."""
    xuanwu = make_user("district_office", "320102")
    add_source(name="玄武湖某待评估场所", kind="small_venue", at=XUANWU_LAKE, headers=xuanwu)
    started = client.post("/api/v1/reports/risk-whitepapers", headers=xuanwu,
                          json={"region": "320102", "year": 2026, "formats": ["html"]})
    assert started.status_code == 202, started.text
    job = finished_job(client, started, xuanwu)
    assert job["status"] == "succeeded", job
    report = job["result"]["report"]
    html = client.get(f"/api/v1/reports/risk-whitepapers/{report['id']}/html", headers=xuanwu).text
    assert "四色网格图" in html
