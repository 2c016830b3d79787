"""Ad-platform exports as reviewers bring them: period names such as ``reporting_start``,
day-first dates, wide marketing-mix tables, channel names in another case, and the solve
table's current spend at another budget. Exports are simulated (the truth is known) and
saved the way the real ones are."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from leadlever.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def _weeks_with_seven_days(dates: pd.Series) -> int:
    """Monday-start weeks holding all 7 days (the documented weekly aggregation)."""
    days = pd.Series(pd.to_datetime(dates).unique())
    monday = days - pd.to_timedelta(days.dt.day_of_week, unit="D")
    return int((monday.value_counts() == 7).sum())


@pytest.fixture(scope="module")
def daily_export(tmp_path_factory):
    d = tmp_path_factory.mktemp("exports")
    res = run(
        "simulate",
        "channels",
        "--world",
        "random",
        "--channels",
        3,
        "--style",
        "platform",
        "--daily",
        "--weeks",
        20,
        "--seed",
        4,
        "--out",
        d / "daily.csv",
    )
    assert res.exit_code == 0, res.output
    return d, pd.read_csv(d / "daily.csv")


@pytest.mark.parametrize("name", ["reporting_start", "Reporting Start", "DAY", "date"])
def test_period_column_found_by_normalised_name_and_rows_counted(daily_export, name):
    d, export = daily_export
    frame = export.rename(columns={"Day": name})
    # written day-first, as the Facebook ads export does
    frame[name] = pd.to_datetime(frame[name]).dt.strftime("%d/%m/%Y")
    path = d / f"{name.replace(' ', '_')}.csv"
    frame.to_csv(path, index=False)
    weeks = _weeks_with_seven_days(export["Day"])
    channels = export["Campaign name"].nunique()
    res = run("allocate", "fit", path, "--out", d / "c.csv")
    assert res.exit_code == 0, res.output
    assert f"{len(frame):,} rows → {weeks} weekly observations of {channels} channels" in res.stdout
    res = run("allocate", "fit", path, "--out", d / "c.csv", "--json")
    body = json.loads(res.stdout)
    assert body["n_periods"] == weeks
    assert {"name": "period column", "value": name, "source": "data"} in body["assumptions"]


def test_day_first_dates_are_read_as_one_format():
    from leadlever.optimisers.curves._columns import period_kind

    days = pd.date_range("2017-09-01", "2017-09-30", freq="D")
    kind, parsed = period_kind(pd.Series(days.strftime("%d/%m/%Y"), name="reporting_start"))
    assert kind == "dates"
    assert list(parsed) == list(days)  # 05/09/2017 is the 5th of September, not the 9th of May


def _ads_over_two_weeks(n: int, seed: int) -> pd.DataFrame:
    """One row per ad and day over 14 days from a Thursday (like the Kaggle export)."""
    rng = np.random.default_rng(seed)
    day = pd.Timestamp("2017-08-17") + pd.to_timedelta(rng.integers(0, 14, n), "D")
    spent = np.round(rng.gamma(1.5, 20, n), 2)
    return pd.DataFrame(
        {
            "ad_id": np.arange(n),
            "reporting_start": day.strftime("%d/%m/%Y"),
            "reporting_end": day.strftime("%d/%m/%Y"),
            "campaign_id": rng.choice([916, 936, 1178], n),
            "interest": rng.choice([2, 7, 10, 15, 16], n),
            "Impressions": rng.integers(100, 5000, n),
            "Spent": spent,
            "Approved_Conversion": rng.poisson(0.5 + spent / 40),
        }
    )


def test_short_daily_ads_export_is_refused_with_the_true_counts(tmp_path):
    ads = _ads_over_two_weeks(600, 1)
    path = tmp_path / "fb_ads.csv"
    ads.to_csv(path, index=False)
    dates = pd.to_datetime(ads["reporting_start"], format="%d/%m/%Y")
    weeks = _weeks_with_seven_days(dates)
    res = run("allocate", "fit", path, "--out", tmp_path / "c.csv")
    assert res.exit_code == 2, res.output
    assert f"'{path}'" in res.output and "--period-col ''" in res.output
    assert f"600 rows → {weeks} weekly observation" in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fb_ads.csv"]
    # every ad as an independent observation, when asked for
    res = run("allocate", "fit", path, "--period-col", "", "--out", tmp_path / "c.csv")
    assert res.exit_code == 0, res.output
    n_int = ads["interest"].nunique()
    assert f"600 rows → 600 independent observations (no period column) of {n_int} channels" in (
        res.stdout
    )


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    """A simulated history pivoted to a marketing-mix table: one spend column per channel."""
    d = tmp_path_factory.mktemp("wide")
    res = run("simulate", "channels", "--weeks", 104, "--seed", 2, "--out", d / "long.csv")
    assert res.exit_code == 0, res.output
    long = pd.read_csv(d / "long.csv")
    spend = long.pivot(index="week", columns="channel", values="spend")
    table = pd.DataFrame({"DATE": spend.index})
    table["revenue"] = long.groupby("week")["value"].sum().reindex(spend.index).to_numpy()
    for c in spend.columns:
        table[f"{c}_S"] = spend[c].to_numpy()
    table["competitor_sales_B"] = 1000.0 + np.arange(len(table))
    table.to_csv(d / "wide.csv", index=False)
    return d, table, list(spend.columns)


def test_wide_table_is_read_with_a_notice(wide):
    d, table, channels = wide
    res = run("allocate", "fit", d / "wide.csv", "--out", d / "wc.csv", "--draws", 20, "--json")
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout)
    assert [c["channel"] for c in body["channels"]] == channels
    layout = next(a["value"] for a in body["assumptions"] if a["name"] == "layout")
    assert (
        "'revenue'" in layout and "not used (no controls are fitted): competitor_sales_B" in layout
    )
    assert all(f"{c}_S -> {c}" in layout for c in channels)
    # today's spend: the mean of the last 52 weeks of each spend column
    for c in body["channels"]:
        want = table[f"{c['channel']}_S"].tail(52).mean()
        assert c["current_spend"] == pytest.approx(want)
    assert (d / "wc.csv").exists()
    res = run("allocate", "fit", d / "wide.csv", "--out", d / "wc2.csv", "--draws", 0)
    assert res.exit_code == 0, res.output
    assert f"{len(table)} rows → {len(table)} weekly observations of {len(channels)}" in res.stdout
    assert "wide table" in res.stdout


def test_wide_layout_names_channels_from_spend_columns():
    from leadlever.optimisers.curves._columns import wide_layout

    frame = pd.DataFrame(
        {
            "time": ["2021-01-25", "2021-02-01"],
            "conversions": [1.0, 2.0],
            "revenue_per_conversion": [0.02, 0.02],
            "Channel0_spend": [1.0, 2.0],
            "Channel1_spend": [3.0, 4.0],
            "Channel0_impression": [10, 20],
            "cost_per_click": [0.5, 0.4],
        }
    )
    period, spends, outcome = wide_layout(frame)
    assert (period, outcome) == ("time", "conversions")
    assert spends == {"Channel0_spend": "Channel0", "Channel1_spend": "Channel1"}
    assert wide_layout(frame.assign(channel="a")) is None  # a long table names its channel


def _hill(frame: pd.DataFrame, x: np.ndarray) -> np.ndarray:
    k = frame["shape"].to_numpy(float)
    half = frame["half_saturation"].to_numpy(float)
    return frame["scale"].to_numpy(float) * x**k / (half**k + x**k)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    d = tmp_path_factory.mktemp("solve")
    res = run("simulate", "channels", "--weeks", 104, "--seed", 5, "--out", d / "h.csv")
    assert res.exit_code == 0, res.output
    res = run("allocate", "fit", d / "h.csv", "--out", d / "curves.csv", "--draws", 20)
    assert res.exit_code == 0, res.output
    return d, pd.read_csv(d / "curves.csv")


def test_solve_at_another_budget_keeps_today_spend_and_names_the_reference(fitted):
    from leadlever.optimisers.allocation import DecisionSettings, solve_curves

    d, curves = fitted
    today = curves["current_spend"].to_numpy(float)
    budget = 1.3 * today.sum()
    settings = DecisionSettings(untrusted="free", extrapolate=True)
    frame = solve_curves(str(d / "curves.csv"), budget, settings=settings).to_frame()
    np.testing.assert_allclose(frame["current_spend"], today)
    np.testing.assert_allclose(frame["spend_change"], frame["spend"] - today)
    np.testing.assert_allclose(frame["reference_spend"], 1.3 * today)
    res = run(
        "allocate", "solve", d / "curves.csv", "--budget", budget, "--untrusted", "free",
        "--extrapolate", "--json",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout)
    ref = np.array([c["reference_spend"] for c in body["channels"]])
    np.testing.assert_allclose(ref, 1.3 * today)
    assert body["baseline_objective"] == pytest.approx(_hill(curves, ref).sum(), rel=1e-9)
    assert body["uplift"] == pytest.approx(body["total_value"] - _hill(curves, ref).sum())
    human = run(
        "allocate", "solve", d / "curves.csv", "--budget", budget, "--untrusted", "free",
        "--extrapolate",
    )  # fmt: skip
    assert "reference_spend" in human.stdout and "rescaled to the budget" in human.stdout
    same = run("allocate", "solve", d / "curves.csv", "--untrusted", "free", "--extrapolate")
    assert "reference_spend" not in same.stdout  # at today's budget the reference is today


def test_baseline_objective_is_reported_when_the_reference_meets_a_cap(tmp_path):
    curves = pd.DataFrame(
        {
            "channel": ["a", "b"],
            "curve": ["hill", "hill"],
            "scale": [100.0, 80.0],
            "half_saturation": [40.0, 90.0],
            "shape": [1.2, 1.0],
            "max_observed_spend": [60.0, 1000.0],
            "current_spend": [50.0, 50.0],
        }
    )
    curves.to_csv(tmp_path / "curves.csv", index=False)
    res = run("allocate", "solve", tmp_path / "curves.csv", "--budget", 300, "--json")
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout)
    ref = np.array([c["reference_spend"] for c in body["channels"]])
    # today's split tripled, 'a' stopped at its evidence cap 1.2 x 60
    np.testing.assert_allclose(ref, [72.0, 150.0])
    assert body["baseline_objective"] == pytest.approx(_hill(curves, ref).sum(), rel=1e-9)
    assert [c["current_spend"] for c in body["channels"]] == [50.0, 50.0]


def test_roi_channels_matched_without_case_and_unmatched_named(fitted, tmp_path):
    d, curves = fitted
    res = run("simulate", "leads", "--n", 1500, "--seed", 3, "--out", tmp_path / "leads.csv")
    assert res.exit_code == 0, res.output
    leads = pd.read_csv(tmp_path / "leads.csv")
    leads["p_convert"] = leads["true_p_convert"]
    names = sorted(leads["channel"].unique())
    # the CRM writes the channels capitalised with a trailing space; one has no curve
    leads["channel"] = leads["channel"].map(lambda c: f"{c.upper()} ")
    open_leads = leads.index[leads["converted"].isna()]
    leads.loc[open_leads[: len(open_leads) // 5], "channel"] = "Word of mouth"
    leads.to_csv(tmp_path / "scored.csv", index=False)
    solve = json.loads(run("allocate", "solve", d / "curves.csv", "--json").stdout)
    res = run(
        "roi", "evaluate", tmp_path / "scored.csv", "--threshold", "top40%",
        "--curves", d / "curves.csv", "--json",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout)
    cur = {c["channel"]: c["current_spend"] for c in solve["channels"]}
    for row in body["by_channel"]:
        if row["channel"] == "Word of mouth":
            assert row["suggested_spend_change"] is None and row["spend_direction"] is None
            continue
        name = row["channel"].strip().lower()
        assert name in names
        want = solve["allocation"][name] / cur[name] - 1
        assert row["suggested_spend_change"] == pytest.approx(want)
    notes = " ".join(body["notes"])
    assert "No curve for channel 'Word of mouth'" in notes and "no spend recommendation" in notes
    # the reader may already strip the trailing space; either way the match is named
    assert any(f"'{names[0].upper()}{sp}' = '{names[0]}'" in notes for sp in (" ", "")), notes


def test_money_is_printed_without_an_invented_currency():
    from pathlib import Path

    res = run("simulate", "campaign", "--weeks", 2, "--seeds", 1, "--policies", "equal")
    assert res.exit_code == 0, res.output
    assert "profit" in res.stdout and "EUR" not in res.output
    assert "EUR" not in run("simulate", "campaign", "--help").output
    # the docs name a currency only inside an ad platform's own column name
    root = Path(__file__).resolve().parents[2]
    for page in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        text = page.read_text(encoding="utf-8").replace("Amount spent (EUR)", "")
        assert "EUR" not in text, page.name


def test_wide_table_channel_that_stopped_has_ended_and_gets_nothing(wide, tmp_path):
    """A marketing-mix table is judged on each channel's active weeks, as a long export is:
    a channel whose spend column is 0 for its last 12 weeks has ended (unidentified, current
    spend 0), and neither solve nor plan funds it, --untrusted free included; --ended-weeks 0
    judges it on its curve. Counts checked against the table itself."""
    _, table, channels = wide
    stopped = channels[1]
    table = table.copy()
    col = f"{stopped}_S"
    table.loc[table.index[-12:], col] = 0.0
    path = tmp_path / "wide_stopped.csv"
    table.to_csv(path, index=False)
    out = tmp_path / "curves.csv"
    res = run("allocate", "fit", path, "--out", out, "--draws", 50, "--json")
    assert res.exit_code == 0, res.output
    got = {c["channel"]: c for c in json.loads(res.stdout)["channels"]}[stopped]
    spend = table[col].to_numpy()
    active = np.flatnonzero(spend > 0)
    last = pd.Timestamp(table["DATE"].iloc[active[-1]]).date().isoformat()
    idle = len(spend) - 1 - active[-1]
    assert got["quality"] == "unidentified" and got["current_spend"] == 0
    assert got["reasons"][0].startswith(f"ended: no spend since {last} ({idle} weeks before")
    assert got["n"] == active.size
    assert got["min_observed_spend"] == pytest.approx(spend[active].min())
    for untrusted in ("hold", "free"):
        res = run("allocate", "solve", out, "--untrusted", untrusted, "--json")
        assert res.exit_code == 0, res.output
        solved = {c["channel"]: c for c in json.loads(res.stdout)["channels"]}
        assert solved[stopped]["spend"] == pytest.approx(0.0, abs=1e-6)
        res = run("allocate", "plan", out, "--weeks", 3, "--untrusted", untrusted, "--json")
        plan = json.loads(res.stdout)
        assert [w[stopped] for w in plan["plan"]] == pytest.approx([0.0] * 3, abs=1e-6)
        assert plan["held_why"][stopped].startswith("held at 0 a week, its current spend")
        said = next(a for a in plan["assumptions"] if a["name"] == "time effect")["value"]
        assert "in its baseline" in said  # the fit's trend is not silently dropped
        assert "ended: no spend since" in plan["held_why"][stopped]
    res = run("allocate", "fit", path, "--out", out, "--draws", 0, "--ended-weeks", 0, "--json")
    kept = {c["channel"]: c for c in json.loads(res.stdout)["channels"]}[stopped]
    assert not any(r.startswith("ended:") for r in kept["reasons"]) and kept["n"] == active.size


def test_wide_table_with_empty_weeks_names_the_column_and_every_row(wide, tmp_path):
    _, table, channels = wide
    table = table.copy()
    col = f"{channels[0]}_S"
    table[col] = table[col].astype(object)
    bad = [5, 60, 61, 62, 63, 64, 100]  # 0-based rows
    table.loc[bad, col] = "n/a"
    path = tmp_path / "wide_gaps.csv"
    table.to_csv(path, index=False)
    res = run("allocate", "fit", path, "--out", tmp_path / "c.csv", "--json")
    assert res.exit_code == 2
    doc = json.loads(res.stdout)
    assert doc["column"] == col and doc["rows"] == [r + 1 for r in bad]
    assert (
        f"File '{path}', column '{col}': data rows 6, 61, 62, 63, 64 and 2 more" in doc["message"]
    )


def test_a_geo_level_wide_table_is_summed_per_week_and_says_so(wide, tmp_path):
    """Meridian-style geo rows (several rows per week, one per geo) were read as separate weeks:
    current spend and caps were one geo's. Now each week's rows are summed: the fit equals the
    fit of the national table the geos were split from."""
    _, table, channels = wide
    rng = np.random.default_rng(4)
    geos = ["north", "south", "west"]
    parts = []
    shares = rng.dirichlet(np.ones(len(geos)), size=len(table))
    for g, geo in enumerate(geos):
        part = table.copy()
        for col in [f"{c}_S" for c in channels] + ["revenue"]:
            part[col] = table[col] * shares[:, g]
        part["geo"] = geo
        parts.append(part)
    geo_table = pd.concat(parts).sort_values(["DATE", "geo"], kind="stable")
    geo_path, nat_path = tmp_path / "geo.csv", tmp_path / "national.csv"
    geo_table.drop(columns="competitor_sales_B").to_csv(geo_path, index=False)
    table.drop(columns="competitor_sales_B").to_csv(nat_path, index=False)
    got = {}
    for name, path in (("geo", geo_path), ("national", nat_path)):
        res = run(
            "allocate",
            "fit",
            path,
            "--out",
            tmp_path / f"{name}_curves.csv",
            "--draws",
            0,
            "--json",
        )
        assert res.exit_code == 0, res.output
        got[name] = json.loads(res.stdout)
    said = next(a for a in got["geo"]["assumptions"] if a["name"] == "rows read")["value"]
    assert said.startswith(
        f"{len(geo_table):,} rows hold {len(table):,} periods (3 rows each, one per 'geo')"
    )
    geo_ch = {c["channel"]: c for c in got["geo"]["channels"]}
    for c in got["national"]["channels"]:
        g = geo_ch[c["channel"]]
        for key in ("current_spend", "max_observed_spend", "min_observed_spend", "n"):
            assert g[key] == pytest.approx(c[key], rel=1e-9), (c["channel"], key)
        for key in ("scale", "half_saturation", "shape", "adstock"):
            assert g[key] == pytest.approx(c[key], rel=1e-4, abs=1e-9), (c["channel"], key)
