"""Alembic environment: the URL comes from citysafe's settings unless the caller set one."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from citysafe.core.config import get_settings
from citysafe.core.db import create_db_engine
from citysafe.registry import load_models

target_metadata = load_models().metadata
config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection, target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite", compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url()
    engine = create_db_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url(),
                      target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
