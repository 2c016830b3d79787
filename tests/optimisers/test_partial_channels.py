"""Channels (or campaigns) that exist only part of the time: a week without a row is not observed.

Reproduces the reviewer's two cases with a small generator (not the review's files): a channel
with 4 real weeks at the end of a 78-week ad-platform export, and a per-campaign export (one
campaign per channel and month) whose campaigns run 4-9 weeks. Before the fix the missing weeks
were read as zero spend and zero value: 4-week channels were "trusted" with an R² made by the
zeros, a narrow-spend channel's range started at 0, and campaigns that ended a year ago got
budget.
"""

import numpy as np
import pandas as pd
import pytest

from leadlever.optimisers.allocation import recommend_fit
from leadlever.optimisers.curves import fit_curves, read_history
from leadlever.optimisers.curves._diagnostics import ENDED_WEEKS, MIN_OBSERVATIONS

#: weekly value = scale x^s / (x^s + K^s); spend uniform on [lo, hi]
CURVES = {
    "Search": dict(scale=60000, K=8000, s=1.5, lo=2000, hi=14000),
    "Social": dict(scale=20000, K=3000, s=1.2, lo=4900, hi=5100),  # narrow spend range
    "Display": dict(scale=8000, K=6000, s=1.0, lo=1000, hi=9000),
    "Video": dict(scale=30000, K=4000, s=2.0, lo=500, hi=8000),
}
NOISE = 0.15


def hill(c, x):
    x = np.asarray(x, float)
    return c["scale"] * x ** c["s"] / (x ** c["s"] + c["K"] ** c["s"])


def podcast_linear(x):
    return 4.0 * np.asarray(x, float)


def podcast_saturating(x):
    x = np.asarray(x, float)
    return 16000 * x**2 / (x**2 + 2000**2)


