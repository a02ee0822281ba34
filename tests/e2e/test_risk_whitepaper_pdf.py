"""The white paper button in Chromium, and the PDF it produces rendered to PNG pages (kept as artefacts)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageStat
from tests.e2e.e2e_support import login_city_office

# The demo_city fixture seeds the whole risk demo register (74 s of setup on a loaded machine), then the
# PDF is built and rasterised (81 s): 155 s in all.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


def test_whitepaper_button_and_pdf_pages(live_server: str, browser_page: Any, artifacts_dir: Path,
                                         demo_city: int) -> None:
    page = browser_page
    page.set_default_timeout(120_000)  # building the PDF of a city takes a while
    login_city_office(page, live_server, "/risk/whitepaper")
    page.wait_for_selector("#whitepaper-form")
    page.select_option("select[name=region]", "320100")
    page.fill("input[name=year]", "2026")
    page.click("#whitepaper-button")
    page.wait_for_selector("#reports a[data-format=pdf]")
    assert "南京市城市安全风险白皮书（2026年）" in page.locator("#reports").inner_text()
    page.screenshot(path=str(artifacts_dir / "risk-whitepaper-page.png"))

    link = page.locator("#reports a[data-format=pdf]").first.get_attribute("href")
    pdf = page.request.get(f"{live_server}{link}")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    out = artifacts_dir / "risk-whitepaper"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    (out / "whitepaper.pdf").write_bytes(pdf.body())
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(out / "whitepaper.pdf"), str(out / "page")], check=True)
    pages = sorted(out.glob("page-*.png"))
    assert len(pages) >= 25  # cover, contents, nine chapters, the lists of major and large risks
    text = subprocess.run(["pdftotext", str(out / "whitepaper.pdf"), "-"], capture_output=True, check=True,
                          text=True).stdout
    for words in ("城市概况", "评估方法", "风险等级 × 领域", "风险等级 × 区县", "四色图", "重大风险清单",
                  "较大风险清单", "风险防控对策", "公众安全指引", "街道边界为演示用 Voronoi 自动生成"):
        assert words in text, words
    # Chinese glyphs really rendered: the cover is mostly the dark band, a map page is mostly colour.
    cover = ImageStat.Stat(Image.open(pages[0]).convert("L"))
    assert cover.mean[0] < 180
    colourful = [p for p in pages if _saturated_share(p) > 0.025]
    assert len(colourful) >= 6  # the four-colour maps, the charts, the level-coloured tables


def _saturated_share(path: Path) -> float:
    """Share of strongly coloured pixels on a page (text and rules are grey, maps and charts are not)."""
    hsv = np.asarray(Image.open(path).convert("HSV"))
    return float((hsv[..., 1] > 120).mean())
