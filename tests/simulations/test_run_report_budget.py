"""``leadlever report`` on the growth tour's budget outputs: ``allocate fit``, ``allocate
plan``, ``campaign step`` (its JSON and its split table) and ``qualify apply``, each run for
real on simulated data and placed where a reader needs it, with the same numbers as the JSON."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from test_run_report import _run, check_in_browser
from typer.testing import CliRunner

from leadlever.cli import app
from leadlever.simulations.report._collect import JSON_COMMANDS, JSON_KINDS
from leadlever.simulations.report._html import _cell
from leadlever.simulations.world import simulate_channels, simulate_leads

runner = CliRunner()
CHANNELS = "professional_network,job_board_a,job_board_b,search_ads,social,referral"


@pytest.fixture(scope="module")
def loop_dir(tmp_path_factory):
    """The growth tour's budget steps and a profile of open leads, saved as users save them."""
    d = tmp_path_factory.mktemp("loop")
    work = tmp_path_factory.mktemp("loop_work")
    simulate_channels(weeks=104, seed=1).to_csv(work / "channels.csv", index=False)
    _run("allocate", "fit", work / "channels.csv", "--out", work / "curves.csv", "--draws", "50",
         "--json", to=d / "ads_fit.json")  # fmt: skip
    _run("allocate", "plan", work / "curves.csv", "--weeks", "3", "--json", to=d / "ads_plan.json")
    _run("allocate", "solve", work / "curves.csv", "--json", to=d / "ads_solve.json")
    _run("campaign", "step", "--state", work / "loop.json", "--budget", "20000", "--curves",
         work / "curves.csv", "--channels", CHANNELS, "--out", d / "split0.csv", "--json",
         to=d / "step0.json")  # fmt: skip
    # last period's feedback: expected value per channel of its leads
    feedback = pd.DataFrame(
        {"channel": CHANNELS.split(","), "expected_value": [9e4, 3e4, 2e4, 5e4, 1e4, 4e3]}
    )
    feedback.to_csv(work / "week0_leads.csv", index=False)
    _run("campaign", "step", "--state", work / "loop.json", "--budget", "20000", "--leads",
         work / "week0_leads.csv", "--out", d / "split1.csv", "--json",
         to=d / "step1.json")  # fmt: skip
    # a model no better than chance: its warning must reach the page
    leads = simulate_leads(1500, seed=4)
    leads["converted"] = np.random.default_rng(0).permutation(leads["converted"].to_numpy())
    leads.to_csv(work / "noise.csv", index=False)
    _run("qualify", "fit", work / "noise.csv", "--bundle-out", work / "b.json")
    _run("qualify", "apply", work / "b.json", work / "noise.csv", "--out", work / "profile.csv",
         "--json", to=d / "qualify_apply.json")  # fmt: skip
    _run("allocate", "plan", work / "curves.csv", "--weeks", "3", "--out", work / "plan.csv")
    return d, work


class _Page(HTMLParser):
    """Each section's list items and tables, the KPI rows and the warnings, as text."""

    def __init__(self):
        super().__init__()
        self.sections: dict[str, dict] = {}
        self.kpi: dict[str, str] = {}
        self.warnings: list[str] = []
        self._section = None
        self._stack: list[str] = []
        self._text = ""
        self._row: list[str] | None = None
        self._table: list[list[str]] | None = None
        self._kpi = False
        self._warn = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self._section = attrs["id"]
            self.sections[self._section] = {"lines": [], "tables": [], "captions": []}
        elif tag == "table":
            self._table, self._kpi = [], attrs.get("class") == "kpi"
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th", "li", "b"):
            self._text = ""
        elif tag == "div" and attrs.get("class") == "warn":
            self._warn, self._text = True, ""

    def handle_data(self, data):
        self._text += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._row is not None:
            self._row.append(self._text.strip())
        elif tag == "tr" and self._table is not None:
            self._table.append(self._row)
            if self._kpi:
                self.kpi[self._row[0]] = self._row[1]
        elif tag == "table":
            if self._section and not self._kpi:
                self.sections[self._section]["tables"].append(self._table)
            self._table = None
        elif tag == "li" and self._section:
            self.sections[self._section]["lines"].append(self._text.strip())
        elif tag == "b" and self._section:
            self.sections[self._section]["captions"].append(self._text.strip())
        elif tag == "div" and self._warn:
            self.warnings.append(self._text.strip())
            self._warn = False
        elif tag == "section":
            self._section = None


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _table(section: dict, caption: str) -> pd.DataFrame:
    rows = section["tables"][section["captions"].index(caption)]
    return pd.DataFrame(rows[1:], columns=rows[0])


def _fmt(value: float) -> str:
    """A number as the page shows it in a table cell."""
    return _cell(float(value))[0]


