"""A live ``leadlever serve`` on SQLite and PostgreSQL: acknowledged writes survive
``kill -9`` and a restart resumes; 8 concurrent clients posting leads and outcomes lose
and duplicate nothing; 8 clients racing for one lead id store it once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from server_helpers import http, start_server

#: acknowledged single-lead writes to collect before the server is killed
ACKED_BEFORE_KILL = 40
CLIENTS = 8


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "reliability.db")
    return request.getfixturevalue("fresh_postgres")


def _count_rows(db_url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from leadlever.server._database import open_database
    from leadlever.server._schema import feedback, leads, outcomes, score_history

    db = open_database(db_url, migrate=False)
    try:
        with db.read() as conn:
            out = {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                   for t in (leads, outcomes, score_history, feedback)}  # fmt: skip
            out["distinct_leads"] = conn.execute(
                select(func.count(func.distinct(leads.c.lead_id)))
            ).scalar()
    finally:
        db.dispose()
    return out


def test_acknowledged_writes_survive_kill_9(db_url, tmp_path, bundle_path, lead_pool):
    records, _ = lead_pool
    server = start_server(db_url, tmp_path, "--model", str(bundle_path))
    acked: list[str] = []
    sent: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def client(k: int) -> None:
        for lead in records[2000 + 200 * k : 2200 + 200 * k]:
            if stop.is_set():
                return
            with lock:
                sent.add(lead["lead_id"])
            try:
                status, _ = http("POST", server.url + "/leads", lead, timeout=30)
            except OSError:
                return  # the server died under this request: not acknowledged
            if status == 200:
                with lock:
                    acked.append(lead["lead_id"])
                    if len(acked) >= ACKED_BEFORE_KILL:
                        stop.set()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    stop.wait(120)
    server.kill()  # SIGKILL with requests in flight
    for t in threads:
        t.join(60)
    assert len(acked) >= ACKED_BEFORE_KILL
    restarted = start_server(db_url, tmp_path)
    try:
        for lid in acked:
            status, body = http("GET", f"{restarted.url}/leads/{lid}")
            assert status == 200, (lid, body)
            assert [h["trigger"] for h in body["history"]] == ["arrival"]
        counts = _count_rows(db_url)
        assert (
            counts["leads"]
            == counts["distinct_leads"]
            == counts["feedback"]
            == counts["score_history"]
        )
        assert (
            len(acked) <= counts["leads"] <= len(sent)
        )  # unacknowledged ones may or may not be in
        status, _ = http("POST", restarted.url + "/leads", records[3999])
        assert status == 200  # a restart resumes
    finally:
        restarted.stop()


def test_eight_clients_lose_and_duplicate_nothing(db_url, tmp_path, bundle_path, lead_pool):
    records, _ = lead_pool
    server = start_server(db_url, tmp_path, "--model", str(bundle_path))
    per_client = 15
    try:

        def client(k: int) -> list[int]:
            mine = records[3000 + per_client * k : 3000 + per_client * (k + 1)]
            codes = []
            for i, lead in enumerate(mine):
                codes.append(http("POST", server.url + "/leads", lead)[0])
                if i % 3 == 2:  # an outcome for a lead this client posted earlier
                    body = {
                        "lead_id": mine[i - 2]["lead_id"],
                        "outcome": "won",
                        "value": 1000.0 + k,
                    }
                    codes.append(http("POST", server.url + "/outcomes", body)[0])
            return codes

        with ThreadPoolExecutor(CLIENTS) as pool:
            codes = [c for cs in pool.map(client, range(CLIENTS)) for c in cs]
        assert set(codes) == {200}
        race = records[3900]
        with ThreadPoolExecutor(CLIENTS) as pool:
            racing = list(
                pool.map(lambda _: http("POST", server.url + "/leads", race)[0], range(CLIENTS))
            )
        assert sorted(racing) == [200] + [409] * (CLIENTS - 1)
    finally:
        server.stop()
    counts = _count_rows(db_url)
    n = CLIENTS * per_client + 1
    assert counts == {"leads": n, "distinct_leads": n, "feedback": n, "score_history": n,
                      "outcomes": CLIENTS * (per_client // 3)}  # fmt: skip
