"""Expected-ROI evaluator: formulas by hand, streaming == batch, thresholds, cost files."""

import numpy as np
import pandas as pd
import pytest

from leadlever.engine.exceptions import InputFileError, MissingColumnsError, ParameterError
from leadlever.engine.roi import (
    CostModel,
    RoiStream,
    Threshold,
    evaluate_leads,
    load_costs,
    parse_threshold,
)
from leadlever.simulations.world import simulate_leads

COSTS = CostModel(
    hourly_rate=50.0,
    legal_fees=200.0,
    admin_overhead=30.0,
    acquisition_cost_per_lead=20.0,
    default_effort_hours=8.0,
    commission_rate=0.2,
    default_commission=9000.0,
)


def small_table():
    return pd.DataFrame(
        {
            "lead_id": ["a", "b", "c", "d"],
            "channel": ["x", "x", "y", "y"],
            "p_convert": [0.5, 0.1, 0.3, 0.0],
            "expected_salary": [60000.0, 50000.0, np.nan, 40000.0],
            "expected_effort_hours": [10.0, np.nan, 4.0, 2.0],
        }
    )


def test_per_lead_formulas_by_hand():
    report = evaluate_leads(small_table(), threshold=1.0, costs=COSTS)
    leads = report.leads.set_index("lead_id")
    # lead a: commission 0.2 x 60000 = 12000; cost 10 h x 50 + 0.5 x 200 + 30 + 20 = 650
    assert leads.loc["a", "expected_cost"] == pytest.approx(650.0)
    assert leads.loc["a", "expected_roi"] == pytest.approx(0.5 * 12000 / 650)
    assert leads.loc["a", "expected_value"] == pytest.approx(6000 - 650)
    # lead b: effort missing -> default 8 h; cost 400 + 20 + 30 + 20 = 470
    assert leads.loc["b", "expected_cost"] == pytest.approx(470.0)
    # lead c: salary missing -> default commission 9000
    assert leads.loc["c", "expected_commission"] == pytest.approx(9000.0)
    assert leads.loc["c", "expected_roi"] == pytest.approx(0.3 * 9000 / (200 + 60 + 30 + 20))
    assert leads.loc["d", "verdict"] == "negative"
    assert leads.loc["a", "magnitude"] == pytest.approx(6000 / 650 - 1.0)
    x = report.by_channel.set_index("channel").loc["x"]
    assert x["n"] == 2
    assert x["mean_expected_roi"] == pytest.approx((6000 / 650 + 1000 / 470) / 2)
    assert x["share_above"] == pytest.approx(1.0)
    assert x["feedback"] == "reinforce"
    assert x["expected_profit_per_spend"] == pytest.approx(((6000 - 650) + (1000 - 470)) / 40.0)


def test_expected_commission_column_wins_and_metric_is_selectable():
    t = small_table().assign(expected_commission=[1000.0, 2000.0, 3000.0, 4000.0])
    report = evaluate_leads(
        t,
        threshold=0.0,
        costs=CostModel(metric="profit", hourly_rate=0, legal_fees=0, admin_overhead=100.0),
    )
    leads = report.leads.set_index("lead_id")
    assert leads.loc["a", "expected_value"] == pytest.approx(0.5 * 1000 - 100)
    assert leads.loc["a", "magnitude"] == pytest.approx(400.0)
    assert report.sources["commission"] == "expected_commission"
    margin = evaluate_leads(
        t,
        threshold=0.5,
        costs=CostModel(metric="margin", hourly_rate=0, legal_fees=0, admin_overhead=100.0),
    )
    assert margin.leads.set_index("lead_id").loc["a", "expected_margin"] == pytest.approx(400 / 500)


@pytest.fixture(scope="module")
def scored():
    leads = simulate_leads(1500, seed=11)
    rng = np.random.default_rng(2)
    leads["p_convert"] = np.clip(leads["true_p_convert"] + rng.normal(0, 0.03, len(leads)), 0, 1)
    return leads


def test_streaming_equals_batch_exactly(scored):
    costs = CostModel(acquisition_cost_by_channel={"social": 35.0, "referral": 5.0})
    batch = evaluate_leads(scored, threshold="top40%", costs=costs)
    stream = RoiStream(threshold=batch.threshold, costs=costs)
    verdicts = [stream.update(row) for row in scored.to_dict(orient="records")]
    report = stream.report()
    pd.testing.assert_frame_equal(report.by_channel, batch.by_channel, check_exact=True)
    pd.testing.assert_frame_equal(report.by_campaign, batch.by_campaign, check_exact=True)
    assert report.mean_expected_roi == batch.mean_expected_roi
    assert report.share_above == batch.share_above
    assert [v.magnitude for v in verdicts] == batch.leads["magnitude"].tolist()
    assert [v.verdict for v in verdicts] == batch.leads["verdict"].tolist()


def test_top_share_rule_ranks_last_months_leads(scored):
    report = evaluate_leads(scored, threshold="top 40%")
    leads = report.leads
    recent = leads["created_at"] >= leads["created_at"].max() - pd.Timedelta(days=30)
    share = float((leads.loc[recent, "expected_roi"] >= report.threshold).mean())
    assert share == pytest.approx(0.4, abs=2 / recent.sum() + 1e-9)
    # independent computation of the quantile
    assert report.threshold == pytest.approx(np.quantile(leads.loc[recent, "expected_roi"], 0.6))


def test_threshold_parsing():
    assert parse_threshold("1.5") == Threshold(value=1.5)
    assert parse_threshold("top40%") == Threshold(top_share=0.4)
    assert parse_threshold("top:0.25") == Threshold(top_share=0.25)
    assert parse_threshold("top 10%:60d") == Threshold(top_share=0.1, window_days=60)
    with pytest.raises(ParameterError, match="number .* or a rule"):
        parse_threshold("best ones")
    with pytest.raises(ParameterError, match="top_share"):
        parse_threshold("top 140%")


def test_costs_toml(tmp_path):
    p = tmp_path / "costs.toml"
    p.write_text(
        'hourly_rate = 80\nmetric = "profit"\n[acquisition_cost_by_channel]\nsocial = 25.0\n'
    )
    costs = load_costs(p)
    assert costs.hourly_rate == 80.0 and costs.metric == "profit"
    assert costs.acquisition_cost_by_channel == {"social": 25.0}
    p.write_text("hourly_rat = 80\n")
    with pytest.raises(
        ParameterError, match="unknown key 'hourly_rat'. Did you mean 'hourly_rate'"
    ):
        load_costs(p)
    p.write_text("hourly_rate = -1\n")
    with pytest.raises(ParameterError, match="hourly_rate"):
        load_costs(p)
    p.write_text("hourly_rate = = 3\n")
    with pytest.raises(InputFileError, match="not valid TOML"):
        load_costs(p)


def test_missing_columns_and_bad_probabilities():
    with pytest.raises(MissingColumnsError, match="p_convert"):
        evaluate_leads(small_table().drop(columns="p_convert"), threshold=1)
    with pytest.raises(MissingColumnsError, match="channel"):
        evaluate_leads(small_table().drop(columns="channel"), threshold=1)
    with pytest.raises(Exception, match="percentage"):
        evaluate_leads(small_table().assign(p_convert=[50, 10, 30, 0]), threshold=1)
