"""Manual point scoring from TOML, decay, negative criteria, and the comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leadlever.engine.exceptions import InputFileError, MissingColumnsError, ParameterError
from leadlever.engine.scoring import apply_rules, load_rules, parse_rules, roc_auc
from leadlever.engine.scoring._blend import (
    blend_probabilities,
    compare_scores,
    points_to_probability,
)
from leadlever.simulations.examples import example_path

EXAMPLE_RULES = example_path("example_rules.toml")

RULES = {
    "scoring": {"hot_threshold": 60, "decay_column": "days", "half_life_days": 10},
    "criteria": [
        {"column": "opens", "op": ">=", "value": 1, "points": 15, "kind": "behaviour"},
        {"column": "downloads", "op": ">=", "value": 1, "points": 50, "kind": "behaviour"},
        {"column": "industry", "op": "in", "value": ["tech"], "points": 25},
        {"column": "country", "op": "not_in", "value": ["UK", "DE"], "points": -100},
        {"column": "age", "op": "between", "value": [25, 40], "points": 50},
    ],
}


def test_points_by_hand_with_decay():
    table = pd.DataFrame(
        {
            "opens": [2, 0, 1],
            "downloads": [1, 0, 0],
            "industry": ["tech", "retail", "tech"],
            "country": ["UK", "FR", None],
            "age": [30, 50, 41],
            "days": [0, 5, 10],
        }
    )
    out = apply_rules(parse_rules(RULES), table)
    # lead 1: behaviour 65 undecayed + tech 25 + age 50 = 140; lead 2: FR -100;
    # lead 3: behaviour 15 * 0.5 + 25 (missing country meets no condition) = 32.5
    np.testing.assert_allclose(out["manual_points"], [140, -100, 32.5])
    assert list(out["manual_hot"]) == [1, 0, 0]


def test_example_rules_on_simulated_leads(sim_closed):
    rules = load_rules(EXAMPLE_RULES)
    points = {c.column: c.points for c in rules.criteria}
    assert points["email_opens"] == 15 and points["downloads"] == 50 and points["site_visits"] == 40
    out = apply_rules(rules, sim_closed)
    y = sim_closed["converted"].astype(int).to_numpy()
    assert roc_auc(y, out["manual_points"].rank(pct=True).to_numpy()) > 0.55  # better than chance


def test_bad_rules(tmp_path):
    with pytest.raises(ParameterError, match="operator"):
        parse_rules({"criteria": [{"column": "a", "op": "~", "value": 1, "points": 1}]})
    with pytest.raises(ParameterError, match="between"):
        parse_rules({"criteria": [{"column": "a", "op": "between", "value": 1, "points": 1}]})
    bad = tmp_path / "r.toml"
    bad.write_text("[[criteria]\n")
    with pytest.raises(InputFileError, match="TOML"):
        load_rules(bad)
    with pytest.raises(MissingColumnsError, match="'opens'"):
        apply_rules(parse_rules(RULES), pd.DataFrame({"open": [1]}))


def test_blend_and_compare():
    rng = np.random.default_rng(4)
    n = 3000
    signal = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(signal - 1.5)))).astype(int)
    p = 1 / (1 + np.exp(-(signal + rng.normal(scale=1.0, size=n) - 1.5)))
    points = 50 * (signal + rng.normal(scale=1.0, size=n) > 0)
    q = points_to_probability(points, y)
    assert set(np.round(np.unique(q), 6)).__len__() <= 10  # two levels per fold
    blend = blend_probabilities(p, q, 1.0)
    np.testing.assert_allclose(blend, np.clip(p, 1e-9, 1 - 1e-9))
    res = compare_scores(
        y,
        {"manual": (points, 50), "predictive": (p, 0.5), "blend": (blend_probabilities(p, q), 0.5)},
    )
    t = res.to_frame().set_index("score")
    hot = points >= 50
    assert t.loc["manual", "precision"] == pytest.approx(y[hot].mean())
    assert t.loc["manual", "recall"] == pytest.approx(y[hot].sum() / y.sum())
    assert t.loc["predictive", "auc"] == pytest.approx(roc_auc(y, p))
    k = 300
    assert t.loc["predictive", "gain_top10"] == pytest.approx(y[np.argsort(-p)[:k]].sum() / y.sum())
