"""CLI: qualify fit/apply, plan, score rescore — JSON keys, exit code 2 on bad input, no partial files."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from qualify_fixtures import bundle, leads
from typer.testing import CliRunner

from leadlever.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("q")
    df = leads(6_000, 8)
    df.to_csv(d / "leads.csv", index=False)
    bundle().save(d / "models.json")
    prof = bundle().profile(df[df["converted"].isna()])
    prof.to_csv(d / "profile.csv", index=False)
    pd.DataFrame(
        {"name": ["ann", "bob"], "weekly_hours": [40, 30], "seniority": ["senior", "junior"]}
    ).to_csv(d / "team.csv", index=False)
    return d


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_qualify_fit_json(tmp_path):
    leads(3_000, 9).to_csv(tmp_path / "h.csv", index=False)
    res = run("qualify", "fit", tmp_path / "h.csv", "--bundle-out", tmp_path / "m.json", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert {"model_version", "metrics", "n_history", "n_closed", "bundle"} <= set(out)
    assert (tmp_path / "m.json").exists()
    # the split its metrics rest on is named, and why score fit's differ
    assert out["metrics_split"].startswith("25% of the leads held out (seed 0)")
    assert "out-of-fold" in out["metrics_split"]


def test_qualify_fit_reads_a_sentinel_as_missing_as_score_fit_does(tmp_path):
    """--sentinel pdays=-1: the bundle's conversion model scores -1 exactly as an empty cell."""
    import numpy as np

    from leadlever.engine.qualification import load_bundle

    df = leads(3_000, 9)
    rng = np.random.default_rng(0)
    df["pdays"] = np.where(rng.uniform(size=len(df)) < 0.6, -1, rng.integers(1, 400, len(df)))
    df.to_csv(tmp_path / "h.csv", index=False)
    res = run("qualify", "fit", tmp_path / "h.csv", "--bundle-out", tmp_path / "m.json",
              "--sentinel", "pdays=-1")  # fmt: skip
    assert res.exit_code == 0, res.output
    model = load_bundle(tmp_path / "m.json").conversion
    assert model.preprocessor_.sentinels == {"pdays": [-1.0]}
    probe = df[df["converted"].isna()].head(20).drop(columns=["converted"])
    as_sentinel = model.predict_proba(probe.assign(pdays=-1))[:, 1]
    as_missing = model.predict_proba(probe.assign(pdays=np.nan))[:, 1]
    np.testing.assert_allclose(as_sentinel, as_missing)
    assert not np.allclose(as_sentinel, model.predict_proba(probe.assign(pdays=30))[:, 1])


