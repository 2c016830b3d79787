"""The mistakes new users make, through the CLI: each must work or say what to do.

A user error exits with code 2, prints a message on stderr with the words a user
needs to fix it (asserted on key words, not the whole text), shows no traceback and
leaves no output file behind. Some "mistakes" are not mistakes at all: a `;` or tab
separated file, an Excel export with a byte-order mark and decimal commas, and a
Yes/No target column must simply work.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from leadlever.cli import app
from simulations import example_deals_path
from simulations.leads import TRUE_COLUMNS, simulate_leads

runner = CliRunner()

#: columns only known once a lead has closed (they leak the outcome)
LEAKS = (
    "days_to_convert",
    "placement_salary",
    "commission",
    "n_interactions",
    "effort_hours",
    "fit_feedback",
    "resale_value",
    "created_at",
)

CURVES_CSV = (
    "channel,curve,scale,half_saturation,shape,current_spend\n"
    "search,hill,340000,5000,1.6,3000\n"
    "social,hill,360000,8000,2.5,4000\n"
)

COSTS_TOML = "hourly_rate = 60.0\nlegal_fees = 300.0\nadmin_overhead = 40.0\n"

RULES_TOML = """[scoring]
hot_threshold = 50

[[criteria]]
name = "downloaded content"
column = "downloads"
op = ">="
value = 1
points = 50
kind = "behaviour"
"""


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> dict[str, Path]:
    """Small input files shared by the cases (never modified by them)."""
    d = tmp_path_factory.mktemp("inputs")
    leads = simulate_leads(400, seed=5)
    leads = leads.drop(columns=[*TRUE_COLUMNS, *LEAKS])
    closed = leads[leads["converted"].notna()].reset_index(drop=True)
    closed["converted"] = closed["converted"].astype(int)
    paths = {"closed": d / "closed.csv", "dir": d}
    closed.to_csv(paths["closed"], index=False)
    rng = np.random.default_rng(0)
    scored = closed.assign(p_convert=np.clip(rng.beta(2, 4, len(closed)), 0.01, 0.99))
    paths["scored"] = d / "scored.csv"
    scored.to_csv(paths["scored"], index=False)
    paths["model"] = d / "model.json"
    res = runner.invoke(
        app,
        [
            "score", "fit", str(paths["closed"]), "--target", "converted", "--cv", "2",
            "--model-out", str(paths["model"]),
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    paths["curves"] = d / "curves.csv"
    paths["curves"].write_text(CURVES_CSV)
    paths["rules"] = d / "rules.toml"
    paths["rules"].write_text(RULES_TOML)
    paths["costs"] = d / "costs.toml"
    paths["costs"].write_text(COSTS_TOML)
    paths["team"] = d / "team.csv"
    paths["team"].write_text("name,weekly_hours,seniority\nAna,40,senior\nBen,32,mid\n")
    profile = scored[["lead_id", "p_convert"]].assign(
        p_convert_180d=0.4,
        expected_effort_hours=8.0,
        expected_commission=20000.0,
        p_fit=0.7,
        expected_resale_value=300.0,
        expected_value=lambda f: f["p_convert"] * 20000.0 - 480.0,
    )
    paths["profile"] = d / "profile.csv"
    profile.to_csv(paths["profile"], index=False)
    return paths


def _user_error(result, *words: str, out: Path | None = None) -> None:
    """Exit code 2, every key word in the message, no traceback, no output file."""
    text = result.output  # stdout + stderr
    assert result.exit_code == 2, f"exit {result.exit_code}: {text}"
    assert "Traceback" not in text, text
    low = text.lower()
    for word in words:
        assert word.lower() in low, f"{word!r} not in message: {text}"
    if out is not None:
        assert not out.exists(), f"{out} was written despite the error"


def _ok(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --------------------------------------------------------------------- file formats


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_other_delimiters_just_work(work, tmp_path, sep):
    src = pd.read_csv(work["scored"])
    path = tmp_path / "scored.csv"
    src.to_csv(path, sep=sep, index=False)
    out = _ok(
        runner.invoke(app, ["score", "evaluate", str(path), "--target", "converted", "--json"])
    )
    assert out["n"] == len(src)


def test_excel_export_bom_semicolons_decimal_commas_yes_no(work, tmp_path):
    """What Excel writes in a comma-decimal locale ("CSV UTF-8" with ; and 0,25)."""
    src = pd.read_csv(work["scored"])
    src["converted"] = np.where(src["converted"] == 1, "Yes", "No")
    path = tmp_path / "export.csv"
    path.write_bytes(src.to_csv(sep=";", decimal=",", index=False).encode("utf-8-sig"))
    out = _ok(
        runner.invoke(app, ["score", "evaluate", str(path), "--target", "converted", "--json"])
    )
    assert out["n"] == len(src)
    assert out["base_rate"] == pytest.approx((src["converted"] == "Yes").mean())
    # the same export prices leads: the decimal-comma p_convert column is numeric
    priced = tmp_path / "priced.csv"
    res = runner.invoke(
        app,
        ["price", "leads", str(path), "--target-margin", "0.3", "--c-high", "40",
         "--c-low", "20", "--out", str(priced), "--json"],
    )  # fmt: skip
    assert _ok(res)["n_leads"] == len(src)


def test_yes_no_target_fits(work, tmp_path):
    src = pd.read_csv(work["closed"])
    src["converted"] = np.where(src["converted"] == 1, "yes", "no")
    path = tmp_path / "yes_no.csv"
    src.to_csv(path, index=False)
    res = runner.invoke(
        app, ["score", "fit", str(path), "--target", "converted", "--cv", "2", "--json"]
    )
    assert _ok(res)["n_rows"] == len(src)


def test_target_that_is_not_binary(work, tmp_path):
    src = pd.read_csv(work["closed"])
    path = tmp_path / "t.csv"
    src.assign(converted=np.where(src["converted"] == 1, "won", "maybe")).to_csv(path, index=False)
    model = tmp_path / "m.json"
    res = runner.invoke(
        app, ["score", "fit", str(path), "--target", "converted", "--model-out", str(model)]
    )
    _user_error(res, "converted", "yes/no", out=model)


def test_missing_file(work, tmp_path):
    out = tmp_path / "scored.csv"
    res = runner.invoke(app, ["score", "apply", str(work["model"]), "nope.csv", "--out", str(out)])
    _user_error(res, "nope.csv", "does not exist", "check the path", out=out)


def test_excel_workbook(work, tmp_path):
    path = tmp_path / "leads.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    out = tmp_path / "scored.csv"
    res = runner.invoke(app, ["score", "apply", str(work["model"]), str(path), "--out", str(out)])
    _user_error(res, "leads.xlsx", "csv", out=out)


def test_empty_file(work, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    model = tmp_path / "m.json"
    res = runner.invoke(
        app, ["score", "fit", str(path), "--target", "converted", "--model-out", str(model)]
    )
    _user_error(res, "empty.csv", "empty", out=model)


def test_header_only_file(work, tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("lead_id,channel,p_convert\n")
    out = tmp_path / "roi.csv"
    res = runner.invoke(
        app, ["roi", "evaluate", str(path), "--threshold", "1.5", "--out", str(out)]
    )
    _user_error(res, "header.csv", "no data rows", out=out)


def test_unsupported_output_extension(work, tmp_path):
    out = tmp_path / "scored.xlsx"
    res = runner.invoke(
        app, ["score", "apply", str(work["model"]), str(work["scored"]), "--out", str(out)]
    )
    _user_error(res, "xlsx", ".csv", out=out)


# --------------------------------------------------------------------- columns and values


def test_misspelt_target_suggests_closest(work, tmp_path):
    model = tmp_path / "m.json"
    res = runner.invoke(
        app,
        ["score", "fit", str(work["closed"]), "--target", "convertd", "--model-out", str(model)],
    )
    _user_error(res, "convertd", "did you mean", "'converted'", out=model)


def test_misspelt_probability_column_suggests_closest(work):
    res = runner.invoke(
        app,
        ["score", "evaluate", str(work["scored"]), "--target", "converted",
         "--prob-col", "p_conver"],
    )  # fmt: skip
    _user_error(res, "p_conver", "p_convert")


def test_renamed_probability_column_for_pricing(work, tmp_path):
    path = tmp_path / "s.csv"
    pd.read_csv(work["scored"]).rename(columns={"p_convert": "P_Convert"}).to_csv(path, index=False)
    out = tmp_path / "priced.csv"
    res = runner.invoke(
        app,
        ["price", "leads", str(path), "--target-margin", "0.3", "--c-high", "40",
         "--c-low", "20", "--out", str(out)],
    )  # fmt: skip
    _user_error(res, "p_convert", "P_Convert", out=out)


def _percent(work, tmp_path) -> Path:
    path = tmp_path / "percent.csv"
    src = pd.read_csv(work["scored"])
    src.assign(p_convert=(src["p_convert"] * 100).round(1)).to_csv(path, index=False)
    return path


def test_probability_in_percent_evaluate(work, tmp_path):
    res = runner.invoke(
        app, ["score", "evaluate", str(_percent(work, tmp_path)), "--target", "converted"]
    )
    _user_error(res, "p_convert", "100")


def test_probability_in_percent_roi(work, tmp_path):
    out = tmp_path / "roi.csv"
    res = runner.invoke(
        app,
        ["roi", "evaluate", str(_percent(work, tmp_path)), "--threshold", "1.5", "--out", str(out)],
    )
    _user_error(res, "p_convert", "percent", "100", out=out)


def test_probability_in_percent_price(work, tmp_path):
    out = tmp_path / "priced.csv"
    res = runner.invoke(
        app,
        ["price", "leads", str(_percent(work, tmp_path)), "--target-margin", "0.3",
         "--c-high", "40", "--c-low", "20", "--out", str(out)],
    )  # fmt: skip
    _user_error(res, "p_convert", "100", out=out)


def test_probability_in_percent_deals(work, tmp_path):
    res = runner.invoke(
        app,
        ["deals", "compare", str(example_deals_path()), "--leads", str(_percent(work, tmp_path))],
    )
    _user_error(res, "p_convert", "100")


def test_probability_in_percent_campaign(work, tmp_path):
    state = tmp_path / "loop.json"
    split0 = tmp_path / "split0.csv"
    first = runner.invoke(
        app,
        ["campaign", "step", "--state", str(state), "--budget", "1000",
         "--channels", "professional_network,job_board_a,job_board_b,search_ads,social,referral",
         "--out", str(split0)],
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    before = state.read_bytes()
    leads = tmp_path / "week.csv"
    src = pd.read_csv(_percent(work, tmp_path))
    src.assign(commission=20000.0).to_csv(leads, index=False)
    out = tmp_path / "split1.csv"
    res = runner.invoke(
        app,
        ["campaign", "step", "--state", str(state), "--budget", "1000", "--leads", str(leads),
         "--out", str(out)],
    )  # fmt: skip
    _user_error(res, "p_convert", "100", out=out)
    assert state.read_bytes() == before, "the state changed although the step failed"


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf"])
def test_nan_inf_in_number_column(work, tmp_path, bad):
    src = pd.read_csv(work["scored"]).astype({"p_convert": object})
    src.loc[3, "p_convert"] = bad
    path = tmp_path / "bad.csv"
    src.to_csv(path, index=False)
    out = tmp_path / "roi.csv"
    res = runner.invoke(
        app, ["roi", "evaluate", str(path), "--threshold", "1.5", "--out", str(out)]
    )
    _user_error(res, "p_convert", "row", out=out)


def test_text_in_number_column_names_row(work, tmp_path):
    src = pd.read_csv(work["scored"]).astype({"p_convert": object})
    src.loc[6, "p_convert"] = "high"
    path = tmp_path / "bad.csv"
    src.to_csv(path, index=False)
    out = tmp_path / "priced.csv"
    res = runner.invoke(
        app,
        ["price", "leads", str(path), "--target-margin", "0.3", "--c-high", "40",
         "--c-low", "20", "--out", str(out)],
    )  # fmt: skip
    _user_error(res, "p_convert", "high", out=out)


def test_inf_in_curves_file(work, tmp_path):
    path = tmp_path / "curves.csv"
    path.write_text(CURVES_CSV.replace("340000", "inf"))
    res = runner.invoke(app, ["allocate", "solve", str(path), "--budget", "5000"])
    _user_error(res, "scale", "row 1 holds", "infinite", "finite number")


def test_plan_consultants_file_with_typo(work, tmp_path):
    team = tmp_path / "team.csv"
    team.write_text("name,weekly_hour,seniority\nAna,40,senior\n")
    out = tmp_path / "queue.csv"
    res = runner.invoke(
        app, ["plan", str(work["profile"]), "--consultants", str(team), "--out", str(out)]
    )
    _user_error(res, "weekly_hour", "weekly_hours", out=out)


# --------------------------------------------------------------------- TOML files with typos


def test_costs_toml_typo_suggests_key(work, tmp_path):
    costs = tmp_path / "costs.toml"
    costs.write_text(COSTS_TOML.replace("hourly_rate", "hourly_rat"))
    out = tmp_path / "roi.csv"
    res = runner.invoke(
        app,
        ["roi", "evaluate", str(work["scored"]), "--threshold", "1.5", "--costs", str(costs),
         "--out", str(out)],
    )  # fmt: skip
    _user_error(res, "hourly_rat", "hourly_rate", out=out)


def test_deals_toml_typo_suggests_key(tmp_path):
    deals = tmp_path / "deals.toml"
    deals.write_text(example_deals_path().read_text().replace("commission =", "comission =", 1))
    res = runner.invoke(app, ["deals", "compare", str(deals)])
    _user_error(res, "comission", "commission")


def test_rules_toml_typo_suggests_key(work, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES_TOML.replace("points = 50", "pionts = 50"))
    out = tmp_path / "points.csv"
    res = runner.invoke(app, ["score", "rules", str(rules), str(work["closed"]), "--out", str(out)])
    _user_error(res, "pionts", "points", out=out)


def test_broken_toml_syntax(work, tmp_path):
    deals = tmp_path / "deals.toml"
    deals.write_text('[[deals]\nname = "a"\n')
    res = runner.invoke(app, ["deals", "compare", str(deals)])
    _user_error(res, "deals.toml", "toml")


# --------------------------------------------------------------------- out-of-range options


def test_threshold_out_of_range(work):
    res = runner.invoke(
        app,
        ["score", "evaluate", str(work["scored"]), "--target", "converted", "--threshold", "1.5"],
    )
    _user_error(res, "threshold", "less than or equal to 1")


def test_cv_out_of_range(work, tmp_path):
    model = tmp_path / "m.json"
    res = runner.invoke(
        app,
        ["score", "fit", str(work["closed"]), "--target", "converted", "--cv", "1",
         "--model-out", str(model)],
    )  # fmt: skip
    _user_error(res, "cv", out=model)


def test_negative_budget(work):
    res = runner.invoke(app, ["allocate", "solve", str(work["curves"]), "--budget", "-100"])
    _user_error(res, "budget")


def test_confidence_out_of_range(work, tmp_path):
    out = tmp_path / "priced.csv"
    res = runner.invoke(
        app,
        ["price", "leads", str(work["scored"]), "--target-margin", "0.3", "--confidence", "1.5",
         "--c-high", "40", "--c-low", "20", "--out", str(out)],
    )  # fmt: skip
    _user_error(res, "confidence", out=out)


def test_margin_of_100_percent(work, tmp_path):
    out = tmp_path / "priced.csv"
    res = runner.invoke(
        app,
        ["price", "leads", str(work["scored"]), "--target-margin", "30", "--c-high", "40",
         "--c-low", "20", "--out", str(out)],
    )  # fmt: skip
    _user_error(res, "margin", out=out)


def test_price_share_out_of_range():
    res = runner.invoke(
        app,
        ["price", "--p", "30", "--r-high", "500", "--c-high", "120", "--r-low", "80",
         "--c-low", "40"],
    )  # fmt: skip
    _user_error(res, "p", "[0, 1]")


def test_plan_odds_factor_out_of_range(work, tmp_path):
    out = tmp_path / "queue.csv"
    res = runner.invoke(
        app,
        ["plan", str(work["profile"]), "--consultants", str(work["team"]), "--out", str(out),
         "--odds-factor", "0"],
    )  # fmt: skip
    _user_error(res, "odds", out=out)


def test_campaign_negative_budget(tmp_path):
    out = tmp_path / "split.csv"
    state = tmp_path / "loop.json"
    res = runner.invoke(
        app,
        ["campaign", "step", "--state", str(state), "--budget", "-5", "--channels", "a,b",
         "--out", str(out)],
    )  # fmt: skip
    _user_error(res, "budget", out=out)
    assert not state.exists()


def test_deals_unknown_season(tmp_path, work):
    res = runner.invoke(
        app,
        ["deals", "compare", str(example_deals_path()), "--leads", str(work["scored"]),
         "--season", "autum"],
    )  # fmt: skip
    _user_error(res, "autum", "autumn")


def test_roi_bad_threshold_rule(work, tmp_path):
    out = tmp_path / "roi.csv"
    res = runner.invoke(
        app, ["roi", "evaluate", str(work["scored"]), "--threshold", "top140%", "--out", str(out)]
    )
    _user_error(res, "threshold", out=out)


def test_library_warnings_are_one_readable_line(work, tmp_path):
    """A warning reaches the user as 'Warning: ...', not as a source-code excerpt."""
    src = pd.read_csv(work["closed"]).assign(true_p_convert=0.5)
    path = tmp_path / "with_truth.csv"
    src.to_csv(path, index=False)
    res = runner.invoke(app, ["score", "fit", str(path), "--target", "converted", "--cv", "2"])
    assert res.exit_code == 0, res.output
    assert "Warning: Excluded outcome and ground-truth column(s)" in res.stderr
    assert "'true_p_convert'" in res.stderr
    assert "pre.fit(X)" not in res.stderr and ".py:" not in res.stderr


def test_deals_city_in_lower_case_and_unknown_city(work, tmp_path):
    leads = pd.read_csv(work["scored"]).assign(created_at="2026-04-15")
    city = str(leads["city"].mode()[0])
    path = tmp_path / "scored.csv"
    leads.to_csv(path, index=False)
    args = ["deals", "compare", str(example_deals_path()), "--leads", str(path)]
    res = runner.invoke(app, [*args, "--city", city.lower(), "--season", "spring", "--json"])
    out = _ok(res)
    assert out["p_forecast"]["n_leads"] > 0
    res = runner.invoke(app, [*args, "--city", city[:-1] + "x"])
    _user_error(res, "no lead has city", f"did you mean '{city}'")


def test_history_given_where_curves_are_needed(tmp_path):
    history = tmp_path / "channels.csv"
    res = runner.invoke(app, ["simulate", "channels", "--weeks", "8", "--out", str(history)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["allocate", "solve", str(history), "--budget", "1000"])
    _user_error(res, "channels.csv", "channel history", "allocate fit")


def test_wrong_kind_of_model_file(work, tmp_path):
    out = tmp_path / "profile.csv"
    res = runner.invoke(
        app, ["qualify", "apply", str(work["model"]), str(work["scored"]), "--out", str(out)]
    )
    _user_error(res, "model.json", "qualify fit", out=out)
    state = tmp_path / "copy.json"
    state.write_bytes(work["model"].read_bytes())
    res = runner.invoke(
        app, ["campaign", "step", "--state", str(state), "--budget", "100", "--out", str(out)]
    )
    _user_error(res, "copy.json", "campaign", out=out)
    assert state.read_bytes() == work["model"].read_bytes()


def test_excel_export_with_decimal_commas_fits_like_the_plain_file(work, tmp_path):
    """Decimal-comma numbers are numbers, not categories or ids, in `score fit` too."""
    src = pd.read_csv(work["closed"])
    plain, excel = tmp_path / "plain.csv", tmp_path / "excel.csv"
    src.to_csv(plain, index=False)
    excel.write_bytes(src.to_csv(sep=";", decimal=",", index=False).encode("utf-8-sig"))
    assert "0," in excel.read_text(encoding="utf-8-sig")  # the export really has decimal commas
    fits = [
        _ok(
            runner.invoke(
                app, ["score", "fit", str(p), "--target", "converted", "--cv", "2", "--json"]
            )
        )  # fmt: skip
        for p in (plain, excel)
    ]
    assert fits[1]["n_features"] == fits[0]["n_features"]
    assert fits[1]["auc"] == pytest.approx(fits[0]["auc"], abs=1e-9)
