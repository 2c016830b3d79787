"""CLI: leadlever campaign step and leadlever simulate campaign."""

import json

import pandas as pd
from typer.testing import CliRunner

from leadlever.cli import app

runner = CliRunner()


def _invoke(args):
    return runner.invoke(app, args)


def test_step_creates_state_then_updates(tmp_path):
    state, out = tmp_path / "s.json", tmp_path / "next.csv"
    r = _invoke(
        [
            "campaign",
            "step",
            "--state",
            str(state),
            "--budget",
            "9000",
            "--channels",
            "a,b,c",
            "--out",
            str(out),
            "--json",
        ]
    )
    assert r.exit_code == 0, r.output
    first = json.loads(r.stdout)
    assert first["created"] is True and first["next_period"] == 0
    assert state.exists()
    split = pd.read_csv(out)
    assert list(split["channel"]) == ["a", "b", "c"]
    assert abs(split["spend"].sum() - 9000) < 1e-6
    leads = tmp_path / "leads.csv"
    pd.DataFrame(
        {"channel": ["a", "a", "b"], "p_convert": [0.3, 0.1, 0.2], "commission": [1000, 500, 2000]}
    ).to_csv(leads, index=False)
    r = _invoke(
        [
            "campaign",
            "step",
            "--state",
            str(state),
            "--budget",
            "9000",
            "--leads",
            str(leads),
            "--out",
            str(out),
            "--json",
        ]
    )
    assert r.exit_code == 0, r.output
    second = json.loads(r.stdout)
    assert (
        second["created"] is False and second["updated_period"] == 0 and second["next_period"] == 1
    )
    assert second["value_by_channel"] == {"a": 350.0, "b": 400.0, "c": 0.0}
    saved = json.loads(state.read_text())
    assert saved["logs"]["a"]["spend"] == [
        first["allocation"]["a"]
    ]  # default spend = last proposal


def test_step_bad_inputs_exit_2_without_output(tmp_path):
    state, out = tmp_path / "s.json", tmp_path / "next.csv"
    # first call without channels
    r = _invoke(["campaign", "step", "--state", str(state), "--budget", "9000", "--out", str(out)])
    assert r.exit_code == 2 and "channels" in r.output
    assert not out.exists() and not state.exists()
    _invoke(
        [
            "campaign",
            "step",
            "--state",
            str(state),
            "--budget",
            "9000",
            "--channels",
            "a,b",
            "--out",
            str(out),
        ]
    )
    out.unlink()
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"channel": ["zz"], "expected_value": [10.0]}).to_csv(bad, index=False)
    r = _invoke(
        [
            "campaign",
            "step",
            "--state",
            str(state),
            "--budget",
            "9000",
            "--leads",
            str(bad),
            "--out",
            str(out),
        ]
    )
    assert r.exit_code == 2 and "zz" in r.output and not out.exists()
    nocol = tmp_path / "nocol.csv"
    pd.DataFrame({"channel": ["a"], "score": [10.0]}).to_csv(nocol, index=False)
    r = _invoke(
        [
            "campaign",
            "step",
            "--state",
            str(state),
            "--budget",
            "9000",
            "--leads",
            str(nocol),
            "--out",
            str(out),
        ]
    )
    assert r.exit_code == 2 and "expected_value" in r.output and not out.exists()
    r = _invoke(["campaign", "step", "--state", str(state), "--budget", "-5", "--out", str(out)])
    assert r.exit_code == 2 and not out.exists()
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "something-else"}')
    r = _invoke(["campaign", "step", "--state", str(broken), "--budget", "10", "--out", str(out)])
    assert r.exit_code == 2 and "not a LeadLever" in r.output and not out.exists()


def test_simulate_campaign_json(tmp_path):
    r = _invoke(
        [
            "simulate",
            "campaign",
            "--weeks",
            "3",
            "--seeds",
            "1",
            "--policies",
            "equal,historical",
            "--json",
        ]
    )
    assert r.exit_code == 0, r.output
    payload = json.loads(r.stdout)
    names = [p["name"] for p in payload["policies"]]
    assert names == ["equal", "historical", "oracle"]
    assert set(payload["policies"][0]) >= {
        "name",
        "profit_mean",
        "profit_ci",
        "regret",
        "pct_of_oracle",
    }
    r = _invoke(["simulate", "campaign", "--weeks", "3", "--seeds", "1", "--policies", "bogus"])
    assert r.exit_code == 2 and "bogus" in r.output


def test_step_with_spend_and_outcomes_revises_earlier_periods(tmp_path):
    state, out = tmp_path / "s.json", tmp_path / "next.csv"
    spend = tmp_path / "spend.csv"
    pd.DataFrame({"channel": ["a", "b"], "spend": [600.0, 400.0]}).to_csv(spend, index=False)
    leads = tmp_path / "leads.csv"
    pd.DataFrame({"channel": ["a", "b", "b"], "expected_value": [100.0, 50.0, 25.0]}).to_csv(
        leads, index=False
    )
    base = [
        "campaign",
        "step",
        "--state",
        str(state),
        "--budget",
        "1000",
        "--out",
        str(out),
        "--json",
    ]
    r = _invoke(base + ["--spend", str(spend), "--leads", str(leads)])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["value_by_channel"] == {"a": 100.0, "b": 75.0}
    outcomes = tmp_path / "outcomes.csv"
    pd.DataFrame({"period": [0], "channel": ["b"], "value": [300.0]}).to_csv(outcomes, index=False)
    r = _invoke(base + ["--outcomes", str(outcomes)])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["revisions"] == 1
    logs = json.loads(state.read_text())["logs"]
    assert logs["b"]["value"] == [300.0] and logs["b"]["value_at_arrival"] == [75.0]
    assert logs["a"]["value"] == [100.0] and logs["a"]["spend"] == [600.0]
    bad = tmp_path / "bad_outcomes.csv"
    pd.DataFrame({"period": [7], "channel": ["a"], "value": [1.0]}).to_csv(bad, index=False)
    before = state.read_text()
    r = _invoke(base + ["--outcomes", str(bad)])
    assert r.exit_code == 2 and "period 7" in r.output
    assert state.read_text() == before  # the state is not touched on failure