def test_every_kind_names_its_command():
    assert set(JSON_COMMANDS) == set(JSON_KINDS)


def test_the_reviewers_files_make_a_report_with_the_budget_decisions(loop_dir, tmp_path):
    d, _ = loop_dir
    out = tmp_path / "r.html"
    files = ["ads_plan.json", "step0.json", "ads_fit.json", "qualify_apply.json", "split0.csv"]
    res = _run("report", *[d / f for f in files], "--out", out, "--json")
    payload = json.loads(res.stdout)
    assert payload["skipped"] == []
    assert {r["kind"] for r in payload["recognised"]} == {
        "allocate_plan", "campaign_step", "allocate_fit", "qualify_apply", "split"
    }  # fmt: skip
    assert [b["key"] for b in payload["decisions"]] == ["budget_plan", "campaign_step"]
    assert [b["key"] for b in payload["evidence"]] == ["profile", "curves"]
    html = out.read_text()
    assert html.index("Budget over the coming weeks") < html.index("The open leads")
    page = _parse(html)
    step = json.loads((d / "step0.json").read_text())
    assert page.kpi["Closed-loop split for period 0: total spend"] == (
        f"{sum(step['allocation'].values()):,.0f}"
    )
    assert any("split0.csv holds this split" in x for x in page.sections["campaign_step"]["lines"])
    assert payload["n_images"] == len(re.findall("<img ", html)) == 3


def test_budget_plan_numbers_are_the_json_s(loop_dir, tmp_path):
    d, _ = loop_dir
    out = tmp_path / "r.html"
    _run("report", d, "--out", out)
    page = _parse(out.read_text())
    plan = json.loads((d / "ads_plan.json").read_text())
    total, value = f"{plan['total_spend']:,.0f}", f"{plan['value']:,.0f}"
    assert page.kpi["Budget plan over 3 weeks: spend (expected value)"] == f"{total} ({value})"
    lines = page.sections["budget_plan"]["lines"]
    assert lines[0].startswith(f"Spend {total} over 3 weeks: expected value {value}")  # agree
    assert f"uplift {plan['uplift']:+,.0f}" in lines[0]
    lo, hi = plan["value_interval"]
    assert f"90% interval {lo:,.0f}-{hi:,.0f}" in lines[0]
    assert plan["held"] and any(
        x.startswith("Held near today's spend") and all(c in x for c in plan["held"]) for x in lines
    )
    weekly = _table(page.sections["budget_plan"], "Spend per channel, week by week")
    for row, week in zip(weekly.itertuples(index=False), plan["plan"], strict=True):
        for channel in plan["channels"]:
            assert getattr(row, channel) == _fmt(round(week[channel], 2))
    for row, spent in zip(weekly["total"], plan["spend_by_week"], strict=True):
        assert row == _fmt(round(spent, 2))
    caps = _table(
        page.sections["budget_plan"], "Evidence caps (the most a week may spend on a channel)"
    )
    assert list(caps["evidence cap per week"]) == [_fmt(plan["caps"][c]) for c in plan["channels"]]
    assert set(caps.loc[caps["held"] == "yes", "channel"]) == set(plan["held"])


def test_allocate_solve_states_its_uplift_holds_and_current_spend(loop_dir, tmp_path):
    d, _ = loop_dir
    out = tmp_path / "r.html"
    payload = json.loads(_run("report", d, "--out", out, "--json").stdout)
    assert [b["key"] for b in payload["decisions"]] == ["budget", "budget_plan", "campaign_step"]
    page = _parse(out.read_text())
    solve = json.loads((d / "ads_solve.json").read_text())
    lines = page.sections["budget"]["lines"]
    lo, hi = solve["uplift_interval"]
    assert (
        f"Uplift over today's split {solve['uplift']:+,.0f} (90% interval {lo:,.0f}-{hi:,.0f})"
        in lines[1]
    )
    assert (
        solve["held"]
        and f"Held near today's spend (curve not trusted): {', '.join(solve['held'])}." in lines
    )
    table = _table(page.sections["budget"], "Recommended spend per channel")
    by = {c["channel"]: c for c in solve["channels"]}
    for row in table.itertuples(index=False):
        assert row.spend == _fmt(round(solve["allocation"][row.channel], 2))
        assert row.current_spend == _fmt(round(by[row.channel]["current_spend"], 2))
        assert row.quality == by[row.channel]["quality"]


