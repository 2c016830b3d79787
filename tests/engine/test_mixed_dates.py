"""A date column mixing ISO and regional dates (``2017-03-01`` next to ``03/15/2017``, as
after an edit in a spreadsheet) is read as dates, never as one category per day."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from leadlever.cli import app
from leadlever.engine.features import Preprocessor
from leadlever.engine.io import OutcomeSpec, inspect_table, parse_dates
from leadlever.simulations.world import simulate_export


def _mixed(dates: pd.Series, rng: np.random.Generator) -> pd.Series:
    """Half the cells rewritten as month/day/year."""
    parsed = pd.to_datetime(dates)
    us = parsed.dt.strftime("%m/%d/%Y")
    pick = rng.random(len(dates)) < 0.5
    return dates.where(~pick | dates.isna(), us)


def test_each_cell_is_read_in_its_own_format():
    rng = np.random.default_rng(2)
    truth = pd.Series(pd.date_range("2016-10-20", periods=400, freq="D").strftime("%Y-%m-%d"))
    mixed = _mixed(truth, rng)
    assert mixed.str.contains("/").any() and mixed.str.contains("-").any()
    parsed = parse_dates(mixed, column="engage_date")
    pd.testing.assert_series_equal(
        parsed.values, pd.to_datetime(truth).astype("datetime64[ns]"), check_names=False
    )
    assert "mixes two date formats" in parsed.note and "month/day/year" in parsed.format


def test_inspect_score_fit_and_qualify_fit_see_dates(tmp_path):
    rng = np.random.default_rng(5)
    export = simulate_export("pipeline", 1500, seed=3)[0]
    export["engage_date"] = _mixed(export["engage_date"], rng)
    path = tmp_path / "mixed.csv"
    export.to_csv(path, index=False)
    spec = OutcomeSpec("deal_stage", ("Won",), ("Lost",))
    column = inspect_table(export, outcome=spec).column("engage_date")
    assert column.kind == "date" and any("mixes two date formats" in w for w in column.warnings)
    # the features: the mixed date column is left out with a notice, not one level per day
    features = export[["engage_date", "sector", "product"]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pre = Preprocessor().fit(features)
    assert not any(n.startswith("engage_date") for n in pre.feature_names_)
    assert any("engage_date" in str(w.message) and "date" in str(w.message) for w in caught)
    # qualify fit reads it as the created date
    res = CliRunner().invoke(
        app,
        ["qualify", "fit", str(path), "--target", "deal_stage", "--won", "Won", "--lost", "Lost",
         "--created-col", "engage_date", "--closed-col", "close_date",
         "--bundle-out", str(tmp_path / "b.json"), "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "timing" in json.loads(res.stdout)["metrics"]


def test_score_fit_json_lists_the_date_column_it_left_out(tmp_path):
    """The notice went to stderr only; --json consumers saw no reason for the missing column."""
    rng = np.random.default_rng(5)
    n = 400
    days = pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 60, n), unit="D")
    iso, us = days.strftime("%Y-%m-%d").to_numpy(), days.strftime("%m/%d/%Y").to_numpy()
    engaged = np.where(rng.random(n) < 0.5, iso, us)  # 60 days, each in both formats
    visits = rng.poisson(3, n)
    won = (rng.random(n) < 1 / (1 + np.exp(-(visits - 3)))).astype(int)
    pd.DataFrame({"Engage Date": engaged, "visits": visits, "won": won}).to_csv(
        tmp_path / "d.csv", index=False
    )
    res = CliRunner().invoke(
        app, ["score", "fit", str(tmp_path / "d.csv"), "--target", "won", "--cv", "3", "--json"]
    )
    assert res.exit_code == 0, res.output
    (note,) = [w for w in json.loads(res.stdout)["warnings"] if "date column" in w]
    assert "['Engage Date']" in note


def test_looks_like_dates_reads_past_the_first_cells():
    """The first few cells are read first (a quick no); a yes still needs every sampled
    cell read in one format."""
    from leadlever.engine.io._dates import DATE_PROBE, looks_like_dates

    days = [f"{d:02d}/03/2024" for d in range(1, 29)]
    assert looks_like_dates(pd.Series(days))
    assert not looks_like_dates(pd.Series(days[: DATE_PROBE + 2] + ["02.Medium"] + days))
    assert not looks_like_dates(pd.Series(["02.Medium", "01.High"] + days))


def test_a_date_nanoseconds_cannot_hold_is_an_error_not_a_wrapped_date():
    """31/12/1600 read in nanoseconds would wrap into 2185 and pass the span check; it
    must be named as an error instead (outside the span, or not a date)."""
    from leadlever.engine.exceptions import InvalidValueError
    from leadlever.engine.io._dates import parse_dates

    with pytest.raises(InvalidValueError, match="row"):
        parse_dates(pd.Series(["31/12/1600", "01/02/2024", "15/03/2024"]), column="signed")
