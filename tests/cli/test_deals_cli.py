"""``leadlever deals compare``."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from leadlever.cli import app
from leadlever.simulations.deals import example_deals_path

runner = CliRunner()


def test_compare_without_leads_json_keys():
    res = runner.invoke(app, ["deals", "compare", str(example_deals_path()), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert {"p_star", "envelope"} <= set(out) and "prob_best" not in out
    pair = next(
        x for x in out["p_star"] if {x["deal_a"], x["deal_b"]} == {"client_contract", "lead_sale"}
    )
    assert pair["p"] == pytest.approx(75000 / 285000)
    assert [s["deal"] for s in out["envelope"]] == ["retainer", "lead_sale", "client_contract"]
    assert set(out["envelope"][0]) == {"deal", "p_from", "p_to"}


def test_compare_with_leads(tmp_path):
    from leadlever.simulations.world import simulate_leads

    leads = tmp_path / "scored.csv"
    simulate_leads(1500, seed=4).assign(p_convert=lambda d: d["true_p_convert"]).to_csv(
        leads, index=False
    )
    plot, tornado = tmp_path / "f3.png", tmp_path / "t.csv"
    res = runner.invoke(
        app,
        [
            "deals",
            "compare",
            str(example_deals_path()),
            "--leads",
            str(leads),
            "--draws",
            "5000",
            "--plot",
            str(plot),
            "--tornado",
            str(tornado),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert {"p_forecast", "prob_best", "expected_regret"} <= set(out)
    assert sum(out["prob_best"].values()) == pytest.approx(1.0)
    assert out["p_forecast"]["pool"] == {"city": "Berlin", "season": "autumn"}
    assert plot.exists() and tornado.exists()
    # what p is and what a client contract leaves out are announced, not silent
    said = {a["name"]: a for a in out["assumptions"]}
    assert said["p"]["source"] == "data" and "mean p_convert" in said["p"]["value"]
    contracts = [d["name"] for d in out["deals"] if d.get("kind") == "client_contract"]
    assert contracts and all("legal fees" in said[f"{c}.costs"]["note"] for c in contracts)
    text = runner.invoke(
        app,
        [
            "deals",
            "compare",
            str(example_deals_path()),
            "--leads",
            str(leads),
            "--city",
            "London",
            "--season",
            "summer",
            "--method",
            "beta",
            "--draws",
            "0",
        ],
    )
    assert text.exit_code == 0 and "Forecast p" in text.stdout and "beta" in text.stdout


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (
            "[[deals]]\nname='a'\nkind='line'\nintercept=0\nslope=5\n[[deals]]\nname='b'\nkind='line'\nintercept=10\nslope=5\n",
            "never cross",
        ),
        (
            "[[deals]]\nname='a'\nkind='line'\nintercept=0\nslope=5\n[[deals]]\nname='b'\nkind='line'\nintercept=0\nslope=5\n",
            "identical",
        ),
        ("[[deals]]\nname='a'\nkind='line'\nintercept=0\nslope=5\n", "at least two"),
        ("[[deals]]\nname='a'\nkind='loan'\n", "kind"),
    ],
    ids=["parallel", "identical", "one-deal", "bad-kind"],
)
def test_degenerate_deals_exit_2(tmp_path, body, match):
    path = tmp_path / "deals.toml"
    path.write_text(body)
    res = runner.invoke(app, ["deals", "compare", str(path)])
    assert res.exit_code == 2
    assert match in res.stderr and "Traceback" not in res.output


def test_missing_deals_file_exit_2(tmp_path):
    res = runner.invoke(app, ["deals", "compare", str(tmp_path / "x.toml")])
    assert res.exit_code == 2 and "does not exist" in res.stderr


def test_tornado_table_covers_each_switch_point(tmp_path):
    from leadlever.simulations.deals import load_deals
    from leadlever.simulations.deals._compare import compare_deals, envelope_sensitivity

    res = compare_deals(load_deals(example_deals_path()).deals)
    table = envelope_sensitivity(res)
    assert set(table["pair"]) == {"retainer|lead_sale", "lead_sale|client_contract"}


def test_compare_carries_the_chance_level_model_warning_of_the_leads(tmp_path):
    from leadlever.simulations.world import simulate_leads

    leads = simulate_leads(400, seed=6).assign(p_convert=lambda d: d["true_p_convert"])
    plain, flagged = tmp_path / "plain.csv", tmp_path / "flagged.csv"
    leads.to_csv(plain, index=False)
    label = "no better than chance (AUC 0.49, 95% CI 0.45-0.53)"
    leads.assign(model_warning=label).to_csv(flagged, index=False)
    args = ["deals", "compare", str(example_deals_path()), "--json", "--draws", "2000", "--leads"]
    res = runner.invoke(app, [*args, str(flagged)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert len(out["warnings"]) == 1 and label in out["warnings"][0]
    assert label in res.stderr and "flagged.csv" in res.stderr
    res = runner.invoke(app, [*args, str(plain)])
    assert res.exit_code == 0 and json.loads(res.stdout)["warnings"] == []
