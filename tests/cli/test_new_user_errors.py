"""The mistakes new users make, through the CLI: each must work or say what to do.

A user error exits with code 2, prints a message on stderr with the words a user
needs to fix it (asserted on key words, not the whole text), shows no traceback and
leaves no output file behind. Some "mistakes" are not mistakes at all: a `;` or tab
separated file, an Excel export with a byte-order mark and decimal commas, and a
Yes/No target column must simply work.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _new_user import CURVES_CSV, _ok, _user_error, runner

from leadlever.cli import app
from leadlever.simulations.deals import example_deals_path

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
    # the same export prices leads: the decimal-comma p_convert column is numeric; its leads
    # are all closed (Yes/No), so none is for sale ...
    priced = tmp_path / "priced.csv"
    args = ["price", "leads", str(path), "--target-margin", "0.3", "--c-high", "40",
            "--c-low", "20", "--out", str(priced), "--json"]  # fmt: skip
    _user_error(runner.invoke(app, args), "no open leads", out=priced)
    # ... and without the outcome column every lead is open and priced
    path.write_bytes(
        src.drop(columns="converted").to_csv(sep=";", decimal=",", index=False).encode("utf-8-sig")
    )
    assert _ok(runner.invoke(app, args))["n_leads"] == len(src)


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
