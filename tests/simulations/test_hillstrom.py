"""Hillstrom e-mail experiment: effects vs SOURCE.md, replay on a synthetic randomised table."""

from pathlib import Path

import numpy as np
import pytest

from leadlever.simulations.datasets._hillstrom import (
    HILLSTROM_FILE,
    campaign_effects,
    load_hillstrom,
    replay,
    synthetic_experiment,
)

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "hillstrom-email"
needs_data = pytest.mark.skipif(
    not (DATA / HILLSTROM_FILE).exists(), reason="../shared/data not present: Hillstrom CSV missing"
)


def test_effects_recover_known_lifts_on_synthetic_table():
    frame = synthetic_experiment(30_000, seed=1)
    eff = campaign_effects(frame, cost_per_email=0.5, margin=0.25, by=("history_segment",))
    high = eff[(eff["segment_value"] == "high")].set_index("arm")
    low = eff[(eff["segment_value"] == "low")].set_index("arm")
    # true spend effect +7.0 for the arm that works, 0 otherwise (see synthetic_experiment)
    assert high.loc["Mens E-Mail", "spend_ci_low"] < 7.0 < high.loc["Mens E-Mail", "spend_ci_high"]
    assert (
        low.loc["Womens E-Mail", "spend_ci_low"] < 7.0 < low.loc["Womens E-Mail", "spend_ci_high"]
    )
    assert (
        high.loc["Womens E-Mail", "spend_ci_low"] < 0.0 < high.loc["Womens E-Mail", "spend_ci_high"]
    )
    row = high.loc["Mens E-Mail"]
    assert row["incremental_roi"] == pytest.approx((0.25 * row["spend_ate"] - 0.5) / 0.5)


def test_replay_converges_to_the_better_campaign_per_segment():
    frame = synthetic_experiment(9000, seed=2)
    res = replay(frame, by="history_segment", cost_per_email=0.5, margin=0.25, seeds=2)
    seg = res.segments.set_index("history_segment")
    assert seg.loc["high", "sampler_favourite"] == "Mens E-Mail"
    assert seg.loc["low", "sampler_favourite"] == "Womens E-Mail"
    assert seg.loc["high", "late_share_Mens E-Mail"] > 0.6
    assert res.value_per_event["sampler"] > res.value_per_event["uniform"]
    # unbiased replay: about a third of the rows are accepted
    assert seg["accepted_events"].sum() == pytest.approx(9000 / 3, rel=0.1)


@needs_data
def test_real_data_matches_source_ates():
    frame = load_hillstrom(DATA)
    assert len(frame) == 64_000
    eff = campaign_effects(frame, by=()).set_index("arm")
    # SOURCE.md: Mens visit +7.66 pp (6.99-8.32), spend +0.770 (0.485-1.055);
    # Womens visit +4.52 pp (3.89-5.16), spend +0.424 (0.169-0.680)
    np.testing.assert_allclose(
        eff.loc["Mens E-Mail", ["visit_ate", "visit_ci_low", "visit_ci_high"]].to_numpy(float),
        [0.0766, 0.0699, 0.0832],
        atol=6e-5,
    )
    np.testing.assert_allclose(
        eff.loc["Mens E-Mail", ["spend_ate", "spend_ci_low", "spend_ci_high"]].to_numpy(float),
        [0.770, 0.485, 1.055],
        atol=6e-4,
    )
    np.testing.assert_allclose(
        eff.loc["Womens E-Mail", ["visit_ate", "spend_ate"]].to_numpy(float),
        [0.0452, 0.424],
        atol=6e-4,
    )
