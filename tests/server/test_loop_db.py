"""The closed loop on the database: the same splits as the library on a state file, a
guard against two steps advancing one period, the recommendation ledger, and the
``--db`` commands agreeing with the endpoints."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

CHANNELS = [
    "professional_network",
    "job_board_a",
    "job_board_b",
    "search_ads",
    "social",
    "referral",
]


def test_steps_match_the_library_on_a_state_file(client, lead_pool, tmp_path):
    from leadlever.optimisers.learning import campaign_step

    records, _ = lead_pool
    state = tmp_path / "loop.json"
    r = client.post("/campaign/step", json={"budget": 17600, "channels": CHANNELS, "seed": 3})
    assert r.status_code == 200, r.text
    lib = campaign_step(state, budget=17600, channels=CHANNELS, seed=3)
    assert r.json()["allocation"] == pytest.approx(lib.to_dict()["allocation"], rel=1e-12)
    answers = client.post("/leads", json=records[:300]).json()["leads"]
    threshold = client.get("/channels/feedback").json()["threshold"]
    r = client.post("/campaign/step", json={"budget": 17600})
    assert r.status_code == 200, r.text
    got = r.json()
    leads = pd.DataFrame(
        {
            "channel": [a["channel"] for a in answers],
            "p_convert": [a["p_convert"] for a in answers],
            "commission": [a["criteria"]["expected_commission"] for a in answers],
            "expected_roi": [a["expected_roi"] for a in answers],
        }  # fmt: skip
    )
    lib = campaign_step(state, budget=17600, leads=leads, threshold=threshold)
    assert got["updated_period"] == 0 and got["next_period"] == 1 and got["n_leads"] == 300
    assert got["value_by_channel"] == pytest.approx(lib.value_by_channel, rel=1e-9)
    assert got["allocation"] == pytest.approx(lib.to_dict()["allocation"], rel=1e-9)


def test_a_concurrent_step_for_the_same_period_stores_nothing(client, monkeypatch):
    from sqlalchemy import func, insert, select

    import leadlever.optimisers.learning as learning
    from leadlever.server._schema import loop_states, recommendations

    assert (
        client.post("/campaign/step", json={"budget": 5000, "channels": CHANNELS}).status_code
        == 200
    )
    db = client.app.state.service.db
    library_step = learning.campaign_step

    def racing_step(*args, **kwargs):  # another process stores period 1 while this one steps
        result = library_step(*args, **kwargs)
        with db.write() as conn:
            conn.execute(insert(loop_states).values(period=1, created_at="2999-01-01T00:00:00Z",
                                                    state="{}"))  # fmt: skip
        return result

    monkeypatch.setattr(learning, "campaign_step", racing_step)
    r = client.post("/campaign/step", json={"budget": 5000})
    assert r.status_code == 409 and "period 1" in r.json()["message"]
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(recommendations)).scalar() == len(
            CHANNELS
        )


def test_bad_step_requests_name_the_field(client):
    r = client.post("/campaign/step", json={"budget": -5, "channels": CHANNELS})
    assert r.status_code == 422 and "'budget'" in r.json()["message"]
    r = client.post("/campaign/step", json={"budget": 100})  # the API's field, not a CLI flag
    assert r.status_code == 422 and "give 'channels'" in r.json()["message"]
    client.post("/campaign/step", json={"budget": 100, "channels": CHANNELS})
    r = client.post("/campaign/step", json={"budget": 100, "spend": {"fax": 10}})
    assert r.status_code == 422 and "fax" in r.json()["message"]


def test_recommendation_ledger_counts_the_value_the_period_realised(client, lead_pool):
    records, _ = lead_pool
    client.post("/campaign/step", json={"budget": 9000, "channels": CHANNELS})
    period0 = records[1000:1040]
    client.post("/leads", json=period0)
    won = {r["lead_id"]: 1000.0 + i for i, r in enumerate(period0[:6])}
    for lid, v in won.items():
        assert (
            client.post(
                "/outcomes", json={"lead_id": lid, "outcome": "won", "value": v}
            ).status_code
            == 200
        )
    for r in period0[6:10]:
        client.post("/outcomes", json={"lead_id": r["lead_id"], "outcome": "lost"})
    client.post("/campaign/step", json={"budget": 9000})
    rows = {r["period"]: r for r in client.get("/ledger").json()["recommendations"]["by_period"]}
    assert rows[0]["realised_value"] == pytest.approx(sum(won.values()))
    assert (rows[0]["n_leads"], rows[0]["n_won"], rows[0]["n_open"]) == (40, 6, 30)
    assert rows[0]["spend"] == pytest.approx(9000, rel=1e-6)
    assert rows[1]["n_leads"] == 0


def test_cli_db_commands_use_the_service_database(client, lead_pool, tmp_path):
    from leadlever.cli import app

    records, _ = lead_pool
    db = client.app.state.service.db.url
    client.post("/leads", json=records[1100:1150])
    client.post("/outcomes", json={"lead_id": records[1100]["lead_id"], "outcome": "lost"})
    runner = CliRunner()
    out = runner.invoke(app, ["score", "rescore", "--db", db, "--json"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.stdout)
    assert summary["n_scored"] == 49 and summary["trigger"] == "batch"
    history = client.get(f"/leads/{records[1101]['lead_id']}").json()["history"]
    assert [h["trigger"] for h in history] == ["arrival", "batch"]
    assert history[1]["p_convert"] == pytest.approx(history[0]["p_convert"], abs=1e-12)
    out = runner.invoke(app, ["campaign", "step", "--db", db, "--budget", "8000", "--channels",
                              ",".join(CHANNELS), "--out", str(tmp_path / "s.csv"), "--json"])  # fmt: skip
    assert out.exit_code == 0, out.output
    step = json.loads(out.stdout)
    split = pd.read_csv(tmp_path / "s.csv")
    assert np.isclose(split["spend"].sum(), 8000) and step["next_period"] == 0
    r = client.post("/campaign/step", json={"budget": 8000})
    assert r.json()["updated_period"] == 0  # the endpoint continues the loop the command began
    bad = runner.invoke(app, ["score", "rescore", "--db", db, "models.json"])
    assert bad.exit_code == 2 and "drop BUNDLE" in bad.output
    bad = runner.invoke(app, ["score", "rescore", "--db", "postgresql://nobody@127.0.0.1:1/none"])
    assert bad.exit_code == 2 and "Cannot open the database" in bad.output


def test_campaign_step_db_refuses_economics_it_would_not_use(client, tmp_path):
    """With --db the leads carry the commissions the service stored; an --economics file
    would be silently unused, so it is refused (exit 2) and nothing is written."""
    from leadlever.cli import app

    (tmp_path / "e.toml").write_text("value_per_conversion = 5000\n", encoding="utf-8")
    bad = CliRunner().invoke(app, ["campaign", "step", "--db", client.app.state.service.db.url,
                                   "--budget", "9000", "--economics", str(tmp_path / "e.toml"),
                                   "--channels", ",".join(CHANNELS),
                                   "--out", str(tmp_path / "s.csv")])  # fmt: skip
    assert bad.exit_code == 2 and "drop --economics" in bad.output
    assert not (tmp_path / "s.csv").exists()


def test_a_first_step_without_channels_says_what_the_service_needs(client):
    """The service's words, not the CLI's (--spend, --channels) or a temporary path."""
    r = client.post("/campaign/step", json={"budget": 1000})
    assert r.status_code == 422 and r.json()["error"] == "DataError"
    message = r.json()["message"]
    assert "'channels'" in message and "'spend'" in message
    assert "--" not in message and "/tmp" not in message and "state.json" not in message
    r = client.post("/campaign/step", json={"budget": 1000, "channels": ["a", "b"]})
    assert r.status_code == 200, r.text
    assert r.json()["source"] == "exploration"
    assert "the service has no curves option" in r.json()["explanation"]
