"""Expected-ROI evaluator: formulas by hand, streaming == batch, thresholds, economics,
closed leads left out, no channel or dates, and campaign targeting."""

import numpy as np
import pandas as pd
import pytest

from leadlever.engine.economics import Economics
from leadlever.engine.exceptions import MissingColumnsError, ParameterError
from leadlever.engine.roi import (
    RoiStream,
    Threshold,
    evaluate_leads,
    parse_threshold,
)
from leadlever.simulations.world import simulate_leads

COSTS = Economics(
    hourly_rate=50.0,
    legal_fees=200.0,
    admin_overhead=30.0,
    generation_cost=20.0,
    effort_hours=8.0,
    commission_rate=0.2,
    value_per_conversion=9000.0,
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
    # channels of 2 leads: the verdict formula is checked with the minimum group size lowered
    report = evaluate_leads(small_table(), threshold=1.0, economics=COSTS, min_group_leads=1)
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
    default = evaluate_leads(small_table(), threshold=1.0, economics=COSTS)
    assert set(default.by_channel["feedback"]) == {"too few leads"}


def test_expected_commission_column_wins_and_metric_is_selectable():
    t = small_table().assign(expected_commission=[1000.0, 2000.0, 3000.0, 4000.0])
    econ = Economics(hourly_rate=0, legal_fees=0, admin_overhead=100.0)
    report = evaluate_leads(t, threshold=0.0, economics=econ, metric="profit")
    leads = report.leads.set_index("lead_id")
    assert leads.loc["a", "expected_value"] == pytest.approx(0.5 * 1000 - 100)
    assert leads.loc["a", "magnitude"] == pytest.approx(400.0)
    assert report.sources["commission"] == "expected_commission"
    value = next(a for a in report.assumptions if a.name == "value_per_conversion")
    assert value.source == "data" and value.value == pytest.approx(2500.0)
    margin = evaluate_leads(t, threshold=0.5, economics=econ, metric="margin")
    assert margin.leads.set_index("lead_id").loc["a", "expected_margin"] == pytest.approx(400 / 500)


@pytest.fixture(scope="module")
def scored():
    leads = simulate_leads(1500, seed=11)
    rng = np.random.default_rng(2)
    leads["p_convert"] = np.clip(leads["true_p_convert"] + rng.normal(0, 0.03, len(leads)), 0, 1)
    return leads


def test_streaming_equals_batch_exactly(scored):
    costs = Economics(generation_cost_by_channel={"social": 35.0, "referral": 5.0})
    batch = evaluate_leads(scored, threshold="top40%", economics=costs, include_closed=True)
    stream = RoiStream(threshold=batch.threshold, economics=costs)
    verdicts = [stream.update(row) for row in scored.to_dict(orient="records")]
    report = stream.report()
    pd.testing.assert_frame_equal(report.by_channel, batch.by_channel, check_exact=True)
    pd.testing.assert_frame_equal(report.by_campaign, batch.by_campaign, check_exact=True)
    assert report.overall == batch.overall
    assert report.mean_expected_roi == batch.mean_expected_roi
    assert report.share_above == batch.share_above
    assert [v.magnitude for v in verdicts] == batch.leads["magnitude"].tolist()
    assert [v.verdict for v in verdicts] == batch.leads["verdict"].tolist()


def test_top_share_rule_ranks_last_months_leads(scored):
    report = evaluate_leads(scored, threshold="top 40%", include_closed=True)
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


def test_missing_columns_and_bad_probabilities():
    with pytest.raises(MissingColumnsError, match="p_convert"):
        evaluate_leads(small_table().drop(columns="p_convert"), threshold=1)
    # without a channel column: one overall verdict, said so
    overall = evaluate_leads(small_table().drop(columns="channel"), threshold=1)
    assert overall.by_channel is None and overall.overall["group"] == "all leads"
    assert any("one overall verdict" in n for n in overall.notes)
    with pytest.raises(Exception, match="percentage"):
        evaluate_leads(small_table().assign(p_convert=[50, 10, 30, 0]), threshold=1)


def test_closed_leads_never_reach_the_feedback(scored):
    report = evaluate_leads(scored, threshold="top40%")
    is_open = scored["converted"].isna()
    assert report.n == is_open.sum() and report.n_closed_excluded == (~is_open).sum()
    assert set(report.leads["lead_id"]) == set(scored.loc[is_open, "lead_id"])
    assert report.by_channel["n"].sum() == report.n


def test_numeric_campaign_and_no_dates_are_not_invented():
    rng = np.random.default_rng(4)
    n = 400
    table = pd.DataFrame(
        {
            "p_convert": rng.uniform(0.01, 0.5, n),
            "campaign": rng.integers(1, 60, n),  # bank marketing: contacts in this campaign
        }
    )
    report = evaluate_leads(table, threshold="top40%")
    assert report.by_campaign is None and report.by_channel is None
    assert any("holds numbers" in n for n in report.notes)
    assert (
        "all leads" in report.threshold_rule
        and "30 days" not in report.threshold_rule.split("(")[0]
    )
    assert report.threshold == pytest.approx(np.quantile(report.leads["expected_roi"], 0.6))
    # every default figure the verdicts used is announced
    names = {a.name: a.source for a in report.assumptions}
    assert names["value_per_conversion"] == "default" and names["effort_hours"] == "default"


def test_roi_target_leaves_closed_leads_out_and_checks_its_inputs():
    from leadlever.engine.roi import target_contacts

    table = pd.DataFrame(
        {"p_convert": [0.5, 0.02, 0.3, 0.9, 0.01], "converted": [1, None, None, 0, None]}
    )
    econ = Economics(value_per_conversion=100.0, contact_cost=5.0)
    result = target_contacts(table, economics=econ)
    assert result.n == 3 and result.n_closed_excluded == 2
    assert list(result.contacts["p_convert"]) == [0.3]  # 0.02 and 0.01 lose money (p* = 0.05)
    assert result.expected_profit == pytest.approx(0.3 * 100 - 5)
    assert result.expected_profit_sd == pytest.approx(100 * np.sqrt(0.3 * 0.7))
    sources = {a.name: a.source for a in result.assumptions}
    assert sources == {
        "value_per_conversion": "option",
        "contact_cost": "option",
        "costs counted": "default",  # only the contact cost, unlike roi evaluate: said so
        "interval": "default",  # outcome chance only, not model error: said so
    }
    assert not any("backtest" in n for n in result.notes)
    from leadlever.engine.io._outcomes import OutcomeSpec

    backtest = target_contacts(table, economics=econ, outcome=OutcomeSpec("converted"))
    assert any("only honest on out-of-sample probabilities" in n for n in backtest.notes)
    with pytest.raises(ParameterError, match="value per conversion must be > 0"):
        target_contacts(table, economics=Economics(value_per_conversion=0.0))


def test_a_threshold_taken_from_the_same_leads_says_what_its_overall_verdict_means():
    """top40% on right-skewed ROI: the mean clears the leads' own 60th percentile whatever they
    earn, so "reinforce" is structural; the report says so, and does not with a number."""
    rng = np.random.default_rng(3)
    n = 400
    table = pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(n)],
            "channel": rng.choice(["a", "b"], n),
            "p_convert": rng.beta(0.5, 20, n),  # right-skewed, all poor leads
        }
    )
    report = evaluate_leads(table, threshold="top40%", economics=COSTS)
    roi = report.leads["expected_roi"].to_numpy()
    assert np.mean(roi) > np.quantile(roi, 0.6)  # the structural "reinforce"
    assert report.overall["feedback"] == "reinforce"
    assert any("the overall verdict only compares their mean" in x for x in report.notes)
    fixed = evaluate_leads(table, threshold=1.0, economics=COSTS)
    assert not any("overall verdict only compares" in x for x in fixed.notes)
