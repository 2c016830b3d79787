"""Outcomes and dates as CRM exports write them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leadlever.engine.exceptions import InvalidValueError, MissingColumnsError, ParameterError
from leadlever.engine.io import OutcomeSpec, parse_dates, parse_outcome, split_open


@pytest.mark.parametrize(
    "values",
    [
        [1, 0, None, 1],
        ["yes", "No", "", "YES"],
        ["true", "FALSE", None, "True"],
        [True, False, None, True],
        ["1", "0", " ", "1"],
    ],
)
def test_binary_codings_give_the_same_outcome(values):
    frame = pd.DataFrame({"y": pd.Series(values, dtype=object)})
    out = parse_outcome(frame, OutcomeSpec("y"))
    assert out.values.tolist()[:2] == [1, 0] and out.values.tolist()[3] == 1
    assert pd.isna(out.values.iloc[2]) and (out.n_won, out.n_lost, out.n_open) == (2, 1, 1)


def test_stage_column_with_won_and_lost_values():
    stages = ["Won", "Lost", "Engaging", "Prospecting", "won ", "Closed Lost", None]
    frame = pd.DataFrame({"deal_stage": stages})
    out = parse_outcome(frame, OutcomeSpec("deal_stage", "Won", "Lost,Closed Lost"))
    expected = [1, 0, None, None, 1, 0, None]
    assert [None if pd.isna(v) else int(v) for v in out.values] == expected
    # every stage that is neither won nor lost is open
    assert out.n_open == 3


def test_a_stage_column_without_flags_names_the_values_and_the_fix():
    frame = pd.DataFrame({"deal_stage": ["Won", "Lost", "Engaging", "Prospecting"] * 3})
    with pytest.raises(InvalidValueError) as err:
        parse_outcome(frame, OutcomeSpec("deal_stage"), source="pipeline.csv")
    text = str(err.value)
    assert "pipeline.csv" in text and "'Engaging' (3)" in text
    assert "--won 'Won' --lost 'Lost'" in text


def test_outcome_errors():
    frame = pd.DataFrame({"stage": ["Won", "Lost"], "y": [0, 2]})
    with pytest.raises(MissingColumnsError, match="did you mean 'stage'"):
        parse_outcome(frame, OutcomeSpec("stag"))
    with pytest.raises(InvalidValueError, match="appear in no row"):
        parse_outcome(frame, OutcomeSpec("stage", "Wonn", "Lost"))
    # a batch of open leads need not contain the won stage
    assert (
        parse_outcome(frame.iloc[1:], OutcomeSpec("stage", "Won", "Lost"), strict=False).n_lost == 1
    )
    with pytest.raises(InvalidValueError, match="1 \\(won\\), 0 \\(lost\\)"):
        parse_outcome(frame, OutcomeSpec("y"))
    with pytest.raises(ParameterError, match="--lost too"):
        OutcomeSpec("stage", won="Won")
    with pytest.raises(ParameterError, match="both as won and as lost"):
        OutcomeSpec("stage", "Won", "won")


def test_split_open_counts_closed_leads():
    frame = pd.DataFrame({"lead_id": list("abcd"), "converted": [1, None, 0, None]})
    open_, n_closed, known = split_open(frame)
    assert list(open_["lead_id"]) == ["b", "d"] and n_closed == 2 and known
    _, n_closed, known = split_open(frame.drop(columns="converted"))
    assert n_closed == 0 and not known


@pytest.mark.parametrize(
    ("text", "label"),
    [
        (["2024-03-31", "2024-01-02"], "ISO 8601"),
        (["2024-03-31T14:05:00Z", "2024-01-02T00:30:00+00:30"], "ISO 8601"),
        (["31/03/2024", "02/01/2024"], "day/month/year"),
        (["03/31/2024", "01/02/2024"], "month/day/year"),
        (["31.03.2024 14:05", "02.01.2024 00:00"], "day/month/year"),
        (["2024/03/31", "2024/01/02"], "ISO 8601"),
        (["31 Mar 2024", "2 Jan 2024"], "day month-name year"),
        (["Mar 31, 2024", "Jan 2, 2024"], "month-name day year"),
    ],
)
def test_usual_export_date_formats(text, label):
    parsed = parse_dates(pd.Series([*text, ""]), column="d")
    assert parsed.format == label
    assert parsed.values.iloc[0].date() == pd.Timestamp("2024-03-31").date()
    assert parsed.values.iloc[1].date() == pd.Timestamp("2024-01-02").date()
    assert pd.isna(parsed.values.iloc[2])


def test_ambiguous_and_bad_dates():
    parsed = parse_dates(pd.Series(["01/02/2024", "03/04/2024"]), column="d")
    assert parsed.format == "day/month/year" and "day/month or month/day" in parsed.note
    assert parsed.values.iloc[0] == pd.Timestamp("2024-02-01")
    with pytest.raises(InvalidValueError, match="row 2"):
        parse_dates(pd.Series(["2024-03-31", "soon"]), column="d", source="x.csv")
    with pytest.raises(InvalidValueError, match="numbers, not dates"):
        parse_dates(pd.Series([20240331, 20240101]), column="d")
    tz = parse_dates(pd.Series(pd.to_datetime(["2024-03-31T12:00:00+02:00"], utc=True)), column="d")
    assert tz.values.iloc[0] == pd.Timestamp("2024-03-31 10:00:00")
    assert np.issubdtype(tz.values.dtype, np.datetime64)


def test_keep_open_says_what_it_left_out_and_refuses_an_all_closed_table():
    from leadlever.engine.exceptions import EmptyDataError
    from leadlever.engine.io import keep_open

    frame = pd.DataFrame({"lead_id": list("abc"), "converted": [1, None, "0"]})
    open_, n_closed, notes = keep_open(frame, doing="priced")
    assert list(open_["lead_id"]) == ["b"] and n_closed == 2
    assert notes == ["Left out 2 closed lead(s) (converted 1 or 0): only open leads are priced."]
    _, _, notes = keep_open(frame.drop(columns="converted"), doing="priced")
    assert "every lead is taken to be open" in notes[0]
    with pytest.raises(EmptyDataError, match="x.csv.*no open leads"):
        keep_open(frame.iloc[[0, 2]], doing="priced", source="x.csv")
