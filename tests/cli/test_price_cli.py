"""``leadlever price`` (command and group), ``price solve`` and ``price leads``."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from leadlever.cli import app

runner = CliRunner()
CASE = ["--p", "0.3", "--r-high", "500", "--c-high", "120", "--r-low", "80", "--c-low", "40"]


def _run(args):
    return runner.invoke(app, args)


def test_price_json_keys_and_case_value():
    res = _run(["price", *CASE, "--n", "1000", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert {"expected_profit_per_lead", "expected_profit_total", "break_even_p", "margin"} <= set(
        out
    )
    assert out["expected_profit_per_lead"] == pytest.approx(142.0)
    assert out["expected_profit_total"] == pytest.approx(142_000.0)
    assert out["break_even_p"] is None


def test_price_break_even_in_range():
    res = _run(
        [
            "price",
            "--p",
            "0.5",
            "--r-high",
            "100",
            "--c-high",
            "20",
            "--r-low",
            "10",
            "--c-low",
            "30",
            "--json",
        ]
    )
    assert json.loads(res.stdout)["break_even_p"] == pytest.approx(0.2)


def test_price_text_output():
    res = _run(["price", *CASE])
    assert res.exit_code == 0 and "142.00" in res.stdout


def test_price_missing_levers_exit_2():
    res = _run(["price", "--p", "0.3"])
    assert res.exit_code == 2
    assert "--r-high" in res.stderr and "Traceback" not in res.output


def test_price_bad_p_exit_2():
    res = _run(["price", *CASE[2:], "--p", "1.5"])
    assert res.exit_code == 2 and "'p'" in res.stderr


def test_solve_json_keys_and_round_trip():
    res = _run(["price", "solve", "--for", "p", "--target-profit", "200", *CASE[2:], "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert {"lever", "value", "expected_profit_per_lead"} <= set(out)
    assert out["lever"] == "p" and out["value"] == pytest.approx(160 / 340)
    assert out["expected_profit_per_lead"] == pytest.approx(200)


def test_solve_margin_for_multiplier():
    res = _run(["price", "solve", "--for", "multiplier", "--target-margin", "0.5", *CASE, "--json"])
    assert json.loads(res.stdout)["value"] == pytest.approx(128 / 206)


def test_solve_unreachable_exit_2_says_what_would_reach():
    res = _run(["price", "solve", "--for", "p", "--target-profit", "2000", *CASE[2:]])
    assert res.exit_code == 2
    assert "above 1" in res.stderr and "r_high = 2120" in res.stderr


@pytest.mark.parametrize(
    "targets", [[], ["--target-profit", "1", "--target-margin", "0.2"]], ids=["none", "two"]
)
def test_solve_needs_one_target(targets):
    res = _run(["price", "solve", "--for", "p", *targets, *CASE[2:]])
    assert res.exit_code == 2 and "exactly one" in res.stderr


def test_solve_bad_lever_exit_2():
    res = _run(["price", "solve", "--for", "price", "--target-profit", "1", *CASE])
    assert res.exit_code == 2


@pytest.fixture()
def scored(tmp_path):
    from leadlever.simulations.world import simulate_leads

    path = tmp_path / "scored.csv"
    simulate_leads(400, seed=2).assign(p_convert=lambda d: d["true_p_convert"]).to_csv(
        path, index=False
    )
    return path


def test_price_leads_writes_price_and_grade(scored, tmp_path):
    out = tmp_path / "priced.csv"
    res = _run(
        [
            "price",
            "leads",
            str(scored),
            "--target-margin",
            "0.3",
            "--c-high",
            "40",
            "--c-low",
            "20",
            "--floor",
            "generation-cost",
            "--out",
            str(out),
            "--json",
        ]
    )
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["margin"] == pytest.approx(0.3)
    table = pd.read_csv(out)
    assert {"price", "grade"} <= set(table.columns)
    assert set(table["grade"]) <= {"low", "high"}
    cost = table["grade"].map({"low": 20, "high": 40})
    assert (table["price"] >= cost - 0.01).all()
    assert table["price"].sum() == pytest.approx(cost.sum() / 0.7, rel=1e-4)


def test_price_leads_with_confidence(scored, tmp_path):
    out = tmp_path / "priced.csv"
    res = _run(
        [
            "price",
            "leads",
            str(scored),
            "--target-margin",
            "0.3",
            "--confidence",
            "0.9",
            "--c-high",
            "40",
            "--c-low",
            "20",
            "--out",
            str(out),
            "--json",
        ]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["prob_target_met"] >= 0.9


def test_price_leads_unreachable_leaves_no_file(scored, tmp_path):
    out = tmp_path / "priced.csv"
    res = _run(
        [
            "price",
            "leads",
            str(scored),
            "--target-margin",
            "0.9",
            "--cap",
            "30",
            "--c-high",
            "40",
            "--c-low",
            "20",
            "--floor",
            "generation-cost",
            "--out",
            str(out),
        ]
    )
    assert res.exit_code == 2 and "caps" in res.stderr
    assert not out.exists()


def test_price_leads_missing_column_exit_2(tmp_path):
    src = tmp_path / "bad.csv"
    pd.DataFrame({"lead_id": ["a"], "score": [0.3]}).to_csv(src, index=False)
    out = tmp_path / "o.csv"
    res = _run(
        [
            "price",
            "leads",
            str(src),
            "--target-margin",
            "0.3",
            "--c-high",
            "1",
            "--c-low",
            "1",
            "--out",
            str(out),
        ]
    )
    assert res.exit_code == 2 and "p_convert" in res.stderr and "bad.csv" in res.stderr
    assert not out.exists()


def test_price_leads_missing_file_exit_2(tmp_path):
    res = _run(
        [
            "price",
            "leads",
            str(tmp_path / "none.csv"),
            "--target-margin",
            "0.3",
            "--c-high",
            "1",
            "--c-low",
            "1",
            "--out",
            str(tmp_path / "o.csv"),
        ]
    )
    assert res.exit_code == 2 and "does not exist" in res.stderr


def test_price_leads_cost_column_replaces_grade_costs(tmp_path):
    src = tmp_path / "s.csv"
    pd.DataFrame(
        {"lead_id": ["a", "b"], "p_convert": [0.2, 0.6], "generation_cost": [10.0, 30.0]}
    ).to_csv(src, index=False)
    out = tmp_path / "o.csv"
    res = _run(
        ["price", "leads", str(src), "--target-margin", "0.2", "--floor", "generation-cost"]
        + ["--out", str(out), "--json"]
    )
    assert res.exit_code == 0, res.output
    # revenue = (10 + 30) / 0.8 = 50 = m * (0.2 + 0.6): m = 62.5, prices 12.5 and 37.5 (above both floors)
    table = pd.read_csv(out)
    assert table["price"].tolist() == pytest.approx([12.5, 37.5], abs=0.01)
    assert (table["price"] >= table["generation_cost"] - 0.01).all()


def test_price_leads_without_any_cost_exit_2(scored, tmp_path):
    out = tmp_path / "o.csv"
    res = _run(["price", "leads", str(scored), "--target-margin", "0.3", "--out", str(out)])
    assert res.exit_code == 2 and "--c-high" in res.stderr
    assert not out.exists()
