"""Migration 0031 moves emergency's experts into the think tank: an ``em_expert`` row written before it is a
``kb_expert`` row after it (same id, name, times), in emergency's pool and available; downgrading gives the
``em_expert`` table its rows back. The tables of 0031 and 0032 are the ones the models describe (both backends)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from citysafe.core.context import AppContext
from citysafe.core.migrate import alembic_config, upgrade
from citysafe.registry import load_models

OURS = ("kb_expert", "kb_service_item", "kb_service_provider", "kb_service_qualification", "kb_service_contract",
        "kb_service_record", "kb_service_evaluation", "pub_event", "pub_event_registration", "pub_experience_base",
        "pub_base_session", "pub_base_booking", "pub_social_group", "pub_group_member", "pub_group_activity")


def test_the_move_keeps_emergency_experts(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'move.db'}")
    upgrade(engine, "0019_em_resources")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO em_expert (id, name, field, title, employer, phone, region_code, created_at, "
                          "updated_at) VALUES (7, '周建华', 'hazchem', '正高级工程师', '南京工业大学', '025-1', "
                          "'320102', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
    upgrade(engine, "heads")
    with engine.connect() as conn:
        assert "em_expert" not in inspect(conn).get_table_names()
        row = conn.execute(text("SELECT id, name, employer, availability, emergency_pool, specialities "
                                "FROM kb_expert")).one()
        assert tuple(row) == (7, "周建华", "南京工业大学", "available", 1, "[]")
        items = conn.execute(text("SELECT count(*) FROM kb_service_item WHERE basis <> ''")).scalar_one()
        assert items == 13  # the catalogue's first edition, each item with its source
    config = alembic_config(str(engine.url))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0031_kb_thinktank@-1")
    with engine.connect() as conn:
        assert "kb_expert" not in inspect(conn).get_table_names()
        assert conn.execute(text("SELECT id, name FROM em_expert")).one() == (7, "周建华")
    engine.dispose()


def test_migrations_match_the_models(ctx: AppContext) -> None:
    with ctx.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), load_models().metadata)
        tables = set(inspect(conn).get_table_names())
    assert [d for d in diffs if any(f"'{t}'" in repr(d) or f"({t}" in repr(d) for t in OURS)] == []
    assert set(OURS) <= tables and "em_expert" not in tables
