"""The state remembers the curves it follows (issue 18 item 6: the closed-loop page's own
example forgot them after the first step and explored at random)."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from leadlever.cli import app
from leadlever.engine.exceptions import DataError
from leadlever.optimisers.learning import CampaignLearner, campaign_step

CHANNELS = ["tv", "search", "social"]


@pytest.fixture
def curves(tmp_path):
    table = pd.DataFrame(
        {
            "channel": CHANNELS,
            "curve": "hill",
            "scale": [4e5, 2e5, 3e5],
            "half_saturation": [3e4, 6e3, 9e3],
            "shape": [0.9, 1.1, 1.4],
            "max_observed_spend": [30_000.0, 20_000.0, 12_000.0],
            "min_observed_spend": [1_000.0, 2_000.0, 500.0],
            "current_spend": [6_000.0, 12_000.0, 4_000.0],
            "quality": "trusted",
        }
    )
    path = tmp_path / "curves.csv"
    table.to_csv(path, index=False)
    return path


def _leads(split):
    return pd.DataFrame(
        {"channel": CHANNELS, "p_convert": 0.2, "commission": [x / 10 for x in split]}
    )


def test_later_steps_follow_the_recorded_curves_as_if_given(tmp_path, curves):
    budget = 22_000.0
    kept = tmp_path / "kept.json"  # --curves on the first step only
    given = tmp_path / "given.json"  # --curves on every step
    a = campaign_step(kept, budget=budget, channels=CHANNELS, curves=curves)
    b = campaign_step(given, budget=budget, channels=CHANNELS, curves=curves)
    for _ in range(3):
        a = campaign_step(kept, budget=budget, leads=_leads(a.step.spend))
        b = campaign_step(given, budget=budget, leads=_leads(b.step.spend), curves=curves)
        assert a.source == b.source == "curves"
        np.testing.assert_allclose(a.step.spend, b.step.spend, rtol=1e-12)
        assert [r["agrees"] for r in a.agreement] == [r["agrees"] for r in b.agreement]
    assert any(x["source"].startswith("state") for x in a.assumptions if x["name"] == "curves")


def test_a_changed_or_missing_curves_file_is_named(tmp_path, curves):
    state = tmp_path / "s.json"
    first = campaign_step(state, budget=22_000.0, channels=CHANNELS, curves=curves)
    before = state.read_text()
    curves.write_text(curves.read_text().replace("400000.0", "500000.0"))
    with pytest.raises(DataError, match="changed since"):
        campaign_step(state, budget=22_000.0, leads=_leads(first.step.spend))
    assert state.read_text() == before  # nothing written
    curves.unlink()
    res = CliRunner().invoke(
        app,
        [
            "campaign",
            "step",
            "--state",
            str(state),
            "--budget",
            "22000",
            "--out",
            str(tmp_path / "o.csv"),
        ],
    )
    assert res.exit_code == 2 and "is gone" in res.output and "--curves" in res.output
    assert not (tmp_path / "o.csv").exists()


def test_a_version_1_state_still_loads(tmp_path):
    state = tmp_path / "s.json"
    campaign_step(state, budget=1000.0, channels=CHANNELS)
    doc = json.loads(state.read_text())
    assert doc["version"] == 2
    del doc["curves"]
    doc["version"] = 1
    learner = CampaignLearner.from_dict(doc, source="old")
    assert learner.curves is None and learner.channels == tuple(CHANNELS)
