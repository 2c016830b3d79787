"""Rescoring: append-only history, events, movers, and survival of an interrupted run."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from qualify_fixtures import bundle, leads

import leadlever.engine.io._tables
from leadlever.engine.exceptions import DataError
from leadlever.engine.qualification import HISTORY_COLUMNS, rescore


@pytest.fixture(scope="module")
def fitted():
    return bundle()


@pytest.fixture(scope="module")
def active():
    df = leads(6_000, 8)
    return df[df["converted"].isna()].head(300).reset_index(drop=True)


def test_batch_then_event_appends(fitted, active, tmp_path):
    hist = tmp_path / "history.csv"
    first = rescore(active, fitted, hist, scored_at="2026-11-01T00:00:00Z")
    assert first.n_history_rows == len(active)
    table = pd.read_csv(hist)
    assert list(table.columns) == list(HISTORY_COLUMNS)
    assert (table["model_version"] == fitted.model_version).all()
    events = pd.DataFrame(
        {"event": ["call", "call"], "lead_id": [active["lead_id"].iat[3], "unknown"]}
    )
    second = rescore(active, fitted, hist, events=events, scored_at="2026-11-08T00:00:00Z")
    assert len(second.rows) == 1 and second.rows["trigger"].iat[0] == "call"
    table2 = pd.read_csv(hist)
    assert len(table2) == len(active) + 1
    pd.testing.assert_frame_equal(table2.iloc[: len(active)], table)  # earlier rows untouched
    okr = rescore(active, fitted, hist, events=pd.DataFrame({"event": ["okr_change"]}))
    assert len(okr.rows) == len(active)
    with pytest.raises(DataError, match="unknown event"):
        rescore(active, fitted, hist, events=pd.DataFrame({"event": ["party"]}))


def test_movers_report_tier_changes(fitted, active, tmp_path):
    hist = tmp_path / "h.csv"
    rescore(active, fitted, hist, scored_at="2026-11-01T00:00:00Z")
    strict = dataclasses.replace(fitted.settings, tier_cuts=(5, 10, 100))
    res = rescore(active, fitted, hist, scored_at="2026-11-02T00:00:00Z", settings=strict)
    prof = fitted.profile(active)
    moved = ((prof["score"] > 5) & (prof["score"] <= 30)) | (
        (prof["score"] > 10) & (prof["score"] <= 65)
    )
    assert res.to_dict()["n_tier_changes"] == int(moved.sum())
    assert res.to_dict()["n_new"] == 0


def test_interrupted_rescore_leaves_history_as_it_was(fitted, active, tmp_path, monkeypatch):
    hist = tmp_path / "history.csv"
    rescore(active, fitted, hist, scored_at="2026-11-01T00:00:00Z")
    before = hist.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full (injected)")

    monkeypatch.setattr(
        leadlever.engine.io._tables.os, "replace", crash
    )  # the final atomic swap fails
    with pytest.raises(OSError, match="injected"):
        rescore(active, fitted, hist, scored_at="2026-11-08T00:00:00Z")
    monkeypatch.undo()
    assert hist.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["history.csv"]  # no temp file left

    def broken_profile(*args, **kwargs):
        raise RuntimeError("model crashed mid-run (injected)")

    monkeypatch.setattr(type(fitted), "profile", broken_profile)
    with pytest.raises(RuntimeError):
        rescore(active, fitted, hist)
    assert hist.read_bytes() == before


def test_active_leads_are_the_empty_outcomes_whatever_the_coding():
    import pandas as pd

    from leadlever.engine.qualification import active_leads

    table = pd.DataFrame(
        {"lead_id": list("abcdef"), "converted": ["yes", "no", "", None, " ", "1"]}
    )
    assert active_leads(table)["lead_id"].tolist() == ["c", "d", "e"]
    assert len(active_leads(table.drop(columns="converted"))) == 6
