"""The strategist's journey: deals compared on a foreign export's open leads, with the
economics filling (and announcing) the terms a deal leaves out; packaging and pricing
reconciled on the same leads."""

from __future__ import annotations

import pandas as pd
import pytest
from _journey import VALIANT_OUTCOME, run

DEALS = """
[[deals]]
name = "client_contract"
kind = "client_contract"
n_leads = 300
placement_rate_high = 0.10
placement_rate_low = 0.005
hours_per_lead = 3.5
fixed_cost = 50000

[[deals]]
name = "lead_sale"
kind = "lead_sale"
n_leads = 300
price_high = 250
price_low = 60
"""


@pytest.fixture(scope="module")
def scored(exports, tmp_path_factory):
    d = tmp_path_factory.mktemp("strategist")
    run(
        "score", "fit", exports["valiant"], *VALIANT_OUTCOME, "--drop",
        "Starting Salary,Consultant Hours,Client Feedback,Close Date,Created Date",
        "--cv", "3", "--model-out", d / "m.json",
    )  # fmt: skip
    run("score", "apply", d / "m.json", exports["valiant"], "--out", d / "s.csv")
    return d


def test_deals_take_missing_terms_from_the_economics_and_say_so(scored):
    d = scored
    (d / "deals.toml").write_text(DEALS)
    (d / "e.toml").write_text("value_per_conversion = 15000\ngeneration_cost = 30\n")
    out, res = run(
        "deals", "compare", d / "deals.toml", "--leads", d / "s.csv", "--economics", d / "e.toml",
        "--draws", "0", "--json",
    )  # fmt: skip
    assumed = {a["name"]: (a["value"], a["source"]) for a in out["assumptions"]}
    assert assumed["client_contract.commission"] == (15000.0, "file")
    assert assumed["client_contract.hourly_cost"] == (60.0, "default")
    assert assumed["lead_sale.cost_high"] == (30.0, "file")
    # the contract's line uses them: slope = n (rate_h - rate_l) K, intercept = n(rate_l K - h c) - F
    contract = next(x for x in out["deals"] if x["name"] == "client_contract")
    assert contract["slope"] == pytest.approx(300 * (0.10 - 0.005) * 15000)
    assert contract["intercept"] == pytest.approx(300 * (0.005 * 15000 - 3.5 * 60) - 50000)
    scored_leads = pd.read_csv(d / "s.csv")
    assert out["p_forecast"]["n_leads"] == scored_leads["converted"].isna().sum()
    assert any("closed lead" in n for n in out["notes"])


def test_price_and_package_reconcile_on_the_same_leads(scored, tmp_path):
    d = scored
    run(
        "price", "leads", d / "s.csv", "--target-margin", "0.3", "--c-high", "40",
        "--c-low", "20", "--out", tmp_path / "priced.csv",
    )  # fmt: skip
    buyers = tmp_path / "buyers.toml"
    buyers.write_text(
        '[[buyer]]\nname = "broker"\npackages = 1\nmin_leads = 5\nmax_leads = 200\n'
        "price_per_lead = 400\n"
    )
    (tmp_path / "e.toml").write_text("value_per_conversion = 1000\n")
    out, _ = run(
        "package", tmp_path / "priced.csv", buyers, "--id-col", "Lead ID", "--economics",
        tmp_path / "e.toml", "--out", tmp_path / "p.csv", "--json",
    )  # fmt: skip
    priced = pd.read_csv(tmp_path / "priced.csv", dtype={"Lead ID": str})
    sold = pd.read_csv(tmp_path / "p.csv", dtype={"lead_id": str})
    rows = priced.set_index("Lead ID").loc[sold["lead_id"]]
    # profit counts the same generation cost as price leads (its floors)
    assert out["generation_cost"] == pytest.approx(rows["generation_cost"].sum())
    assert out["profit"] == pytest.approx(out["revenue"] - out["generation_cost"])
    rec = out["reconciliation"]
    assert rec["list_revenue"] == pytest.approx(rows["price"].sum())
    assert rec["list_profit"] - out["profit"] == pytest.approx(rec["list_revenue"] - out["revenue"])
    # a lead is sold only when its bundle price beats its in-house value
    value = (rows["p_convert"] * 1000 - (600 + 300 * rows["p_convert"] + 40)).clip(lower=0)
    assert (value < 400 + 1e-9).all() and out["gain_over_keeping"] >= 0
