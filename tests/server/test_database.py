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


def _flow(db_url: str, bundle_path, records) -> dict:
    """One journey through the API and the --db commands; the answers without timestamps."""
    import json

    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from leadlever.cli import app as cli
    from leadlever.server import ServerConfig, create_app

    channels = sorted({r["channel"] for r in records})
    out: dict = {}
    with TestClient(create_app(ServerConfig(db=db_url, model=str(bundle_path)))) as c:
        c.post("/campaign/step", json={"budget": 12000, "channels": channels, "seed": 4})
        out["leads"] = c.post("/leads", json=records[:60]).json()["leads"]
        for i, r in enumerate(records[:20]):
            body = {"lead_id": r["lead_id"], "outcome": "won" if i % 3 == 0 else "lost"}
            if i % 3 == 0:
                body["value"] = 10000.0 + i
            assert c.post("/outcomes", json=body).status_code == 200
        call = {"event": "call", "lead_id": records[30]["lead_id"], "fields": {"downloads": 5}}
        out["call"] = c.post("/events", json=call).json()["top_rises"]
        out["okr"] = c.post("/events", json={"event": "okr_change", "threshold": 8.0}).json()[
            "n_scored"
        ]
        out["feedback"] = c.get("/channels/feedback").json()["by_channel"]
        out["step"] = c.post("/campaign/step", json={"budget": 12000}).json()["allocation"]
        ledger = c.get("/ledger").json()
        out["calibration"] = ledger["calibration"]["by_week"]
        out["recommendations"] = ledger["recommendations"]["by_period"]
        out["history"] = [
            {k: h[k] for k in ("trigger", "p_convert", "action", "price")}
            for h in c.get(f"/leads/{records[30]['lead_id']}").json()["history"]
        ]
    rescored = CliRunner().invoke(cli, ["score", "rescore", "--db", db_url, "--json"])
    assert rescored.exit_code == 0, rescored.output
    out["rescore"] = json.loads(rescored.stdout)["n_scored"]
    return out


def test_sqlite_and_postgresql_give_the_same_answers(
    tmp_path, fresh_postgres, bundle_path, lead_pool
):
    records, _ = lead_pool
    on_sqlite = _flow(str(tmp_path / "same.db"), bundle_path, records[1200:1260])
    on_postgres = _flow(fresh_postgres, bundle_path, records[1200:1260])
    assert on_sqlite["okr"] == on_sqlite["rescore"] == 40  # the 40 leads without an outcome
    assert len(on_sqlite["history"]) == 3 and on_sqlite["recommendations"][0]["n_won"] == 7
    assert _close(on_postgres, on_sqlite)


def _close(a, b) -> bool:
    """Equal up to floating-point summation order (the databases sum in their own order)."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), (a.keys(), b.keys())
        return all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list):
        assert len(a) == len(b)
        return all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-9), (a, b)
        return True
    assert a == b, (a, b)
    return True


def test_an_older_database_is_upgraded_in_place_keeping_its_rows(tmp_path):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect, select

    from leadlever.server._database import MIGRATIONS, Database, open_database
    from leadlever.server._schema import leads

    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = Database(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with old.write() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")  # the schema as the first release left it
    with old.write() as conn:
        conn.execute(leads.insert().values(lead_id="kept", channel="social",
                                           received_at="2026-01-01T00:00:00Z", fields="{}"))  # fmt: skip
        assert "runs" not in inspect(conn).get_table_names()
    old.dispose()
    db = open_database(url)  # what `leadlever serve` does at start
    try:
        with db.read() as conn:
            assert "runs" in inspect(conn).get_table_names()
            assert conn.execute(select(leads.c.lead_id)).scalars().all() == ["kept"]
        assert db.migrate() == "0002"
    finally:
        db.dispose()
