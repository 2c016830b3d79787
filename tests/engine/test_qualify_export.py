"""Qualification on a foreign export: column roles, mapping files, durations from dates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leadlever.engine.exceptions import DataError, ParameterError
from leadlever.engine.io import OutcomeSpec
from leadlever.engine.qualification import (
    durations_from_dates,
    fit_bundle,
    load_mapping,
    resolve_columns,
)
from leadlever.simulations.world import simulate_export


def test_durations_from_dates_by_hand():
    created = pd.Series(pd.to_datetime(["2024-01-01", "2024-01-10", "2024-02-01", "2024-03-01"]))
    closed = pd.Series(pd.to_datetime(["2024-01-31", "2024-01-20", None, None]))
    conv = np.array([1.0, 0.0, np.nan, np.nan])
    d, e, as_of = durations_from_dates(conv, created, closed)
    assert as_of == pd.Timestamp("2024-03-01")  # the latest date of the export
    # won at its closing day; lost followed to the observation date; open censored there
    np.testing.assert_array_equal(d, [30, 51, 29, 0])
    np.testing.assert_array_equal(e, [1, 0, 0, 0])
    d, _, _ = durations_from_dates(conv, created, closed, lost="censor", as_of="2024-03-11")
    np.testing.assert_array_equal(d, [30, 10, 39, 10])
    with pytest.raises(DataError, match="no closing date"):
        durations_from_dates(np.array([1.0]), created[:1], pd.Series([pd.NaT]))
    with pytest.raises(DataError, match="close before"):
        durations_from_dates(
            np.array([0.0]), created[1:2], pd.Series(pd.to_datetime(["2023-12-01"]), index=[1])
        )


@pytest.fixture(scope="module")
def pipeline():
    return simulate_export("pipeline", 1500, seed=8)[0]


def test_mapping_file_equals_the_options(pipeline, tmp_path):
    path = tmp_path / "map.toml"
    path.write_text(
        '[columns]\nopportunity_id = "lead_id"\ndeal_stage = "converted"\nengage_date = "created_at"\n'
        'close_date = "closed_at"\nclose_value = "value"\n[outcome]\nwon = ["Won"]\nlost = ["Lost"]\n'
    )
    mapping = load_mapping(path)
    assert mapping["roles"]["converted"] == "deal_stage" and mapping["won"] == ("Won",)
    spec = OutcomeSpec("deal_stage", mapping["won"], mapping["lost"])
    roles = {k: v for k, v in mapping["roles"].items() if k != "converted"}
    cm = resolve_columns(pipeline, outcome=spec, given=roles)
    assert (cm.lead_id, cm.created_at, cm.closed_at, cm.value) == (
        "opportunity_id", "engage_date", "close_date", "close_value"
    )  # fmt: skip
    assert set(cm.non_features) == {
        "deal_stage",
        "opportunity_id",
        "engage_date",
        "close_date",
        "close_value",
    }
    path.write_text('[columns]\nclose_value = "valeu"\n')
    with pytest.raises(ParameterError, match="did you mean 'value'"):
        load_mapping(path)


def test_pipeline_criteria_fitted_and_skipped_with_reasons(pipeline):
    with pytest.warns(UserWarning, match="no better than chance"):
        bundle = fit_bundle(
            pipeline,
            outcome=OutcomeSpec("deal_stage", ("Won",), ("Lost",)),
            columns={
                "created_at": "engage_date",
                "closed_at": "close_date",
                "value": "close_value",
            },
            seed=2,
        )
    status = {c["criterion"]: c for c in bundle.report.criteria}
    assert [status[k]["status"] for k in ("conversion", "timing", "profit")] == ["fitted"] * 3
    assert status["delivery"]["status"] == status["fit"]["status"] == "skipped"
    assert "close_value" not in bundle.features and "opportunity_id" not in bundle.features
    # the value model learns the price list: a won deal's value is its product's price
    prof = bundle.profile(pipeline)
    by_product = (
        prof.assign(product=pipeline["product"]).groupby("product")["expected_commission"].mean()
    )
    assert by_product["GTK 500"] > 20 * by_product["MG Special"]
    # no value-free estimate is invented: effort has no model, so its column is empty
    assert prof["expected_effort_hours"].isna().all()
    assert prof["model_warning"].str.startswith("no better than chance").all()


@pytest.mark.shared_data
def test_bank_marketing_qualifies_conversion_only_and_names_the_leak():
    from helpers import require_shared

    from leadlever.engine.io import read_table

    bank = read_table(require_shared("bank-marketing", "bank.csv"))
    with pytest.warns(UserWarning, match="'duration' may leak"):
        leaky = fit_bundle(bank, outcome="y", seed=0)
    status = {c["criterion"]: c["status"] for c in leaky.report.criteria}
    assert status == {"conversion": "fitted", "timing": "skipped", "delivery": "skipped",
                      "profit": "skipped", "fit": "skipped"}  # fmt: skip
    clean = fit_bundle(bank, outcome="y", drop=["duration"], seed=0)
    assert "duration" not in clean.features and "duration" in leaky.features
    leaky_auc, clean_auc = (b.report.metrics["conversion"]["auc"] for b in (leaky, clean))
    assert leaky_auc > 0.85 > clean_auc > 0.65  # the leak alone lifts the AUC above 0.85
