"""``plan``, ``price leads`` and ``package`` on the same leads: every figure announced, no
invented currency, one in-house and resale value (issue 14 items 6-7)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from leadlever.cli import app

runner = CliRunner()

BUYERS = """
[[buyer]]
name = "mumbai"
packages = 1
min_leads = 5
max_leads = 20
price_per_lead = 450
filters = { City = ["Mumbai"] }
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A profile as ``qualify apply`` writes it (value 900, delivery 42.5), a team, buyers."""
    d = tmp_path_factory.mktemp("sell")
    rng = np.random.default_rng(4)
    n = 120
    p = rng.uniform(0.02, 0.95, n)
    prof = pd.DataFrame(
        {
            "lead_id": [f"L{i:03d}" for i in range(n)],
            "p_convert": p,
            "expected_delivery_cost": 42.5,
            "expected_value": p * 900 - 42.5,
            "City": rng.choice(["Mumbai", "Pune"], n),
        }
    )
    prof.to_csv(d / "profile.csv", index=False)
    (d / "econ.toml").write_text(
        "value_per_conversion = 900.0\nhourly_rate = 25.0\neffort_hours = 1.5\n"
        "legal_fees = 0.0\nadmin_overhead = 5.0\ngeneration_cost = 12.0\n"
    )
    (d / "buyers.toml").write_text(BUYERS)
    pd.DataFrame(
        {"name": ["A", "B"], "weekly_hours": [10, 10], "seniority": ["junior", "senior"]}
    ).to_csv(d / "team.csv", index=False)
    return d


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_plan_names_no_currency_and_announces_the_seniority_uplift(files):
    args = ["plan", files / "profile.csv", "--consultants", files / "team.csv"]
    res = _run(*args, "--out", files / "q.csv", "--economics", files / "econ.toml")
    assert res.exit_code == 0, res.output
    assert "EUR" not in res.output
    assert "seniority odds factor 1.3 (default" in res.stderr
    assert "expected resale value 0 (default" in res.stderr
    res = _run(*args, "--out", files / "q.csv", "--odds-factor", "1.5", "--json")
    names = {a["name"]: a for a in json.loads(res.stdout)["assumptions"]}
    assert names["seniority_odds_factor"] == {
        "name": "seniority_odds_factor",
        "value": 1.5,
        "source": "option",
        "note": names["seniority_odds_factor"]["note"],
    }
    assert names["base_seniority"]["source"] == "default"
    assert "p_convert_assigned" in pd.read_csv(files / "q.csv").columns


def test_price_leads_floors_prices_at_the_in_house_value(files):
    out = files / "priced.csv"
    args = ["price", "leads", files / "profile.csv", "--target-margin", "0.3"]
    res = _run(*args, "--economics", files / "econ.toml", "--out", out, "--json")
    assert res.exit_code == 0, res.output
    priced = pd.read_csv(out)
    assert (priced["price"] >= np.maximum(priced["expected_value"], 12.0) - 0.005).all()
    assert json.loads(res.stdout)["n_below_in_house_value"] == 0
    res = _run(
        *args, "--economics", files / "econ.toml", "--out", out, "--floor", "generation-cost"
    )
    priced = pd.read_csv(out)
    below = int((priced["price"] < priced["expected_value"] - 0.005).sum())
    assert below > 0
    assert f"Warning: {below:,} of {len(priced):,} leads are priced below" in res.stderr


def test_plan_with_buyers_and_package_agree_on_the_leads_sold(files):
    """Both sell through the same packager; on a team whose plan values equal the profile's
    (odds factor 1, capacity for every lead) they sell the same leads."""
    econ = files / "econ.toml"
    pd.DataFrame({"name": list("ABCDEFG"), "weekly_hours": 150, "seniority": 0}).to_csv(
        files / "big.csv", index=False
    )  # 1,050 hours a week: capacity for every lead
    res = _run(
        "plan", files / "profile.csv", "--consultants", files / "big.csv", "--economics", econ,
        "--buyers", files / "buyers.toml", "--odds-factor", "1", "--out", files / "q2.csv",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    res = _run(
        "package", files / "profile.csv", files / "buyers.toml", "--economics", econ,
        "--out", files / "pk.csv",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    q = pd.read_csv(files / "q2.csv")
    sold_plan = set(q.loc[q["action"] == "sell", "lead_id"])
    sold_pkg = set(pd.read_csv(files / "pk.csv")["lead_id"])
    assert sold_plan and sold_plan == sold_pkg


def test_package_names_leads_by_the_detected_id_column(files):
    prof = pd.read_csv(files / "profile.csv")
    rng = np.random.default_rng(9)
    ids = [f"{x:08x}-p" for x in rng.choice(16**7, len(prof), replace=False)]
    table = prof.drop(columns="lead_id").assign(**{"Prospect ID": ids})
    table.to_csv(files / "noid.csv", index=False)
    res = _run(
        "package", files / "noid.csv", files / "buyers.toml", "--economics", files / "econ.toml",
        "--out", files / "pk2.csv",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    sold = pd.read_csv(files / "pk2.csv")["lead_id"].astype(str)
    assert len(sold) > 0 and set(sold) <= set(ids)
    assert "named by 'Prospect ID'" in res.stderr


def test_a_salary_column_values_each_lead_the_same_in_roi_plan_price_and_package(tmp_path):
    """economics: commission_rate x salary_column. Every command values a lead without
    expected_commission at V = p r S - (h c + p L + A), computed here by hand; before, only
    roi did, while plan, price leads and package used value_per_conversion (10,000)."""
    rng = np.random.default_rng(11)
    n = 60
    p = rng.uniform(0.05, 0.9, n)
    salary = rng.uniform(30_000, 150_000, n)
    salary[:5] = np.nan  # no salary: value_per_conversion for these, announced
    pd.DataFrame({"lead_id": [f"C{i:03d}" for i in range(n)], "p_convert": p,
                  "City": "Mumbai", "expected_salary": salary}).to_csv(tmp_path / "s.csv", index=False)  # fmt: skip
    (tmp_path / "e.toml").write_text(
        'commission_rate = 0.2\nsalary_column = "expected_salary"\nvalue_per_conversion = 9000\n'
        "hourly_rate = 60\neffort_hours = 10\nlegal_fees = 300\nadmin_overhead = 40\ngeneration_cost = 25\n",
        encoding="utf-8",
    )
    (tmp_path / "b.toml").write_text(BUYERS, encoding="utf-8")
    pd.DataFrame({"name": ["ann"], "weekly_hours": [0.001], "seniority": ["junior"]}).to_csv(
        tmp_path / "team.csv", index=False
    )
    k = np.where(np.isnan(salary), 9000.0, 0.2 * np.nan_to_num(salary))
    value = p * k - (10 * 60 + p * 300 + 40)
    e = ("--economics", tmp_path / "e.toml")
    res = runner.invoke(app, [str(a) for a in ("roi", "evaluate", tmp_path / "s.csv", *e, "--threshold", "top40%",
                                               "--out", tmp_path / "r.csv", "--json")])  # fmt: skip
    assert res.exit_code == 0, res.output
    roi = pd.read_csv(tmp_path / "r.csv").set_index("lead_id").loc[[f"C{i:03d}" for i in range(n)]]
    np.testing.assert_allclose(roi["expected_commission"], k, rtol=1e-9)
    res = runner.invoke(app, [str(a) for a in ("plan", tmp_path / "s.csv", "--consultants",
                                               tmp_path / "team.csv", *e, "--out",
                                               tmp_path / "q.csv", "--json")])  # fmt: skip
    assert res.exit_code == 0, res.output
    names = {a["name"] for a in json.loads(res.stdout)["assumptions"]}
    assert {"commission_rate", "value_per_conversion"} <= names
    queue = pd.read_csv(tmp_path / "q.csv").set_index("lead_id").loc[roi.index]
    np.testing.assert_allclose(queue["expected_in_house_value"], value, rtol=1e-9)
    res = runner.invoke(app, [str(a) for a in ("price", "leads", tmp_path / "s.csv", *e, "--target-margin", "0.3",
                                               "--out", tmp_path / "p.csv", "--json")])  # fmt: skip
    assert res.exit_code == 0, res.output
    priced = pd.read_csv(tmp_path / "p.csv").set_index("lead_id").loc[roi.index]
    below = priced["price"].to_numpy() < value - 1e-6
    assert not below.any(), (priced[below], value[below])  # never below its in-house value
    res = runner.invoke(app, [str(a) for a in ("package", tmp_path / "s.csv", tmp_path / "b.toml",
                                               *e, "--out", tmp_path / "k.csv", "--json")])  # fmt: skip
    assert res.exit_code == 0, res.output
    sold = pd.read_csv(tmp_path / "k.csv")
    if len(sold):  # a lead goes only when its bundle price (450) beats its in-house value
        worth = pd.Series(value, index=roi.index).loc[sold["lead_id"]]
        assert (worth < 450 + 1e-6).all()
