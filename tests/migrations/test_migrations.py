"""Alembic head matches the ORM metadata, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from loom.core.config import Settings
from loom.storage.all_tables import metadata
from loom.storage.db import Database


def _assert_head_matches_orm(db: Database) -> None:
    db.migrate()
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diff == [], (
        "The ORM and the migrations disagree. Generate a migration with "
        "`make migration m='describe the change'` and commit it.\n" + repr(diff)
    )


def test_sqlite_head_matches_orm_and_uses_wal(settings: Settings) -> None:
    db = Database(settings.resolved_database_url)
    _assert_head_matches_orm(db)
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert set(inspect(db.engine).get_table_names()) >= {
        "jobs",
        "runs",
        "datasets",
        "endpoints",
    }


def test_migrate_twice_is_a_no_op(settings: Settings) -> None:
    db = Database(settings.resolved_database_url)
    db.migrate()
    db.migrate()


@pytest.mark.postgres
def test_postgres_head_matches_orm(fresh_postgres_db: str) -> None:
    _assert_head_matches_orm(Database(fresh_postgres_db))
