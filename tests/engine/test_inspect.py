"""Inspecting exports: ids, leak suspects, period codes, missing codes, kinds and roles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import require_shared

from leadlever.engine.io import OutcomeSpec, inspect_table, read_table
from leadlever.engine.io._column_checks import single_column_auc
from leadlever.simulations.world import simulate_export


@pytest.fixture(scope="module")
def education():
    return simulate_export("education", 1500, seed=3)[0]


@pytest.fixture(scope="module")
def pipeline():
    return simulate_export("pipeline", 1500, seed=3)[0]


def test_education_export(education):
    report = inspect_table(education, outcome=OutcomeSpec("Converted"))
    assert set(report.id_columns) == {"Prospect ID", "Lead Number"}
    assert report.leak_suspects == ["Tags"]
    spec = report.column("Specialization")
    assert spec.missing_codes[0]["value"] == "Select"
    assert any("--sentinel 'Specialization=Select'" in w for w in spec.warnings)
    assert report.column("Converted").role == "target"
    assert report.column("Total Time Spent on Website").kind == "numeric"


def test_an_increasing_whole_number_is_an_id_however_it_is_named(education):
    frame = education.rename(columns={"Lead Number": "Ref"})
    col = inspect_table(frame).column("Ref")
    assert col.kind == "id" and col.role == "id" and "increases" in col.warnings[0]
    shuffled = frame.sample(frac=1.0, random_state=0).reset_index(drop=True)
    shuffled["Ref"] = np.arange(len(shuffled)) + 1000  # a row counter, in whatever order
    assert inspect_table(shuffled).column("Ref").role == "id"
    # a whole number that is not unique (visits) is a feature
    assert inspect_table(frame).column("TotalVisits").role == "feature"


def test_pipeline_export(pipeline):
    report = inspect_table(pipeline, outcome=OutcomeSpec("deal_stage", "Won", "Lost"))
    assert report.id_columns == ["opportunity_id"]
    reasons = report.column("close_value").leak_reasons
    assert any("almost perfectly" in r for r in reasons)
    assert any("filled for closed leads" in r for r in report.column("close_date").leak_reasons)
    assert report.column("engage_date").kind == "date"
    assert report.outcome["n_won"] + report.outcome["n_lost"] + report.outcome["n_open"] == 1500
    # without a target, the stage column is recognised as a target candidate
    assert inspect_table(pipeline).column("deal_stage").kind == "target candidate"


def test_single_column_auc_is_honest_about_many_categories():
    rng = np.random.default_rng(0)
    y = (rng.random(2000) < 0.3).astype(float)
    many = pd.Series([f"acct{i}" for i in rng.integers(0, 800, 2000)])  # rare levels, no signal
    assert single_column_auc(many, y) < 0.6
    leak = pd.Series(np.where(y == 1, "won it", "lost it"))
    assert single_column_auc(leak, y) == pytest.approx(1.0)


def test_constant_and_one_sided_columns():
    rng = np.random.default_rng(1)
    n = 3000
    y = (rng.random(n) < 0.2).astype(int)
    frame = pd.DataFrame(
        {
            "y": y,
            "country": ["DE"] * n,
            "visit": np.where(y == 1, 1, (rng.random(n) < 0.3).astype(int)),  # all winners visited
            "score": rng.normal(size=n),
        }
    )
    report = inspect_table(frame, outcome=OutcomeSpec("y"))
    assert report.column("country").role == "excluded"
    assert any("no lead with value '0' won" in r for r in report.column("visit").leak_reasons)
    assert not report.column("score").warnings


@pytest.mark.shared_data
def test_bank_marketing_duration_pdays_and_period_codes():
    path = require_shared("bank-marketing", "bank-additional.csv")
    report = inspect_table(read_table(path), outcome=OutcomeSpec("y"))
    assert "duration" in report.leak_suspects and "poutcome" not in report.leak_suspects
    pdays = report.column("pdays").missing_codes
    assert pdays and pdays[0]["value"] == 999
    coded = [c.name for c in report.columns if any("code per period" in w for w in c.warnings)]
    assert {"emp.var.rate", "nr.employed"} <= set(coded) and "age" not in coded


def test_a_declared_text_placeholder_is_read_as_missing():
    """`--sentinel Specialization=Select` on a text column: 'Select' scores like an empty cell."""
    from leadlever.engine.features import Preprocessor

    rng = np.random.default_rng(2)
    values = rng.choice(np.array(["Finance", "HR", "Select", ""]), size=400)
    frame = pd.DataFrame({"Specialization": values, "x": rng.normal(size=400)})
    pre = Preprocessor(sentinels={"Specialization": ["Select"]}).fit(frame)
    levels = next(p["levels"] for p in pre.plans_ if p["name"] == "Specialization")
    assert "Select" not in levels and "missing" in levels
    probe = pd.DataFrame({"Specialization": ["Select", "", "select "], "x": [0.0, 0.0, 0.0]})
    design = pre.transform(probe)
    np.testing.assert_array_equal(design[0], design[1])
    np.testing.assert_array_equal(design[0], design[2])
    plain = Preprocessor().fit(frame)
    assert "Select" in next(p["levels"] for p in plain.plans_ if p["name"] == "Specialization")


def test_a_lead_number_is_an_id_in_a_file_sorted_by_outcome_or_shuffled(education):
    # the export sorted by outcome (then shuffled) with its lead number renamed: the numbers
    # neither follow the row order nor fill a dense range, but no measurement over their range
    # would be unique in every row
    rng = np.random.default_rng(4)
    n = len(education)
    numbers = 579_533 + rng.choice(81_000, n, replace=False)
    frame = education.drop(columns="Lead Number").assign(LeadNo=numbers)
    by_outcome = frame.sort_values("Converted", kind="stable").reset_index(drop=True)
    shuffled = frame.sample(frac=1.0, random_state=1).rename(columns={"LeadNo": "Ref"})
    for table, name in ((by_outcome, "LeadNo"), (shuffled, "Ref")):
        x = table[name].to_numpy()
        order = pd.Series(x).corr(pd.Series(np.arange(n)), method="spearman")
        assert abs(order) < 0.9 and np.ptp(x) + 1 > 2 * n  # the old rules miss it
        col = inspect_table(table, outcome=OutcomeSpec("Converted")).column(name)
        assert col.kind == "id" and col.role == "id"
    # a whole-number measurement that happens to be unique in a small table is a feature:
    # 60 salaries over a range of 150,000 are expected to repeat 60^2 / 300,000 = 0.01 times
    small = pd.DataFrame({"salary": 50_000 + rng.choice(150_000, 60, replace=False)})
    assert inspect_table(small).column("salary").role == "feature"


def test_a_tag_column_with_nearly_one_sided_values_is_a_leak_suspect():
    """CRM tags written after the outcome ('Closed by us', 'Already a student') are not
    perfectly one-sided: a few leads of each slip through. A strong but honest category
    (a level converting at a fifth of the base rate) is not flagged."""
    rng = np.random.default_rng(3)
    n = 6000
    y = (rng.random(n) < 0.35).astype(int)
    tag = np.where(rng.random(n) < 0.5, "none", "ringing").astype(object)
    closed = (y == 1) & (rng.random(n) < 0.4)
    tag[closed] = "closed by us"
    slip = rng.choice(np.flatnonzero(y == 0), 3, replace=False)
    tag[slip] = "closed by us"  # 3 lost leads carry it by mistake
    source = rng.choice(["web", "fair", "partner"], n)
    y_src = np.where(source == "fair", rng.random(n) < 0.07, y == 1).astype(int)
    frame = pd.DataFrame({"won": y, "tags": tag})
    report = inspect_table(frame, outcome=OutcomeSpec("won"))
    expected_losses = (tag == "closed by us").sum() * (1 - y.mean())
    (reason,) = report.column("tags").leak_reasons
    assert "only 3 of the" in reason and "'closed by us' lost" in reason
    assert f"about {expected_losses:,.0f} expected" in reason
    honest = inspect_table(
        pd.DataFrame({"won": y_src, "source": source}), outcome=OutcomeSpec("won")
    )
    assert honest.column("source").leak_reasons == ()


def test_a_field_filled_for_some_lost_leads_and_no_open_one_is_closed_only():
    """A resale price known only for the lost leads it was sold for (20 % of the closed ones,
    none of the open ones) leaks; a sparse optional field as rare among open leads as among
    closed ones does not. The binomial chance of the first by luck is 0.8^900 ~ 1e-87."""
    from leadlever.engine.io._column_checks import CLOSED_ONLY, leak_reasons

    rng = np.random.default_rng(5)
    n = 3000
    closed = rng.uniform(size=n) < 0.7
    won = closed & (rng.uniform(size=n) < 0.3)
    y = won[closed].astype(float)
    lost = closed & ~won
    resale = pd.Series(
        np.where(lost & (rng.uniform(size=n) < 0.28), rng.uniform(50, 500, n), np.nan)
    )
    assert 0.15 < resale[closed].notna().mean() < 0.25 and resale[~closed].isna().all()
    assert CLOSED_ONLY in leak_reasons(resale, "Resale Price", y, closed)
    optional = pd.Series(np.where(rng.uniform(size=n) < 0.1, rng.uniform(0, 1, n), np.nan))
    assert CLOSED_ONLY not in leak_reasons(optional, "Referral score", y, closed)
