"""campaign step --leads counts closed leads at what they realised (the reviewer's file counted
6,000 leads at p x commission although 5,200 were closed)."""

import numpy as np
import pandas as pd
import pytest

from leadlever.engine.exceptions import MissingColumnsError
from leadlever.optimisers.learning import campaign_step


def _leads(rng, n=300):
    converted = rng.choice([1.0, 0.0, np.nan], n, p=[0.3, 0.5, 0.2])
    return pd.DataFrame(
        {
            "channel": rng.choice(["a", "b"], n),
            "p_convert": rng.uniform(0.01, 0.9, n),
            "commission": rng.uniform(100, 2000, n),
            "converted": converted,
        }
    )


def test_won_count_their_commission_lost_zero_open_their_prediction(tmp_path):
    rng = np.random.default_rng(7)
    leads = _leads(rng)
    campaign_step(tmp_path / "s.json", budget=1000.0, channels=["a", "b"])
    res = campaign_step(tmp_path / "s.json", budget=1000.0, leads=leads)
    for ch in ("a", "b"):
        rows = leads[leads["channel"] == ch]
        want = 0.0
        for _, r in rows.iterrows():  # lead by lead
            if r["converted"] == 1:
                want += r["commission"]
            elif np.isnan(r["converted"]):
                want += r["p_convert"] * r["commission"]
        assert res.value_by_channel[ch] == pytest.approx(want, rel=1e-12)
    conv = leads["converted"]
    assert res.leads == {
        "won": int((conv == 1).sum()),
        "lost": int((conv == 0).sum()),
        "open": int(conv.isna().sum()),
    }
    assert f"{int((conv == 1).sum()):,} won" in res.feedback_note
    assert res.to_dict()["leads"] == res.leads


def test_a_value_column_and_yes_no_outcomes(tmp_path):
    leads = pd.DataFrame(
        {
            "channel": ["a", "a", "b", "b"],
            "expected_value": [10.0, 20.0, 30.0, 40.0],
            "value": [500.0, 700.0, 900.0, 1100.0],
            "converted": ["yes", "no", "", "yes"],
        }
    )
    campaign_step(tmp_path / "s.json", budget=1000.0, channels=["a", "b"])
    res = campaign_step(tmp_path / "s.json", budget=1000.0, leads=leads)
    assert res.value_by_channel == {"a": 500.0, "b": 30.0 + 1100.0}


def test_won_leads_without_a_realised_value_are_an_error(tmp_path):
    leads = pd.DataFrame({"channel": ["a", "b"], "expected_value": [1.0, 2.0], "converted": [1, 0]})
    campaign_step(tmp_path / "s.json", budget=1000.0, channels=["a", "b"])
    with pytest.raises(MissingColumnsError, match="won lead"):
        campaign_step(tmp_path / "s.json", budget=1000.0, leads=leads)


def test_without_commission_the_economics_value_per_conversion_is_announced(tmp_path):
    from typer.testing import CliRunner

    from leadlever.cli import app

    leads = pd.DataFrame(
        {"channel": ["a", "a", "b"], "p_convert": [0.2, 0.4, 0.5], "converted": [None, 1, None]}
    )
    leads.to_csv(tmp_path / "leads.csv", index=False)
    (tmp_path / "econ.toml").write_text("value_per_conversion = 2500\n")
    runner = CliRunner()

    def step(*extra):
        return runner.invoke(
            app,
            ["campaign", "step", "--state", str(tmp_path / "s.json"), "--budget", "1000",
             "--out", str(tmp_path / "o.csv"), *extra],
        )  # fmt: skip

    assert step("--channels", "a,b").exit_code == 0
    res = step("--leads", str(tmp_path / "leads.csv"), "--economics", str(tmp_path / "econ.toml"))
    assert res.exit_code == 0, res.output
    assert "Assumptions:" in res.stdout and "value_per_conversion: 2500" in res.stdout
    assert "(file)" in res.stdout
    state = _learner_from(tmp_path / "s.json")
    # a: one open lead at 0.2 x 2500, one won at 2500; b: one open lead at 0.5 x 2500
    assert state._logs["a"].value[-1] == pytest.approx(0.2 * 2500 + 2500)
    assert state._logs["b"].value[-1] == pytest.approx(0.5 * 2500)


def _learner_from(path):
    from leadlever.optimisers.learning import CampaignLearner

    return CampaignLearner.from_json(path.read_text())


def test_a_channel_that_spent_but_has_no_lead_is_recorded_as_zero_and_said(tmp_path):
    rng = np.random.default_rng(8)
    leads = _leads(rng)  # channels a and b only
    campaign_step(tmp_path / "s.json", budget=900.0, channels=["a", "b", "podcast"])
    res = campaign_step(tmp_path / "s.json", budget=900.0, leads=leads)
    assert res.value_by_channel["podcast"] == 0.0
    (note,) = [n for n in res.notes if "no lead" in n]
    assert "['podcast']" in note and "value 0" in note
    # every channel with leads: nothing to say
    leads.loc[:2, "channel"] = "podcast"
    res = campaign_step(tmp_path / "s.json", budget=900.0, leads=leads)
    assert not [n for n in res.notes if "no lead" in n]
