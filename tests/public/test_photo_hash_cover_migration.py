"""Migration 0034_pub_photo_hash_cover: the photos' covering index is there as the model describes it, and the
duplicate-photo check reads the hashes from it alone (on SQLite, where a photo's bytes sit in the row before its
hash, so a read of the row walks every byte of the photo)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from reports_support import NOW
from sqlalchemy import select

from citysafe.core.context import AppContext
from citysafe.public.reports.models import CitizenReport, ReportPhoto
from citysafe.registry import load_models


def _mentions_photos(diff: Any) -> bool:
    return "pub_report_photo" in repr(diff)


def test_the_photo_hash_index_matches_the_model(ctx: AppContext) -> None:
    with ctx.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), load_models().metadata)
        indexes = {i["name"]: i["column_names"] for i in conn.dialect.get_indexes(conn, "pub_report_photo")}
    assert indexes["ix_pub_report_photo_report_phash"] == ["report_id", "phash"]
    assert [d for d in diffs if _mentions_photos(d)] == []


def test_the_duplicate_photo_check_does_not_read_the_photos(ctx: AppContext) -> None:
    if ctx.engine.dialect.name != "sqlite":
        return  # PostgreSQL keeps large values out of line (TOAST): reading the hash never reads the bytes
    query = (select(ReportPhoto.phash, CitizenReport.id, CitizenReport.group_id)
             .join(CitizenReport, CitizenReport.id == ReportPhoto.report_id)
             .where(CitizenReport.created_at >= NOW).order_by(CitizenReport.created_at, CitizenReport.id))
    with ctx.engine.connect() as conn:
        compiled = query.compile(conn)
        params = tuple(compiled.params[name] for name in compiled.positiontup or ())
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params))
    assert "COVERING INDEX ix_pub_report_photo_report_phash" in plan, plan
