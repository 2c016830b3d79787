from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leadlever.engine.exceptions import EmptyDataError, InvalidValueError, MissingColumnsError
from leadlever.engine.io import ColumnSpec, TableSchema, coerce_binary, load_leads, validate_table

SCHEMA = TableSchema(
    "t",
    (
        ColumnSpec("lead_id", "id"),
        ColumnSpec("converted", "binary"),
        ColumnSpec("p_convert", "probability"),
        ColumnSpec("spend", "numeric", min=0),
    ),
)


def _frame(**over):
    base = {
        "lead_id": ["a", "b", "c"],
        "converted": ["Yes", "no", "TRUE"],
        "p_convert": [0.1, 0.5, 0.9],
        "spend": [1, 2, 3],
    }
    base.update(over)
    return pd.DataFrame(base)


def test_coerces_yes_no_targets():
    out = validate_table(_frame(), SCHEMA)
    assert out["converted"].tolist() == [1, 0, 1]


def test_missing_column_suggests_closest():
    frame = _frame().rename(columns={"p_convert": "p_conver"})
    with pytest.raises(MissingColumnsError) as info:
        validate_table(frame, SCHEMA, source="leads.csv")
    assert info.value.missing == ["p_convert"]
    assert info.value.suggestions == {"p_convert": "p_conver"}
    assert "leads.csv" in str(info.value) and "did you mean 'p_conver'" in str(info.value)


def test_non_numeric_values_name_rows():
    with pytest.raises(InvalidValueError) as info:
        validate_table(_frame(spend=["1", "x", "3"]), SCHEMA, source="f.csv")
    assert info.value.rows == [2]
    assert "column 'spend'" in str(info.value) and "data row 2" in str(info.value)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_inf_rejected(bad):
    with pytest.raises(InvalidValueError, match="spend"):
        validate_table(_frame(spend=[1.0, bad, 2.0]), SCHEMA)


def test_probability_in_percent_detected():
    with pytest.raises(InvalidValueError, match="percentage"):
        validate_table(_frame(p_convert=[10, 50, 90]), SCHEMA)


def test_out_of_range_and_duplicate_ids():
    with pytest.raises(InvalidValueError, match=r"lies below 0 \(e.g. -1\)"):
        validate_table(_frame(spend=[-1, 2, 3]), SCHEMA)
    with pytest.raises(InvalidValueError, match="unique id"):
        validate_table(_frame(lead_id=["a", "a", "c"]), SCHEMA)


def test_bad_binary_and_empty():
    with pytest.raises(InvalidValueError, match="yes/no"):
        coerce_binary(pd.Series(["yes", "maybe"]), column="converted")
    with pytest.raises(EmptyDataError):
        validate_table(_frame().iloc[:0], SCHEMA)


def test_decimal_comma_numbers():
    out = validate_table(_frame(spend=["1,5", "2", "3"]), SCHEMA)
    assert out["spend"].tolist() == [1.5, 2.0, 3.0]


def test_load_simulated_leads(small_leads):
    out = load_leads(small_leads)
    assert out["converted"].dtype == "Int8"
    assert out["converted"].isna().any()