def ad_export(seed=0, weeks=78, podcast=podcast_linear):
    """Four channels every week and a Podcast with rows in the last 4 weeks only."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=weeks, freq="W-MON")
    rows = []
    for ch, c in CURVES.items():
        for w in dates:
            x = rng.uniform(c["lo"], c["hi"])
            y = float(hill(c, x)) * rng.lognormal(0, NOISE)
            rows.append((w, ch, f"CMP-{ch[:3].upper()}-{w.month:02d}", x, y))
    for w in dates[-4:]:
        x = rng.uniform(3000, 6000)
        rows.append((w, "Podcast", "CMP-POD-01", x, float(podcast(x)) * rng.lognormal(0, 0.1)))
    return pd.DataFrame(rows, columns=["week", "channel", "campaign", "spend", "value"])


def true_value(spend_by_channel, podcast=podcast_linear):
    return sum(
        float(podcast(x)) if ch == "Podcast" else float(hill(CURVES[ch], x))
        for ch, x in spend_by_channel.items()
    )


def by_channel(rec, attr):
    """Spend (``attr``) per channel, campaigns summed into their channel."""
    names = {"SEA": "Search", "SOC": "Social", "DIS": "Display", "VID": "Video", "POD": "Podcast"}
    out = {}
    for d in rec.channels:
        ch = names[d.channel.split("-")[1]] if d.channel.startswith("CMP-") else d.channel
        out[ch] = out.get(ch, 0.0) + getattr(d, attr)
    return out


def true_uplift(rec, podcast=podcast_linear):
    return true_value(by_channel(rec, "spend"), podcast) - true_value(
        by_channel(rec, "current_spend"), podcast
    )


@pytest.fixture(scope="module")
def platform():
    frame = ad_export()
    fit = fit_curves(frame.drop(columns="campaign"), n_draws=100)
    return frame, fit, recommend_fit(fit)


@pytest.fixture(scope="module")
def campaigns():
    frame = ad_export()
    fit = fit_curves(frame.drop(columns="channel"), channel="campaign", n_draws=100)
    return frame, fit, recommend_fit(fit)


def test_missing_rows_are_not_observed_and_counted():
    frame = ad_export()
    hist = read_history(frame.drop(columns="campaign"))
    pod = hist.channels.index("Podcast")
    assert np.isnan(hist.spend[:-4, pod]).all() and np.isfinite(hist.spend[-4:, pod]).all()
    note = next(a for a in hist.assumptions if a["name"] == "channel-weeks without a row")
    assert note["value"].startswith("74 (74 before the channel's first row)")
    assert "not observed" in note["value"]
    # a row that says spend 0 is an observation, not a missing week
    zero = frame.drop(columns="campaign").copy()
    zero.loc[zero["channel"] == "Search", "spend"] = np.where(
        np.arange(78) % 10 == 0, 0.0, zero.loc[zero["channel"] == "Search", "spend"]
    )
    hist0 = read_history(zero)
    s = hist0.channels.index("Search")
    assert np.isfinite(hist0.spend[:, s]).all() and (hist0.spend[:, s] == 0).sum() == 8


def test_four_week_channel_is_unidentified_and_held(platform):
    frame, fit, rec = platform
    pod = fit.as_mapping()["Podcast"]
    active = frame.loc[frame["channel"] == "Podcast", "spend"]
    assert pod.quality == "unidentified"
    assert pod.reasons[0].startswith("only 4 weeks with spend")
    assert f"at least {MIN_OBSERVATIONS}" in pod.reasons[0]
    assert pod.n == 4  # R² and rmse on the 4 observed weeks, not 78
    assert pod.min_observed_spend == pytest.approx(active.min())
    assert pod.max_observed_spend == pytest.approx(active.max())
    d = next(d for d in rec.channels if d.channel == "Podcast")
    assert d.status == "held" and d.spend == pytest.approx(d.current_spend, rel=1e-6)
    # the narrow-spend channel: the range and the verdict are on its active weeks
    social = fit.as_mapping()["Social"]
    assert social.quality == "unidentified" and "spend hardly varied" in social.reasons[0]
    assert social.min_observed_spend > 4800
    for name in ("Search", "Display", "Video"):
        assert (
            fit.as_mapping()[name].quality in ("trusted", "weak") and fit.as_mapping()[name].n == 78
        )


def test_saturating_four_week_channel_is_not_cut_below_what_it_spent():
    frame = ad_export(podcast=podcast_saturating)
    fit = fit_curves(frame.drop(columns="campaign"), n_draws=100)
    assert fit.as_mapping()["Podcast"].quality == "unidentified"
    rec = recommend_fit(fit)
    d = next(d for d in rec.channels if d.channel == "Podcast")
    assert d.spend >= fit.as_mapping()["Podcast"].min_observed_spend
    assert d.spend == pytest.approx(d.current_spend, rel=1e-6)
    lo, hi = rec.uplift_interval
    assert lo <= true_uplift(rec, podcast_saturating) <= hi


def test_platform_uplift_interval_covers_the_truth(platform):
    _, _, rec = platform
    lo, hi = rec.uplift_interval
    truth = true_uplift(rec)
    assert lo <= truth <= hi
    assert rec.uplift > 0 and truth > 0


def test_campaign_export_verdicts_ranges_and_ended_campaigns(campaigns):
    frame, fit, rec = campaigns
    end = pd.Timestamp(frame["week"].max())
    by_id = {c.channel: c for c in fit.curves}
    # a campaign with 4 active weeks (November 2024 only) is unidentified, however many zeros
    nov = by_id["CMP-SEA-11"]
    assert nov.quality == "unidentified"
    assert any(r.startswith("only 4 weeks with spend") for r in nov.reasons)
    for cid, c in by_id.items():
        rows = frame[frame["campaign"] == cid]
        assert c.min_observed_spend == pytest.approx(rows["spend"].min())
        assert c.max_observed_spend == pytest.approx(rows["spend"].max())
        idle = int((end - pd.Timestamp(rows["week"].max())).days // 7)
        ended = [r for r in c.reasons if r.startswith("ended:")]
        assert bool(ended) == (idle >= ENDED_WEEKS), cid
        if ended:
            assert c.quality == "unidentified" and c.current_spend == 0
            last = pd.Timestamp(rows["week"].max()).date().isoformat()
            assert ended[0].startswith(f"ended: no spend since {last} ({idle} weeks before")
    video_july = by_id["CMP-VID-07"]
    assert video_july.reasons[0] == (
        "ended: no spend since 2024-07-29 (47 weeks before the export's end), so held at its "
        "current spend, 0"
    )
    # the narrow Social campaigns: their range is 4,900-5,100, never 0
    for cid in (c for c in by_id if c.startswith("CMP-SOC")):
        assert by_id[cid].min_observed_spend > 4800
        assert by_id[cid].quality == "unidentified"
    # no ended (or stopped) campaign gets budget; no campaign leaves its evidence
    for d in rec.channels:
        c = by_id[d.channel]
        if c.current_spend == 0:
            assert d.spend == pytest.approx(0.0, abs=1e-6), d.channel
        assert d.spend <= 1.2 * c.max_observed_spend * (1 + 1e-9)
        if d.status == "held" and c.quality == "weak":
            floor = min(0.8 * c.min_observed_spend, c.current_spend)
            assert d.spend >= floor * (1 - 1e-6), d.channel
    lo, hi = rec.uplift_interval
    assert lo <= true_uplift(rec) <= hi


#: Social's curve in the export of channels with different spans (it stopped 44 weeks ago)
SPANS_SPEC = {**CURVES, "Social": dict(scale=20000, K=3000, s=1.2, lo=1000, hi=7000)}


def spans_export():
    """104 weeks: Video launched late, Social stopped 44 weeks before the end, Display paused."""
    rng = np.random.default_rng(5)
    weeks = 104
    dates = pd.date_range("2023-01-02", periods=weeks, freq="W-MON")
    spans = {
        "Search": range(0, weeks),
        "Display": range(0, weeks),
        "Video": range(40, weeks),  # launched late: 64 weeks
        "Social": range(0, 60),  # stopped 44 weeks before the end
    }
    rows = []
    for ch, span in spans.items():
        c = SPANS_SPEC[ch]
        for t in span:
            if ch == "Display" and 50 <= t < 62:  # paused: the platform leaves the rows out
                continue
            x = rng.uniform(c["lo"], c["hi"])
            rows.append((dates[t], ch, x, float(hill(c, x)) * rng.lognormal(0, NOISE)))
    return pd.DataFrame(rows, columns=["week", "channel", "spend", "value"]), dates


def test_channels_with_different_spans():
    """A channel launched late, one that stopped, one paused: verdicts, ranges, budget, truth."""
    frame, dates = spans_export()
    spec = SPANS_SPEC
    fit = fit_curves(frame, n_draws=100)
    note = next(a for a in fit.assumptions if a["name"] == "channel-weeks without a row")
    assert note["value"].startswith("96 (40 before the channel's first row, 44 after its last")
    assert "12 between" in note["value"]
    assert fit.as_mapping()["Video"].n == 64 and fit.as_mapping()["Display"].n == 92
    assert fit.as_mapping()["Video"].quality == "trusted"
    social = fit.as_mapping()["Social"]
    assert social.quality == "unidentified" and social.current_spend == 0
    assert social.reasons[0].startswith(f"ended: no spend since {dates[59].date()} (44 weeks")
    rec = recommend_fit(fit)
    spend = {d.channel: d.spend for d in rec.channels}
    assert spend["Social"] == pytest.approx(0.0, abs=1e-6)
    lo, hi = rec.uplift_interval
    truth = sum(
        float(hill(spec[d.channel], d.spend) - hill(spec[d.channel], d.current_spend))
        for d in rec.channels
    )
    assert lo <= truth <= hi
    # ended_weeks=0: never ended (the option), so the stopped channel is judged on its curve
    kept = fit_curves(frame, n_draws=0, ended_weeks=0)
    assert not any(r.startswith("ended:") for r in kept.as_mapping()["Social"].reasons)
    assert kept.as_mapping()["Social"].n == 60


def test_cli_campaign_export_reports_fills_and_ended_campaigns(tmp_path):
    """`allocate fit --channel-col` on a per-campaign export, then `allocate solve`."""
    import json

    from typer.testing import CliRunner

    from leadlever.cli import app

    runner = CliRunner()
    path = tmp_path / "ads_by_campaign.csv"
    ad_export().drop(columns="channel").to_csv(path, index=False)
    out = tmp_path / "curves.csv"
    res = runner.invoke(
        app,
        ["allocate", "fit", str(path), "--channel-col", "campaign", "--out", str(out), "--json"],
    )
    assert res.exit_code == 0, res.output
    fit = json.loads(res.stdout)
    note = next(a for a in fit["assumptions"] if a["name"] == "channel-weeks without a row")
    assert "not observed" in note["value"]
    july = next(c for c in fit["channels"] if c["channel"] == "CMP-VID-07")
    assert july["quality"] == "unidentified" and july["reasons"][0].startswith(
        "ended: no spend since 2024-07-29 (47 weeks before the export's end)"
    )
    res = runner.invoke(app, ["allocate", "solve", str(out), "--json"])
    assert res.exit_code == 0, res.output
    solved = {c["channel"]: c for c in json.loads(res.stdout)["channels"]}
    assert solved["CMP-VID-07"]["spend"] == pytest.approx(0.0, abs=1e-6)
    assert "ended: no spend since 2024-07-29" in solved["CMP-VID-07"]["why"]
    res = runner.invoke(
        app,
        [
            "allocate",
            "fit",
            str(path),
            "--channel-col",
            "campaign",
            "--out",
            str(out),
            "--json",
            "--ended-weeks",
            "0",
            "--draws",
            "0",
        ],
    )
    assert res.exit_code == 0, res.output
    assert not any(
        r.startswith("ended:") for c in json.loads(res.stdout)["channels"] for r in c["reasons"]
    )


def test_untrusted_free_does_not_restart_an_ended_channel(tmp_path):
    """`--untrusted free` frees curves, not channels that stopped: the ended one stays at 0
    in `allocate solve` and in every week of `allocate plan`, and says why. Without the
    ended verdict (`--ended-weeks 0`) the same curve does get budget, so the hold is the
    ended rule's doing, not a curve that happens to want 0."""
    import json

    from typer.testing import CliRunner

    from leadlever.cli import app
    from leadlever.optimisers.allocation import DecisionSettings

    frame, _ = spans_export()
    fit = fit_curves(frame, n_draws=0)
    free = DecisionSettings(untrusted="free")
    rec = recommend_fit(fit, settings=free)
    social = next(d for d in rec.channels if d.channel == "Social")
    assert social.spend == pytest.approx(0.0, abs=1e-6) and social.status == "held"
    assert "does not restart a channel that has ended" in social.why
    assert sum(d.spend for d in rec.channels) == pytest.approx(rec.budget, rel=1e-9)
    kept = recommend_fit(fit_curves(frame, n_draws=0, ended_weeks=0), settings=free)
    assert next(d for d in kept.channels if d.channel == "Social").spend > 500

    runner = CliRunner()
    hist, curves = tmp_path / "history.csv", tmp_path / "curves.csv"
    frame.to_csv(hist, index=False)
    res = runner.invoke(app, ["allocate", "fit", str(hist), "--out", str(curves), "--draws", "0"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["allocate", "solve", str(curves), "--untrusted", "free", "--json"])
    assert res.exit_code == 0, res.output
    solved = {c["channel"]: c for c in json.loads(res.stdout)["channels"]}
    assert solved["Social"]["spend"] == pytest.approx(0.0, abs=1e-6)
    res = runner.invoke(
        app, ["allocate", "plan", str(curves), "--weeks", "3", "--untrusted", "free", "--json"]
    )
    assert res.exit_code == 0, res.output
    plan = json.loads(res.stdout)
    assert [w["Social"] for w in plan["plan"]] == pytest.approx([0.0] * 3, abs=1e-6)
    assert "Social" in plan["held"]
    said = next(a for a in plan["assumptions"] if a["name"] == "channels not trusted")
    assert "ended stays at 0" in said["value"]


def test_an_ended_channel_has_no_current_spend_whatever_the_window(tmp_path):
    """--ended-weeks 2 with the current spend the mean of the last 4 weeks: a channel that
    stopped 3 weeks before the end has ended, so its current spend is 0, not the mean of
    its last active week and three zeros, and no decision funds it."""
    from leadlever.optimisers.allocation import DecisionSettings

    frame, _ = spans_export()
    end = frame["week"].max()
    last_weeks = frame["week"] > end - pd.Timedelta(weeks=3)
    frame = frame[~(last_weeks & (frame["channel"] == "Search"))]
    fit = fit_curves(frame, n_draws=0, ended_weeks=2)
    search = fit.as_mapping()["Search"]
    assert search.quality == "unidentified" and search.current_spend == 0.0
    assert search.reasons[0].startswith("ended: no spend since")
    rec = recommend_fit(fit, settings=DecisionSettings(untrusted="free"))
    assert next(d for d in rec.channels if d.channel == "Search").spend == pytest.approx(0.0)
    # the window rule itself is unchanged for a channel that has not ended
    video = fit.as_mapping()["Video"]
    last4 = frame[(frame["channel"] == "Video") & (frame["week"] > end - pd.Timedelta(weeks=4))]
    assert video.current_spend == pytest.approx(last4["spend"].mean())


def test_a_draws_file_of_other_curves_is_refused_or_said(tmp_path):
    """`allocate solve --fit` with the .fit.json of another fit: an error naming the channels
    it lacks (exit 2); the same file found next to the curves: no intervals, and the
    uncertainty assumption says why (not "no draws file")."""
    import json
    import shutil

    from typer.testing import CliRunner

    from leadlever.cli import app

    runner = CliRunner()
    spans, _ = spans_export()
    spans.to_csv(tmp_path / "a.csv", index=False)
    ad_export().to_csv(tmp_path / "b.csv", index=False)
    for name in ("a", "b"):
        res = runner.invoke(
            app,
            ["allocate", "fit", str(tmp_path / f"{name}.csv"), "--out",
             str(tmp_path / f"{name}_curves.csv"), "--draws", "20"],
        )  # fmt: skip
        assert res.exit_code == 0, res.output
    res = runner.invoke(
        app,
        ["allocate", "solve", str(tmp_path / "b_curves.csv"), "--fit",
         str(tmp_path / "a_curves.fit.json"), "--json"],
    )  # fmt: skip
    assert res.exit_code == 2
    doc = json.loads(res.stdout)
    assert "(--fit) has no posterior draws for channel(s) 'Podcast'" in doc["message"]
    shutil.copy(tmp_path / "a_curves.fit.json", tmp_path / "b_curves.fit.json")
    res = runner.invoke(app, ["allocate", "solve", str(tmp_path / "b_curves.csv"), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    said = next(a for a in doc["assumptions"] if a["name"] == "uncertainty")["value"]
    assert said.startswith("none: ") and "has no draws for 'Podcast'" in said
    assert doc["uplift_interval"] is None


def test_far_tailed_draws_are_named_and_well_pinned_ones_are_not():
    """A channel whose scale draws are log-normal with sd 3 (95th percentile ~ 140x the median)
    is named; one with sd 0.1 is not. Brute force: the quantiles of the drawn values."""
    from leadlever.optimisers.allocation._held import far_tail_notes
    from leadlever.optimisers.curves._result import CurveDraws

    rng = np.random.default_rng(2)
    d = 400
    scale = np.column_stack([1e4 * rng.lognormal(0, 0.1, d), 1e4 * rng.lognormal(0, 3.0, d)])
    draws = CurveDraws(
        ("steady", "wild"),
        "hill",
        {
            "scale": scale,
            "half_saturation": np.full((d, 2), 5e3),
            "shape": np.full((d, 2), 1.2),
            "adstock": np.zeros((d, 2)),
        },
    )
    spend = np.array([4e3, 4e3])
    v = draws.values(spend)
    ratio = np.quantile(v, 0.95, axis=0) / np.median(v, axis=0)
    assert ratio[0] < 2 and ratio[1] > 10
    assert draws.far_tails(spend) == ["wild"]
    (note,) = far_tail_notes(draws, spend)
    assert "'wild'" in note and "'steady'" not in note
    assert far_tail_notes(draws.select(["steady"]), spend[:1]) == []


def test_a_well_identified_fit_gets_no_far_tail_note():
    frame, _ = spans_export()
    fit = fit_curves(frame, n_draws=200)
    rec = recommend_fit(fit)
    assert not any("not worth reading" in n for n in rec.notes)
