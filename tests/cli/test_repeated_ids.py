"""A repeated opportunity id is refused by the fitting and scoring commands too (exit 2 naming
the column and the rows), or dropped with ``--dedupe``, whatever the id column is called."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from _new_user import LEAKS, runner

from leadlever.cli import app
from leadlever.simulations.world import TRUE_COLUMNS, simulate_leads


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    d = tmp_path_factory.mktemp("dupes")
    leads = simulate_leads(500, seed=13).drop(columns=[*TRUE_COLUMNS, *LEAKS])
    leads = leads.rename(columns={"lead_id": "opportunity_id"})
    closed = leads[leads["converted"].notna()].reset_index(drop=True)
    repeats = closed.iloc[[5, 17]]
    doubled = pd.concat([closed, repeats], ignore_index=True)
    doubled.to_csv(d / "dupes.csv", index=False)
    closed.to_csv(d / "unique.csv", index=False)
    # the data rows (1-based) that repeat an earlier id, found independently
    rows = (doubled.index[doubled["opportunity_id"].duplicated()] + 1).tolist()
    assert len(rows) == 2
    return d, rows


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def _refused(res, rows):
    assert res.exit_code == 2, res.output
    assert "'opportunity_id'" in res.output
    assert all(str(r) in res.output for r in rows) and "--dedupe" in res.output


def test_score_fit_refuses_a_repeated_opportunity_id(export, tmp_path):
    d, rows = export
    fit = ("score", "fit", d / "dupes.csv", "--target", "converted", "--cv", "2")
    _refused(run(*fit, "--model-out", tmp_path / "m.json"), rows)
    res = run(*fit, "--dedupe", "--model-out", tmp_path / "m.json", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["n_rows"] == len(pd.read_csv(d / "unique.csv"))


def test_qualify_fit_refuses_a_repeated_opportunity_id(export, tmp_path):
    d, rows = export
    _refused(run("qualify", "fit", d / "dupes.csv", "--bundle-out", tmp_path / "b.json"), rows)


def test_score_apply_refuses_a_repeated_opportunity_id(export, tmp_path):
    d, rows = export
    model = tmp_path / "m.json"
    res = run("score", "fit", d / "unique.csv", "--target", "converted", "--cv", "2",
              "--model-out", model)  # fmt: skip
    assert res.exit_code == 0, res.output
    _refused(run("score", "apply", model, d / "dupes.csv", "--out", tmp_path / "s.csv"), rows)
    res = run("score", "apply", model, d / "dupes.csv", "--out", tmp_path / "s.csv", "--dedupe")
    assert res.exit_code == 0, res.output
    scored = pd.read_csv(tmp_path / "s.csv")
    assert scored["opportunity_id"].is_unique
    assert len(scored) == len(pd.read_csv(d / "unique.csv"))
