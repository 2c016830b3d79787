"""The database layer: migrations build exactly the tables the code declares (SQLite and
PostgreSQL), SQLite's durability settings, URLs and their errors."""

from __future__ import annotations

import pytest


def _diff(url: str) -> list:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from leadlever.server._database import open_database
    from leadlever.server._schema import metadata

    db = open_database(url)
    try:
        with db.read() as conn:
            return compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        db.dispose()


def test_migrations_build_the_declared_schema_on_sqlite(tmp_path):
    assert _diff(str(tmp_path / "m.db")) == []
    assert _diff(str(tmp_path / "m.db")) == []  # a second start applies nothing and breaks nothing


def test_migrations_build_the_declared_schema_on_postgresql(fresh_postgres):
    assert _diff(fresh_postgres) == []


def test_sqlite_runs_in_wal_with_full_sync(tmp_path):
    from sqlalchemy import text

    from leadlever.server._database import open_database

    db = open_database(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        with db.read() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("mysql://x@y/z", ["SQLite", "PostgreSQL"]),
        ("sqlite://", ["in-memory"]),
        ("/no/such/folder/x.db", ["does not exist"]),
        ("postgresql://nobody@127.0.0.1:1/none", ["Cannot open the database", "127.0.0.1"]),
    ],
)
def test_bad_urls_say_what_to_give(url, words):
    from leadlever.engine.exceptions import ParameterError
    from leadlever.server._database import open_database

    with pytest.raises(ParameterError) as err:
        open_database(url)
    for w in words:
        assert w in str(err.value)


def test_a_password_never_appears_in_messages():
    from leadlever.engine.exceptions import ParameterError
    from leadlever.server._database import open_database

    with pytest.raises(ParameterError) as err:
        open_database("postgresql://me:s3cret@127.0.0.1:1/db")
    assert "s3cret" not in str(err.value)
