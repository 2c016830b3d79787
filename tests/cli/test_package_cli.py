"""``leadlever package``: JSON contract, output file, bad inputs exit 2 with a message."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from leadlever.cli import app
from leadlever.simulations.examples import example_path

EXAMPLE = example_path("example_buyers.toml")
runner = CliRunner()


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    from leadlever.simulations.world import simulate_leads

    frame = simulate_leads(2000, seed=8)
    frame["p_convert"] = frame["true_p_convert"].round(4)
    path = tmp_path_factory.mktemp("pk") / "scored.csv"
    frame[["lead_id", "p_convert", "role_category", "country"]].to_csv(path, index=False)
    return path


def _edited_example(tmp_path, old: str, new: str) -> Path:
    """The example buyers file with one edit, written to ``tmp_path``."""
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "buyers.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def run(*args):
    return runner.invoke(app, ["package", *map(str, args)])


def test_json_contract_and_csv(scored, tmp_path):
    out = tmp_path / "packages.csv"
    res = run(scored, EXAMPLE, "--out", out, "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["status"] in ("optimal", "feasible")
    for key in ("gap", "revenue", "cost", "profit", "packages", "unsold"):
        assert key in data
    assert data["packages"]
    table = pd.read_csv(out)
    assert list(table.columns) == ["lead_id", "package_id", "buyer"]
    assert len(table) == sum(p["n_leads"] for p in data["packages"])
    assert data["unsold"] == 2000 - table["lead_id"].nunique()
    revenue = sum(p["price"] for p in data["packages"])
    assert data["revenue"] == pytest.approx(revenue)


def test_highs_solver_option(scored, tmp_path):
    res = run(
        scored,
        EXAMPLE,
        "--out",
        tmp_path / "o.csv",
        "--json",
        "--solver",
        "highs",
        "--time-limit",
        "30",
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["status"] in ("optimal", "feasible")


def test_typo_key_in_buyers_file(scored, tmp_path):
    bad = tmp_path / "b.toml"
    bad.write_text(EXAMPLE.read_text().replace("min_mean_p = 0.30", "min_mean_pp = 0.30"))
    out = tmp_path / "o.csv"
    res = run(scored, bad, "--out", out)
    assert res.exit_code == 2
    assert "min_mean_pp" in res.stderr and "Did you mean 'min_mean_p'" in res.stderr
    assert "Traceback" not in res.output
    assert not out.exists()


def test_missing_prob_column(scored, tmp_path):
    out = tmp_path / "o.csv"
    res = run(scored, EXAMPLE, "--out", out, "--prob-col", "p_conv")
    assert res.exit_code == 2
    assert "p_conv" in res.stderr and "did you mean 'p_convert'" in res.stderr
    assert not out.exists()


def test_probability_in_percent(scored, tmp_path):
    frame = pd.read_csv(scored)
    frame["p_convert"] = frame["p_convert"] * 100
    path = tmp_path / "pct.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "o.csv"
    res = run(path, EXAMPLE, "--out", out)
    assert res.exit_code == 2
    assert "percentage" in res.stderr and "p_convert" in res.stderr
    assert not out.exists()


def test_infeasible_reports_reasons(tmp_path):
    frame = pd.DataFrame({"lead_id": [f"L{i}" for i in range(15)], "p_convert": np.full(15, 0.5)})
    path = tmp_path / "few.csv"
    frame.to_csv(path, index=False)
    buyers = tmp_path / "b.toml"
    buyers.write_text(
        '[[buyer]]\nname = "niche-partner"\nmin_leads = 20\nmax_leads = 50\nprice_per_lead = 80\n'
    )
    out = tmp_path / "o.csv"
    res = run(path, buyers, "--out", out, "--json")
    assert res.exit_code == 2
    data = json.loads(res.stdout)
    assert data["status"] == "infeasible"
    assert (
        "niche-partner needs at least 20 leads per bundle; only 15 such leads exist."
        in data["reasons"]
    )
    assert not out.exists()


def test_filter_column_missing(tmp_path):
    frame = pd.DataFrame({"lead_id": ["a", "b"], "p_convert": [0.2, 0.3], "role": ["x", "y"]})
    path = tmp_path / "s.csv"
    frame.to_csv(path, index=False)
    buyers = tmp_path / "b.toml"
    buyers.write_text('[[buyer]]\nname = "n"\nprice_per_lead = 1\nfilters = { roles = ["x"] }\n')
    res = run(path, buyers, "--out", tmp_path / "o.csv")
    assert res.exit_code == 2
    assert "Buyer 'n' requires column 'roles'" in res.stderr and "did you mean 'role'" in res.stderr


def test_missing_highspy_is_an_error_not_a_time_limit(scored, tmp_path, monkeypatch):
    import pulp

    monkeypatch.setattr(pulp.HiGHS, "available", lambda self: False)
    out = tmp_path / "o.csv"
    res = run(scored, EXAMPLE, "--out", out, "--solver", "highs")
    assert res.exit_code == 2
    assert "highspy" in res.output and "time limit" not in res.output
    assert not out.exists()


def test_misspelt_id_column_is_an_error(scored, tmp_path):
    out = tmp_path / "o.csv"
    res = run(scored, EXAMPLE, "--out", out, "--id-col", "leadid")
    assert res.exit_code == 2
    assert "did you mean 'lead_id'" in res.output
    assert not out.exists()


def test_skip_infeasible_packages_the_other_buyers(scored, tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8") + (
        '\n[[buyer]]\nname = "dreamer"\nmin_leads = 10\nmax_leads = 20\n'
        "min_mean_p = 0.99\nprice_per_lead = 500\n"
    )
    buyers = tmp_path / "buyers.toml"
    buyers.write_text(text, encoding="utf-8")
    out = tmp_path / "o.csv"
    blocked = run(scored, buyers, "--out", out)
    assert blocked.exit_code == 2 and "--skip-infeasible" in blocked.output
    assert not out.exists()
    res = run(scored, buyers, "--out", out, "--skip-infeasible", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert any("dreamer" in r for r in data["reasons"])
    assert data["packages"] and {p["buyer"] for p in data["packages"]} <= {
        "niche-partner",
        "volume-broker",
        "dach-recruiters",
    }
    assert out.exists()


def test_grade_levels_must_fall(scored, tmp_path):
    buyers = _edited_example(
        tmp_path, "levels = { AAA = 0.999, AA = 0.99,", "levels = { AAA = 0.9, AA = 0.99,"
    )
    res = run(scored, buyers, "--out", tmp_path / "o.csv")
    assert res.exit_code == 2
    assert "AAA = 0.9 is not above AA = 0.99" in res.output


def test_filter_on_values_no_lead_holds_warns_with_the_values_present(scored, tmp_path):
    buyers = _edited_example(tmp_path, 'country = ["DE", "AT", "CH"]', 'country = ["Germany"]')
    res = run(scored, buyers, "--out", tmp_path / "o.csv", "--skip-infeasible")
    assert res.exit_code == 0, res.output
    assert "values no lead holds" in res.output and "DE" in res.output
