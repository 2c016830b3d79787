"""Fixtures of the service tests: a bundle fitted once, simulated leads as a CRM would post
them, an in-process client on a fresh SQLite file, live ``leadlever serve`` processes, and
a PostgreSQL database (from ``LEADLEVER_TEST_POSTGRES_URL``, which ``.ci/run`` sets, or a
temporary cluster started here when Debian's ``postgresql`` binaries are installed)."""

from __future__ import annotations

import json
import os

import pytest

pytest.importorskip(
    "fastapi", reason="the service tests need the 'server' extra: pip install '.[server]'"
)

from server_helpers import OUTCOME_FIELDS, start_postgres  # noqa: E402


@pytest.fixture(scope="session")
def bundle_path(tmp_path_factory):
    """A qualification bundle fitted on 1,500 simulated leads (seed 5)."""
    from leadlever.engine.qualification import fit_bundle
    from leadlever.simulations.world import simulate_leads

    path = tmp_path_factory.mktemp("bundle") / "models.json"
    fit_bundle(simulate_leads(1500, seed=5), seed=0).save(path)
    return path


@pytest.fixture(scope="session")
def bundle(bundle_path):
    from leadlever.engine.qualification import load_bundle

    return load_bundle(bundle_path)


@pytest.fixture(scope="session")
def lead_pool():
    """4,000 simulated leads as JSON records (no outcome or ground-truth fields) and the
    simulator's truth for each (``true_will_convert``, ``true_p_convert``)."""
    from leadlever.simulations.world import simulate_leads

    frame = simulate_leads(4000, seed=21)
    truth = frame[["lead_id", "true_p_convert", "true_will_convert"]].copy()
    posted = frame.drop(columns=[c for c in frame.columns if c.startswith("true_")])
    posted = posted.drop(columns=[c for c in OUTCOME_FIELDS if c in posted.columns])
    return json.loads(posted.to_json(orient="records", date_format="iso")), truth


@pytest.fixture
def client(tmp_path, bundle_path):
    """An in-process client of an app on a fresh SQLite file, with the bundle active."""
    from fastapi.testclient import TestClient

    from leadlever.server import ServerConfig, create_app

    app = create_app(ServerConfig(db=str(tmp_path / "t.db"), model=str(bundle_path)))
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory):
    """A PostgreSQL URL, or a skip that says why there is none."""
    url = os.environ.get("LEADLEVER_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    server = start_postgres(tmp_path_factory.mktemp("pg"))
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def fresh_postgres(postgres_url):
    """The PostgreSQL database emptied of LeadLever's tables (and its migration record)."""
    from sqlalchemy import create_engine, text

    from leadlever.server._database import normalise_url
    from leadlever.server._schema import metadata

    engine = create_engine(normalise_url(postgres_url))
    with engine.begin() as conn:
        metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    return postgres_url
