"""Every command that recommends on leads finds the outcome column of a real export.

The leads are simulated and saved like CRM exports: the outcome as ``Converted`` (1.0/0.0),
a ``deal_stage`` (Won/Lost/Engaging/Prospecting) or the bank's ``y`` (yes/no), open leads
mixed in. Each command must leave the closed ones out (counted in ``n_closed_excluded``),
name the column it took, and act exactly as on the same export with the closed rows
removed by hand.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from _new_user import COSTS_TOML, runner

from leadlever.cli import app
from leadlever.simulations.deals import example_deals_path
from leadlever.simulations.examples import example_path
from leadlever.simulations.world import simulate_leads

CODINGS = {
    # column: (won, lost, open values)
    "Converted": (1.0, 0.0, (np.nan,)),
    "deal_stage": ("Won", "Lost", ("Engaging", "Prospecting")),
    "y": ("yes", "no", ("",)),
}


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    d = tmp_path_factory.mktemp("outcomes")
    leads = simulate_leads(600, seed=21)
    rng = np.random.default_rng(3)
    converted = leads["converted"].to_numpy(dtype=float)
    # a third of the closed leads are reopened: the export mixes open and closed leads
    converted[rng.random(len(leads)) < 0.3] = np.nan
    base = pd.DataFrame(
        {
            "lead_id": leads["lead_id"],
            "p_convert": leads["true_p_convert"].round(4),
            "role_category": leads["role_category"],
            "country": leads["country"],
            "channel": leads["channel"],
            "city": leads["city"],
            "created_at": leads["created_at"],
        }
    )
    paths = {"dir": d, "economics": d / "economics.toml", "team": d / "team.csv"}
    paths["economics"].write_text(COSTS_TOML + "generation_cost = 40.0\n")
    paths["team"].write_text("name,weekly_hours,seniority\nAna,40,senior\nBen,32,mid\n")
    is_open = np.isnan(converted)
    for column, (won, lost, open_values) in CODINGS.items():
        values = np.where(converted == 1, won, lost).astype(object)
        values[is_open] = rng.choice(np.array(open_values, dtype=object), is_open.sum())
        frame = base.assign(**{column: values})
        paths[column] = d / f"{column}.csv"
        frame.to_csv(paths[column], index=False)
        paths[column + "_open"] = d / f"{column}_open.csv"
        frame.loc[is_open].to_csv(paths[column + "_open"], index=False)
    paths["open_ids"] = set(base.loc[is_open, "lead_id"])
    paths["n_closed"] = int((~is_open).sum())
    assert 0 < paths["n_closed"] < len(base)
    return paths


def _run(*args):
    res = runner.invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res


@pytest.mark.parametrize("column", list(CODINGS))
def test_price_leads_leaves_out_the_closed_leads_of_any_outcome_column(exports, column):
    out, out_open = exports["dir"] / f"p_{column}.csv", exports["dir"] / f"po_{column}.csv"
    res = _run("price", "leads", exports[column], "--target-margin", "0.3", "--economics",
               exports["economics"], "--out", out, "--json")  # fmt: skip
    data = json.loads(res.stdout)
    assert data["n_closed_excluded"] == exports["n_closed"]
    assert any(f"'{column}'" in n and "outcome column" in n for n in data["notes"])
    priced = pd.read_csv(out)
    assert set(priced["lead_id"]) == exports["open_ids"]
    _run("price", "leads", exports[column + "_open"], "--target-margin", "0.3", "--economics",
         exports["economics"], "--out", out_open)  # fmt: skip
    pd.testing.assert_frame_equal(priced, pd.read_csv(out_open))


@pytest.mark.parametrize("column", list(CODINGS))
def test_plan_and_roi_act_on_open_leads_only(exports, column):
    queue = exports["dir"] / f"q_{column}.csv"
    res = _run("plan", exports[column], "--consultants", exports["team"], "--out", queue,
               "--economics", exports["economics"], "--json")  # fmt: skip
    assert json.loads(res.stdout)["n_closed_excluded"] == exports["n_closed"]
    assert set(pd.read_csv(queue)["lead_id"]) == exports["open_ids"]
    res = _run("roi", "evaluate", exports[column], "--threshold", "top40%", "--json")
    data = json.loads(res.stdout)
    assert data["n_closed_excluded"] == exports["n_closed"]
    assert data["n"] == len(exports["open_ids"])
    contacts = exports["dir"] / f"c_{column}.csv"
    res = _run("roi", "target", exports[column], "--value-per-conversion", "900",
               "--cost-per-contact", "30", "--out", contacts, "--json")  # fmt: skip
    data = json.loads(res.stdout)
    assert data["n_closed_excluded"] == exports["n_closed"] and data["n"] == len(
        exports["open_ids"]
    )
    listed = pd.read_csv(contacts)
    assert set(listed["lead_id"]) <= exports["open_ids"] and len(listed) == data["n_contact"]


def test_package_never_sells_a_closed_lead(exports):
    out = exports["dir"] / "pk.csv"
    res = _run("package", exports["deal_stage"], example_path("example_buyers.toml"),
               "--out", out, "--json")  # fmt: skip
    assert json.loads(res.stdout)["n_closed_excluded"] == exports["n_closed"]
    sold = pd.read_csv(out)
    assert len(sold) and set(sold["lead_id"]) <= exports["open_ids"]


def test_deals_compare_forecasts_from_open_leads(exports):
    args = ("deals", "compare", example_deals_path(), "--json", "--draws", "2000")
    mixed = json.loads(_run(*args, "--leads", exports["y"]).stdout)
    alone = json.loads(_run(*args, "--leads", exports["y_open"]).stdout)
    assert mixed["p_forecast"] == alone["p_forecast"]
    assert mixed["n_closed_excluded"] == exports["n_closed"] and alone["n_closed_excluded"] == 0
    assert any("'y'" in n for n in mixed["notes"])


def test_the_human_output_names_the_outcome_column(exports):
    res = _run("roi", "target", exports["Converted"], "--value-per-conversion", "900",
               "--cost-per-contact", "30", "--out", exports["dir"] / "h.csv")  # fmt: skip
    assert "'Converted'" in res.stderr and f"{exports['n_closed']:,} closed" in res.stderr


def test_target_names_a_stage_column_and_a_past_campaign_is_still_evaluated(exports):
    # --target with --won/--lost: the same leads left out as found automatically
    res = _run("price", "leads", exports["deal_stage"], "--target-margin", "0.3", "--target",
               "deal_stage", "--won", "Won", "--lost", "Lost", "--economics",
               exports["economics"], "--out", exports["dir"] / "t.csv", "--json")  # fmt: skip
    assert json.loads(res.stdout)["n_closed_excluded"] == exports["n_closed"]
    # roi target --target evaluates the rule on the closed leads (a past campaign)
    res = _run("roi", "target", exports["deal_stage"], "--value-per-conversion", "900",
               "--cost-per-contact", "30", "--target", "deal_stage", "--won", "Won", "--lost",
               "Lost", "--out", exports["dir"] / "b.csv", "--json")  # fmt: skip
    data = json.loads(res.stdout)
    assert data["n"] == exports["n_closed"] and data["realised_profit"] is not None


def test_all_closed_contact_list_says_how_to_evaluate_the_past_campaign(exports, tmp_path):
    frame = pd.read_csv(exports["Converted"]).dropna(subset=["Converted"])
    path = tmp_path / "closed.csv"
    frame.to_csv(path, index=False)
    res = runner.invoke(app, ["roi", "target", str(path), "--value-per-conversion", "900",
                              "--cost-per-contact", "30", "--out", str(tmp_path / "c.csv")])  # fmt: skip
    assert res.exit_code == 2
    assert "no open leads" in res.output and "--target 'Converted'" in res.output


def test_won_without_target_is_an_error(exports):
    res = runner.invoke(app, ["roi", "evaluate", str(exports["y"]), "--threshold", "top40%",
                              "--won", "yes", "--lost", "no"])  # fmt: skip
    assert res.exit_code == 2 and "--target" in res.output


def test_roi_target_reads_the_oof_outcome_coded_1_0_with_the_stage_flags(tmp_path):
    from leadlever.simulations.world import simulate_export

    export = simulate_export("pipeline", 1200, seed=4)[0]
    history, oof = tmp_path / "pipe.csv", tmp_path / "oof.csv"
    export.to_csv(history, index=False)
    stages = ("--target", "deal_stage", "--won", "Won", "--lost", "Lost")
    _run("score", "fit", history, *stages, "--cv", "2", "--oof-out", oof,
         "--drop", "close_date,close_value")  # fmt: skip
    written = pd.read_csv(oof)
    assert set(written["deal_stage"].dropna().unique()) <= {0, 1}  # coded by score fit
    res = _run("roi", "target", oof, *stages, "--value-per-conversion", "2000",
               "--cost-per-contact", "900", "--out", tmp_path / "c.csv", "--json")  # fmt: skip
    data = json.loads(res.stdout)
    assert any("already coded 1/0" in n for n in data["notes"])
    # the realised profit, recomputed from the oof file by hand
    p, y = written["p_convert"].to_numpy(), written["deal_stage"].to_numpy(dtype=float)
    chosen = p * 2000 - 900 > 0
    assert data["realised_profit"] == pytest.approx(2000 * y[chosen].sum() - 900 * chosen.sum())


def test_qualify_fit_date_errors_name_the_file(tmp_path):
    from leadlever.simulations.world import simulate_export

    export = simulate_export("pipeline", 600, seed=4)[0]
    export.loc[3, "engage_date"] = "soon"
    path = tmp_path / "bad_dates.csv"
    export.to_csv(path, index=False)
    res = runner.invoke(app, ["qualify", "fit", str(path), "--target", "deal_stage", "--won",
                              "Won", "--lost", "Lost", "--created-col", "engage_date",
                              "--closed-col", "close_date", "--bundle-out",
                              str(tmp_path / "b.json")])  # fmt: skip
    assert res.exit_code == 2 and "bad_dates.csv" in res.output and "engage_date" in res.output


def test_qualify_apply_finds_the_outcome_under_another_name(tmp_path):
    from qualify_fixtures import bundle, leads

    bundle().save(tmp_path / "models.json")  # fitted on the shared 'converted' column
    frame = leads(800, 12).rename(columns={"converted": "Converted"})
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False)
    res = _run("qualify", "apply", tmp_path / "models.json", path, "--out",
               tmp_path / "profile.csv", "--json")  # fmt: skip
    data = json.loads(res.stdout)
    is_open = frame["Converted"].isna()
    assert data["n_closed_excluded"] == int((~is_open).sum()) > 0
    assert any("'Converted'" in n for n in data["notes"])
    profile = pd.read_csv(tmp_path / "profile.csv")
    assert set(profile["lead_id"]) == set(frame.loc[is_open, "lead_id"])


def test_qualify_apply_takes_target_won_lost(tmp_path):
    from qualify_fixtures import bundle, leads

    bundle().save(tmp_path / "models.json")
    frame = leads(800, 14)
    code = frame.pop("converted").map({1.0: "W", 0.0: "L"})
    frame["result_code"] = code  # a coding no name or value rule recognises
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False)
    args = ("qualify", "apply", tmp_path / "models.json", path, "--out", tmp_path / "p.csv")
    res = _run(*args, "--target", "result_code", "--won", "W", "--lost", "L", "--json")
    is_open = code.isna()
    assert json.loads(res.stdout)["n_closed_excluded"] == int((~is_open).sum()) > 0
    assert set(pd.read_csv(tmp_path / "p.csv")["lead_id"]) == set(frame.loc[is_open, "lead_id"])
    # without --target nothing tells which leads are closed: all profiled, and said so
    res = _run(*args, "--json")
    assert json.loads(res.stdout)["n_closed_excluded"] == 0