def test_qualify_apply_json(files, tmp_path):
    res = run(
        "qualify",
        "apply",
        files / "models.json",
        files / "leads.csv",
        "--out",
        tmp_path / "p.csv",
        "--target-roles",
        "data_scientist,data_engineer",
        "--json",
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    df = leads(6_000, 8)
    is_open = df["converted"].isna()
    # only open leads are profiled; the closed ones are counted, never written
    assert out["n_leads"] == is_open.sum() and out["n_closed_excluded"] == (~is_open).sum()
    prof = pd.read_csv(tmp_path / "p.csv")
    assert set(prof["lead_id"]) == set(df.loc[is_open, "lead_id"])
    assert prof["converted"].isna().all()
    assert {a["name"] for a in out["assumptions"]} >= {"hourly_rate", "commission_rate"}
    assert {
        "p_convert",
        "p_convert_30d",
        "p_convert_180d",
        "expected_effort_hours",
        "expected_commission",
        "p_fit",
        "expected_value",
        "grade_fit",
    } <= set(prof.columns)


def test_plan_json(files, tmp_path):
    res = run(
        "plan",
        files / "profile.csv",
        "--consultants",
        files / "team.csv",
        "--out",
        tmp_path / "q.csv",
        "--json",
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert {"n_in_house", "n_nurture", "n_sell", "expected_profit", "status", "gap"} <= set(out)
    queue = pd.read_csv(tmp_path / "q.csv")
    assert out["n_in_house"] + out["n_nurture"] + out["n_sell"] == len(queue)
    assert {"priority", "action", "consultant", "expected_value", "reason"} <= set(queue.columns)


def test_rescore_json(files, tmp_path):
    hist = tmp_path / "hist.csv"
    res = run(
        "score", "rescore", files / "models.json", files / "leads.csv", "--history", hist, "--json"
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert {"n_scored", "n_tier_changes", "top_rises", "top_falls", "n_history_rows"} <= set(out)
    assert len(pd.read_csv(hist)) == out["n_scored"]


@pytest.mark.parametrize(
    "args, needle",
    [
        (
            ["qualify", "apply", "{d}/missing.json", "{d}/leads.csv", "--out", "{t}/o.csv"],
            "does not exist",
        ),
        (
            ["qualify", "apply", "{d}/team.csv", "{d}/leads.csv", "--out", "{t}/o.csv"],
            "not valid JSON",
        ),
        (["qualify", "fit", "{d}/team.csv", "--bundle-out", "{t}/o.json"], "converted"),
        (
            ["plan", "{d}/profile.csv", "--consultants", "{d}/leads.csv", "--out", "{t}/o.csv"],
            "weekly_hours",
        ),
        (
            ["plan", "{d}/leads.csv", "--consultants", "{d}/team.csv", "--out", "{t}/o.csv"],
            "qualify apply",
        ),
        (
            [
                "score",
                "rescore",
                "{d}/models.json",
                "{d}/leads.csv",
                "--history",
                "{t}/o.csv",
                "--events",
                "{d}/team.csv",
            ],
            "event",
        ),
    ],
)
def test_bad_inputs_exit_2_and_write_nothing(files, tmp_path, args, needle):
    res = run(*[a.format(d=files, t=tmp_path) for a in args])
    assert res.exit_code == 2, res.output
    assert needle in res.output
    assert "Traceback" not in res.output
    assert list(tmp_path.iterdir()) == []


def test_zero_capacity_exit_2(files, tmp_path):
    (tmp_path / "z.csv").write_text("name,weekly_hours,seniority\nann,0,senior\n")
    res = run(
        "plan",
        files / "profile.csv",
        "--consultants",
        tmp_path / "z.csv",
        "--out",
        tmp_path / "o.csv",
    )
    assert res.exit_code == 2
    assert "0 weekly hours" in res.output
    assert not (tmp_path / "o.csv").exists()


def test_qualify_apply_names_a_channel_the_bundle_was_not_fitted_on(files, tmp_path):
    df = leads(2_000, 11)
    new = df.index[: len(df) // 4]
    df["channel"] = df["channel"].astype(object)
    df.loc[new, "channel"] = "tiktok"  # a channel launched after the fit
    df.to_csv(tmp_path / "new.csv", index=False)
    res = run("qualify", "apply", files / "models.json", tmp_path / "new.csv",
              "--out", tmp_path / "p.csv", "--json")  # fmt: skip
    assert res.exit_code == 0, res.output
    (warning,) = [w for w in json.loads(res.stdout)["warnings"] if "'channel'" in w]
    assert f"{len(new):,} of 2,000 leads" in warning and "'tiktok'" in warning
    # the leads the bundle was fitted on give no such warning
    res = run("qualify", "apply", files / "models.json", files / "leads.csv",
              "--out", tmp_path / "q.csv", "--json")  # fmt: skip
    assert not any("not fitted on" in w for w in json.loads(res.stdout)["warnings"])


def test_plan_with_id_col_on_a_profile_that_also_has_lead_id(files, tmp_path):
    """A qualification profile carries `lead_id`; --id-col naming the export's own id column
    must not give two `lead_id` columns (it crashed with a broadcasting error)."""
    prof = pd.read_csv(files / "profile.csv")
    prof["Opportunity ID"] = "OPP-" + prof["lead_id"].astype(str)
    prof.to_csv(tmp_path / "p.csv", index=False)
    res = run("plan", tmp_path / "p.csv", "--consultants", files / "team.csv",
              "--id-col", "Opportunity ID", "--out", tmp_path / "q.csv", "--json")  # fmt: skip
    assert res.exit_code == 0, res.output
    queue = pd.read_csv(tmp_path / "q.csv")
    assert queue["lead_id"].str.startswith("OPP-").all() and len(queue) == len(prof)
    assert any("left aside" in n for n in json.loads(res.stdout)["notes"])
    prof["Opportunity ID"] = prof["lead_id"]  # the same ids: nothing to say
    prof.to_csv(tmp_path / "p2.csv", index=False)
    res = run("plan", tmp_path / "p2.csv", "--consultants", files / "team.csv",
              "--id-col", "Opportunity ID", "--out", tmp_path / "q2.csv", "--json")  # fmt: skip
    assert res.exit_code == 0 and not any(
        "left aside" in n for n in json.loads(res.stdout)["notes"]
    )
