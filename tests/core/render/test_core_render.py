"""core.render: one Document rendered to HTML (with its images) and DOCX alike; charts and maps as PNG."""

from __future__ import annotations

import io
from importlib import resources
from pathlib import Path

import docx
from PIL import Image
from shapely.geometry import box

from citysafe.core.render.canvas import Fonts
from citysafe.core.render.charts import stacked_bars
from citysafe.core.render.document import Cell, Document, cells
from citysafe.core.render.docx import build_docx
from citysafe.core.render.html import HtmlRenderer, write_html
from citysafe.core.render.maps import MapLayer, choropleth


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:4] == b"\x89PNG"
    with Image.open(io.BytesIO(png)) as image:
        return image.size


def _document(fonts: Fonts) -> Document:
    doc = Document(title="测试报告", subtitle="副标题", issuer="某市安委办", date_text="2026年1月",
                   meta={"year": "2026"})
    doc.chapter("概况")
    doc.para(f"见表 {doc.next_table()}和图 {doc.next_figure()}。")
    doc.section("统计")
    doc.table("数量", ["项目", "数量"], [[Cell("甲"), Cell("1", align="right")], cells(["乙", 2])], widths=[2, 1])
    doc.figure("柱状图", stacked_bars(["甲", "乙"], [("重大", "#e02424", [1, 2])], title="柱状图", fonts=fonts))
    doc.chapter("附录")
    doc.bullets(["一", "二"])
    return doc


def test_html_and_docx_carry_the_same_numbered_blocks(tmp_path: Path) -> None:
    doc = _document(Fonts())
    assert [h.title for h in doc.headings()] == ["一、概况", "（一）统计", "二、附录"]

    path = write_html(doc, tmp_path / "report.html")
    html = path.read_text(encoding="utf-8")
    assert "见表 1和图 1。" in html and "表 1　数量" in html and "图 1　柱状图" in html
    assert 'src="images/figure-01.png"' in html and (tmp_path / "images" / "figure-01.png").is_file()
    assert '<meta name="year" content="2026">' in html

    word = docx.Document(io.BytesIO(_docx_bytes(doc)))
    assert [p.text for p in word.paragraphs if p.style is not None and p.style.name == "Heading 1"] == [
        "一、概况", "二、附录"]
    assert len(word.tables) == 1 and len(word.inline_shapes) == 1


def _docx_bytes(doc: Document) -> bytes:
    buffer = io.BytesIO()
    build_docx(doc).save(buffer)
    return buffer.getvalue()


def test_html_escapes_text_and_renderers_are_independent() -> None:
    doc = Document(title="<b>标题</b>", subtitle="", issuer="", date_text="")
    doc.para("a < b & c")
    first, second = HtmlRenderer(), HtmlRenderer()
    assert first.text(doc) == second.text(doc)
    assert "a &lt; b &amp; c" in first.text(doc) and "<b>标题</b>" not in first.text(doc)


def test_template_ships_inside_the_package() -> None:
    assert (resources.files("citysafe.core.render") / "templates" / "document.html").is_file()


def test_choropleth_and_bars_are_pngs_of_the_asked_size() -> None:
    fonts = Fonts()
    layers = [MapLayer(box(118.7, 32.0, 118.8, 32.1), "#e02424", "甲区"), MapLayer(box(118.8, 32.0, 118.9, 32.1), None)]
    png = choropleth(layers, title="四色图", legend=[("#e02424", "重大风险")], points=[(118.75, 32.05, "#2f6fde")],
                     outline_only=[box(118.7, 32.0, 118.9, 32.1)], note="示意", size=(700, 500), fonts=fonts)
    assert _png_size(png) == (700, 500)
    assert _png_size(stacked_bars([], [], title="空", size=(400, 300), fonts=fonts)) == (400, 300)


def test_a_map_with_nothing_to_draw_is_a_png_saying_so() -> None:
    """An H3 map of only unassessed sources has no cell: before, ``min()`` of nothing failed the white paper."""
    png = choropleth([], title="四色网格图", legend=[("#e02424", "重大风险")], size=(700, 500), fonts=Fonts(),
                     nothing_to_draw="暂无已评估的风险源")
    assert _png_size(png) == (700, 500)


def test_fonts_resolve_once_per_instance_and_take_a_given_path() -> None:
    fonts = Fonts()
    assert fonts(12) is fonts(12) and fonts.path == Fonts().path
    assert Fonts(fonts.path)(13).size == 26  # drawn at twice the output size
