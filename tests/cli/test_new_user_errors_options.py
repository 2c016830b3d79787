"""New-user mistakes, continued: TOML files with typos, out-of-range options, misc."""

from __future__ import annotations

import pandas as pd
import pytest
from _new_user import COSTS_TOML, RULES_TOML, _ok, _user_error, runner

from leadlever.cli import app
from leadlever.simulations.deals import example_deals_path

# --------------------------------------------------------------------- TOML files with typos


def test_economics_toml_typo_suggests_key(work, tmp_path):
    costs = tmp_path / "economics.toml"
    costs.write_text(COSTS_TOML.replace("hourly_rate", "hourly_rat"))
    out = tmp_path / "roi.csv"
    res = runner.invoke(
        app,
        ["roi", "evaluate", str(work["open"]), "--threshold", "1.5", "--economics", str(costs),
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
    _user_error(res, "threshold")
    # the upper bound, in click's words (typer < 0.26) or typer's own
    assert "less than or equal to 1" in res.output or "0.0<=x<=1.0" in res.output, res.output


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
        ["price", "leads", str(work["open"]), "--target-margin", "30", "--c-high", "40",
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
        app, ["roi", "evaluate", str(work["open"]), "--threshold", "top140%", "--out", str(out)]
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
    leads = pd.read_csv(work["open"]).assign(created_at="2026-04-15")
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