def test_closed_loop_split_is_the_latest_step_with_its_limits(loop_dir, tmp_path):
    d, _ = loop_dir
    out = tmp_path / "r.html"
    _run("report", d, "--out", out)
    page = _parse(out.read_text())
    step = json.loads((d / "step1.json").read_text())
    assert step["next_period"] == 1
    assert page.kpi["Closed-loop split for period 1: total spend"] == (
        f"{sum(step['allocation'].values()):,.0f}"
    )
    section = page.sections["campaign_step"]
    split = _table(section, "Spend per channel, period 1")
    assert list(split["channel"]) == list(step["allocation"])
    assert list(split["period 1"]) == [_fmt(round(v, 2)) for v in step["allocation"].values()]
    assert list(split["last period"]) == [
        _fmt(round(step["previous"][c], 2)) for c in step["allocation"]
    ]
    for e in step["evidence_limits"]:  # the holds the step reports
        assert f"{e['channel']} ({e['status']}): {e['why']}" in section["lines"]
        assert split.set_index("channel").loc[e["channel"], "limit"] == e["status"]
    if step["limited"]:
        assert any(all(c in x for c in step["limited"]) for x in section["lines"])
    assert step["explanation"] in section["lines"][0]
    history = _table(section, "Spend per channel by period")
    assert list(history["period"]) == ["0", "1"]
    split0 = pd.read_csv(d / "split0.csv")
    assert list(history.iloc[0, 1:]) == [_fmt(round(v, 2)) for v in split0["spend"]]


def test_curves_and_profile_are_evidence_with_their_warnings(loop_dir, tmp_path):
    d, _ = loop_dir
    out = tmp_path / "r.html"
    res = _run("report", d, "--out", out, "--json")
    page = _parse(out.read_text())
    fit = json.loads((d / "ads_fit.json").read_text())
    table = _table(page.sections["curves"], "Fit and verdict per channel")
    by = {c["channel"]: c for c in fit["channels"]}
    assert list(table["channel"]) == list(by)
    for row in table.itertuples(index=False):
        c = by[row.channel]
        assert row.quality == c["quality"] and row.r2 == _fmt(c["r2"])
        assert row.max_observed_spend == _fmt(c["max_observed_spend"])
        assert row.reasons == "; ".join(c["reasons"])
    untrusted = [c for c in fit["channels"] if c["quality"] != "trusted"]
    assert untrusted  # the simulated referral channel's curve is weak
    for c in untrusted:
        assert any(w.startswith(f"Channel {c['channel']}: its response curve is {c['quality']}")
                   for w in page.warnings)  # fmt: skip
    trusted = len(fit["channels"]) - len(untrusted)
    assert page.kpi["Channels with a trusted curve"] == f"{trusted} of {len(fit['channels'])}"

    q = json.loads((d / "qualify_apply.json").read_text())
    assert page.kpi["Open leads profiled (closed left out)"] == (
        f"{q['n_leads']:,} ({q['n_closed_excluded']:,})"
    )
    assert page.kpi["Expected value of the open leads"] == f"{q['total_expected_value']:,.0f}"
    tiers = _table(page.sections["profile"], "Open leads by tier (qualify apply)")
    assert dict(zip(tiers["tier"], tiers["leads"], strict=True)) == {
        k: f"{v:,}" for k, v in q["tiers"].items()
    }
    assert q["warnings"] and "no better than chance" in q["warnings"][0]
    assert q["warnings"][0] in page.warnings  # the warning is carried
    # the folder's model and state files are not outputs: listed, with the reason
    payload = json.loads(res.stdout)
    assert all(s["reason"] != "" for s in payload["skipped"])


def test_plan_and_split_tables_alone(loop_dir, tmp_path):
    """``allocate plan --out`` and ``campaign step --out`` without their JSON."""
    d, work = loop_dir
    out = tmp_path / "r.html"
    res = _run("report", work / "plan.csv", d / "split0.csv", "--out", out, "--json")
    payload = json.loads(res.stdout)
    assert {r["kind"] for r in payload["recognised"]} == {"weekly_plan", "split"}
    assert [b["key"] for b in payload["decisions"]] == ["budget_plan", "campaign_step"]
    page = _parse(out.read_text())
    plan = pd.read_csv(work / "plan.csv")
    assert page.kpi["Budget plan over 3 weeks: spend"] == f"{plan['spend'].sum():,.0f}"
    split = pd.read_csv(d / "split0.csv")
    assert page.kpi["Closed-loop split for period 0: total spend"] == f"{split['spend'].sum():,.0f}"


