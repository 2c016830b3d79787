"""Value as leads x value per lead: the estimate, its check, and what it buys under the truth."""

import numpy as np
import pandas as pd
import pytest

from leadlever.engine.exceptions import DataError
from leadlever.optimisers.curves import fit_curves, read_history
from leadlever.optimisers.curves._leads import DRIFT_Z, lead_model
from leadlever.simulations.world import random_channel_world, simulate_channels

#: standard errors within which the value per lead must match the truth
Z_TOL = 4.0


@pytest.fixture(scope="module")
def world_history():
    world = random_channel_world(6, seed=7)
    return world, simulate_channels(104, seed=1007, world=world)


def _wide(history: pd.DataFrame, column: str, names) -> np.ndarray:
    return history.pivot(index="week", columns="channel", values=column)[list(names)].to_numpy(
        float
    )


def test_value_per_lead_matches_the_truth_within_its_standard_error(world_history):
    world, history = world_history
    names = world.channel_names
    lm = lead_model(*(_wide(history, c, names) for c in ("spend", "value", "leads")))
    assert lm.used.all()
    for c, truth in enumerate(world.channels):
        # value = conversions x commission x lognormal noise: E[value / lead] = q e^{s^2/2}
        expected = truth.value_per_lead * np.exp(world.value_noise**2 / 2)
        assert abs(lm.value_per_lead[c] - expected) <= Z_TOL * lm.se[c]
        # the standard error against the binomial one: conversions ~ Bin(leads, p)
        leads = history.loc[history["channel"] == truth.name, "leads"].sum()
        binomial = truth.value_per_lead * np.sqrt((1 - truth.p_convert) / (truth.p_convert * leads))
        assert 0.5 * binomial <= lm.se[c] <= 2.0 * binomial


def test_value_per_lead_that_moves_with_spend_is_not_used():
    rng = np.random.default_rng(3)
    weeks = 60
    spend = rng.uniform(500, 1500, (weeks, 2))
    leads = rng.poisson(0.1 * spend).astype(float)
    steady = leads * 30.0 * np.exp(rng.normal(0, 0.05, (weeks, 2)))
    falling = steady.copy()
    falling[:, 1] *= (spend[:, 1] / spend[:, 1].mean()) ** -0.8  # dearer leads at high spend
    lm = lead_model(spend, falling, leads)
    assert lm.used.tolist() == [True, False]
    assert "falls with spend" in lm.why_not[1]
    # the stated z is the slope over its standard error, beyond the threshold
    z = float(lm.why_not[1].split("z = ")[1].rstrip(")"))
    assert z < -DRIFT_Z
    # the same channel with a steady value per lead passes
    assert lead_model(spend, steady, leads).used.all()


def test_leads_bring_the_fitted_curves_closer_to_the_truth():
    """Over two worlds, the curves learnt from leads are closer to the true value curves over
    each channel's observed spend range than the curves learnt from the value alone."""
    err_leads, err_value = [], []
    for seed in (5, 9):
        world = random_channel_world(6, seed=seed)
        history = simulate_channels(104, seed=seed + 1000, world=world)
        with_leads = fit_curves(history, n_draws=0).as_mapping()
        value_only = fit_curves(history, n_draws=0, leads=False).as_mapping()
        for truth in world.channels:
            fc = with_leads[truth.name]
            assert fc.response == "leads" and value_only[truth.name].response == "value"
            grid = np.linspace(fc.min_observed_spend, fc.max_observed_spend, 50)
            true = truth.value_curve.value(grid)
            err_leads.append(np.mean(np.abs(fc.curve.value(grid) - true) / true))
            err_value.append(
                np.mean(np.abs(value_only[truth.name].curve.value(grid) - true) / true)
            )
    assert np.mean(err_leads) < np.mean(err_value)


def test_the_history_reads_a_leads_column_and_says_so(world_history):
    _, history = world_history
    hist = read_history(history)
    assert hist.leads is not None
    np.testing.assert_array_equal(hist.leads, _wide(history, "leads", hist.channels))
    names = {a["name"]: a for a in hist.assumptions}
    assert names["leads column"]["value"] == "leads"
    assert read_history(history, leads="").leads is None
    with pytest.raises(DataError, match="lacks column 'signups'"):
        read_history(history, leads="signups")
    # a count value (conversions) is itself the response: no leads next to it
    counted = read_history(history.drop(columns="value"), value="conversions")
    assert counted.value_kind == "count" and counted.leads is None
    fit = fit_curves(history, n_draws=0)
    model = {a["name"]: a["value"] for a in fit.assumptions}["value model"]
    assert model.startswith("leads x the channel's value per lead")
    # a leads column named in fit_curves is the one read
    renamed = fit_curves(history.rename(columns={"leads": "signups"}), n_draws=0, leads="signups")
    assert {fc.response for fc in renamed.curves} == {"leads"}
    for a, b in zip(renamed.curves, fit.curves, strict=True):
        assert a.curve.params() == pytest.approx(b.curve.params(), rel=1e-12)
