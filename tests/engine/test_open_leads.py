"""Which leads are open when the export names its outcome column in its own way."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leadlever.engine.io._open_leads import find_outcome, open_leads


def _export(stage_col: str, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 300
    return pd.DataFrame(
        {
            "client_ref": [f"C{i:05d}" for i in range(n)],
            "p_convert": rng.uniform(0, 1, n),
            "region": rng.choice(["north", "south", "east"], n),  # text, but no stages
            stage_col: rng.choice(
                ["Won", "Lost", "Open", "Negotiation"], n, p=[0.2, 0.4, 0.3, 0.1]
            ),
        }
    )


@pytest.mark.parametrize("name", ["pipeline", "Etapa", "crm phase"])
def test_a_stage_column_of_any_name_is_found_by_its_won_and_lost_values(name):
    frame = _export(name)
    spec = find_outcome(frame)
    assert spec is not None and spec.column == name
    found = open_leads(frame)
    # brute force: open = neither Won nor Lost
    expected = frame[~frame[name].isin(["Won", "Lost"])]["client_ref"].tolist()
    assert found.leads["client_ref"].tolist() == expected
    assert found.n_closed == len(frame) - len(expected)
    assert any(f"Took '{name}'" in n for n in found.notes)


def test_a_column_with_only_won_or_only_lost_is_not_taken_as_the_outcome():
    frame = _export("pipeline")
    frame["pipeline"] = frame["pipeline"].replace({"Lost": "Stalled"})
    assert find_outcome(frame) is None
    found = open_leads(frame)
    assert found.n_closed == 0 and "every lead is taken to be open" in found.notes[0]