def test_an_unknown_json_named_on_its_own_is_an_error_naming_it(loop_dir, tmp_path):
    d, _ = loop_dir
    unknown = tmp_path / "results.json"
    unknown.write_text('{"accuracy": 0.9, "runs": 3}')
    out = tmp_path / "r.html"
    res = runner.invoke(app, ["report", str(d / "ads_plan.json"), str(unknown), "--out", str(out)])
    assert res.exit_code == 2
    assert str(unknown) in res.output and "its keys: accuracy, runs" in res.output
    assert "allocate plan" in res.output and not out.exists()
    nan = tmp_path / "nan.json"
    nan.write_text('{"n_leads": NaN}')
    res = runner.invoke(app, ["report", str(nan), "--out", str(out)])
    assert res.exit_code == 2 and str(nan) in res.output and not out.exists()
    # in a folder it is listed as not used, with its keys
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "plan.json").write_text((d / "ads_plan.json").read_text())
    (folder / "results.json").write_text(unknown.read_text())
    payload = json.loads(_run("report", folder, "--out", out, "--json").stdout)
    assert payload["skipped"] == [
        {
            "file": str(folder / "results.json"),
            "reason": "not a LeadLever --json output (its keys: accuracy, runs)",
        }
    ]


def test_budget_report_in_a_real_browser(loop_dir, tmp_path):
    """Headless Chromium: the new sections' images decode, nothing overflows, not blank."""

    out = tmp_path / "report.html"
    _run("report", loop_dir[0], "--out", out)
    check_in_browser(out, tmp_path)


def test_the_other_tour_json_outputs_are_read(tmp_path):
    """price, price solve, score rules, score evaluate, score compare, score apply and
    simulate campaign: each --json is recognised and its numbers reach the page."""
    d = tmp_path / "run"
    d.mkdir()
    _run("examples", tmp_path)
    simulate_leads(1200, seed=5).to_csv(tmp_path / "leads.csv", index=False)
    levers = ["--r-high", "500", "--c-high", "120", "--r-low", "80", "--c-low", "40"]
    _run("price", "--p", "0.3", *levers, "--n", "1000", "--json", to=d / "price.json")
    _run("price", "solve", "--for", "p", "--target-profit", "200", *levers, "--json",
         to=d / "solve.json")  # fmt: skip
    _run("score", "rules", tmp_path / "rules.toml", tmp_path / "leads.csv", "--out",
         tmp_path / "manual.csv", "--json", to=d / "rules.json")  # fmt: skip
    _run("score", "fit", tmp_path / "leads.csv", "--target", "converted", "--drop", "created_at",
         "--cv", "3", "--model-out", tmp_path / "m.json", "--oof-out", tmp_path / "oof.csv")  # fmt: skip
    _run("score", "apply", tmp_path / "m.json", tmp_path / "leads.csv", "--out",
         tmp_path / "scored.csv", "--json", to=d / "apply.json")  # fmt: skip
    _run("score", "evaluate", tmp_path / "oof.csv", "--target", "converted", "--json",
         to=d / "evaluate.json")  # fmt: skip
    _run("score", "compare", tmp_path / "m.json", tmp_path / "rules.toml",
         tmp_path / "leads.csv", "--target", "converted", "--json", to=d / "compare.json")  # fmt: skip
    _run("simulate", "campaign", "--weeks", "6", "--seeds", "1", "--policies", "learner,equal",
         "--json", to=d / "sim.json")  # fmt: skip
    out = tmp_path / "r.html"
    payload = json.loads(_run("report", d, "--out", out, "--json").stdout)
    assert payload["skipped"] == []
    assert {r["kind"] for r in payload["recognised"]} == {
        "price_deal", "price_solve", "score_rules", "score_apply", "score_evaluate",
        "score_compare", "simulate_campaign",
    }  # fmt: skip
    assert [b["key"] for b in payload["decisions"]] == ["economics"]
    assert [b["key"] for b in payload["evidence"]] == ["profile", "model", "simulation"]
    page = _parse(out.read_text())
    price = json.loads((d / "price.json").read_text())
    assert (
        page.kpi["Expected profit per lead (price)"] == f"{price['expected_profit_per_lead']:,.2f}"
    )
    solve = json.loads((d / "solve.json").read_text())
    assert page.kpi["p needed for the target (price solve)"] == f"{solve['value']:,.4g}"
    ev = json.loads((d / "evaluate.json").read_text())
    assert page.kpi["Model AUC (score evaluate)"] == f"{ev['auc']:.3f}"
    rules = json.loads((d / "rules.json").read_text())
    assert any(f"{rules['n_hot']:,} of {rules['n_rows']:,} leads hot" in x
               for x in page.sections["profile"]["lines"])  # fmt: skip
    applied = json.loads((d / "apply.json").read_text())
    assert any(f"Scored {applied['n_rows']:,} leads ({applied['n_closed']:,} closed)" in x
               for x in page.sections["profile"]["lines"])  # fmt: skip
    sim = json.loads((d / "sim.json").read_text())
    policies = _table(page.sections["simulation"], "Profit per policy")
    assert list(policies["name"]) == [p["name"] for p in sim["policies"]]
    assert list(policies["pct_of_oracle"]) == [_fmt(p["pct_of_oracle"]) for p in sim["policies"]]
