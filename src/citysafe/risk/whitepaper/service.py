"""The 城市安全风险白皮书 of a city (or district) and year: gather, draw, write, render, record.

The build's parameters (aggregation rule, presets, dynamic rules, data time) are stored with the report
record and printed in its appendix, so a white paper can be traced and rebuilt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from citysafe.core.clock import to_local
from citysafe.core.config import Settings
from citysafe.core.render.document import Document
from citysafe.core.render.docx import write_docx
from citysafe.core.render.html import HtmlRenderer
from citysafe.core.render.pdf import write_pdf
from citysafe.risk.service import reports
from citysafe.risk.whitepaper import figures, text
from citysafe.risk.whitepaper.facts import Facts, check, gather

FORMATS = ("html", "pdf", "docx")
__all__ = ["FORMATS", "Built", "Written", "build", "check", "record", "write_files"]


@dataclass(frozen=True)
class Built:
    report_id: int
    files: dict[str, Path]
    summary: dict[str, Any]


def document(session: Session, facts: Facts) -> Document:
    issuer = f"{facts.name}安全生产委员会办公室"
    doc = Document(title=f"{facts.name}城市安全风险白皮书（{facts.year}年）", subtitle="城市安全风险辨识评估成果",
                   issuer=issuer, date_text=f"{to_local(facts.at):%Y年%-m月}",
                   meta={"region": facts.region.code, "year": str(facts.year)})
    text.preface(doc, facts)
    text.overview(doc, facts)
    text.methods(doc, facts)
    text.identification(doc, facts)
    text.results(doc, facts, figures=figures.draw(session, facts))
    text.major_risks(doc, facts)
    text.countermeasures(doc, facts)
    text.public_guidance(doc, facts)
    text.appendix(doc, facts)
    return doc


@dataclass(frozen=True)
class Written:
    """The files of a white paper, written and not yet recorded."""

    region_code: str
    year: int
    title: str
    out_dir: Path
    files: dict[str, Path]
    summary: dict[str, Any]
    params: dict[str, Any]


def _silent(_percent: int, _step: str) -> None:
    return None


def write_files(session: Session, *, settings: Settings, region_code: str, year: int, out_dir: Path, at: datetime,
                formats: tuple[str, ...] = FORMATS, progress: Callable[[int, str], None] = _silent) -> Written:
    """Gather, draw, write and render; only reads ``session``, so it may run in a reader's transaction."""
    progress(5, "汇总风险源数据")
    facts = gather(session, settings=settings, region_code=region_code, year=year, at=at)
    progress(35, "绘制风险分布图并撰写正文")
    doc = document(session, facts)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"whitepaper-{facts.region.code}-{year}"
    files: dict[str, Path] = {}
    html = HtmlRenderer()
    if "html" in formats:
        progress(60, "生成网页版")
        files["html"] = html.write(doc, out_dir / f"{stem}.html")
    if "pdf" in formats:
        progress(70, "生成 PDF")
        files["pdf"] = write_pdf(doc, out_dir / f"{stem}.pdf", renderer=html)
    if "docx" in formats:
        progress(90, "生成 Word 文档")
        files["docx"] = write_docx(doc, out_dir / f"{stem}.docx")
    summary = {"by_level": facts.summary["by_level"], "total": facts.summary["total"],
               "raised": facts.summary["raised"], "tables": len(doc.tables()), "figures": len(doc.figures())}
    params = {"rule": "highest", "weighted": facts.cfg.weighted.model_dump(mode="json"),
              "maps": {k: m.aggregation for k, m in facts.maps.items()}, "rules": facts.cfg.describe(),
              "data_time": at.isoformat(), "notes": facts.notes}
    return Written(facts.region.code, year, doc.title, out_dir, files, summary, params)


def record(session: Session, written: Written, *, author: str, at: datetime) -> Built:
    """Record written files as a report (a short write)."""
    report = reports.record(session, region_code=written.region_code, year=written.year, title=written.title,
                            params=written.params, summary=written.summary, directory=str(written.out_dir.resolve()),
                            files={k: str(v.resolve()) for k, v in written.files.items()}, created_by=author, at=at)
    return Built(report.id, written.files, written.summary)


def build(session: Session, *, settings: Settings, region_code: str, year: int, out_dir: Path,
          formats: tuple[str, ...] = FORMATS, author: str, at: datetime) -> Built:
    """Write and record in one session (the command line)."""
    written = write_files(session, settings=settings, region_code=region_code, year=year, out_dir=out_dir, at=at,
                          formats=formats)
    return record(session, written, author=author, at=at)
