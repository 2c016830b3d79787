"""Channel verdicts need enough leads: a channel of 5 leads gets 'too few leads' (announced),
and leads without a channel are counted under '(missing)', never under a channel 'nan'."""

from __future__ import annotations

import numpy as np
import pandas as pd

from leadlever.engine.economics import Economics
from leadlever.engine.roi import RoiStream, evaluate_leads
from leadlever.engine.roi._feedback import MIN_GROUP_LEADS, MISSING_GROUP, TOO_FEW
from leadlever.simulations.world import simulate_leads

COSTS = Economics(value_per_conversion=900.0, generation_cost=12.0, effort_hours=1.5)


def _export(n_small: int, n_missing: int) -> pd.DataFrame:
    leads = simulate_leads(600, seed=31)
    frame = pd.DataFrame(
        {
            "lead_id": leads["lead_id"],
            "channel": leads["channel"].astype(object),
            "p_convert": leads["true_p_convert"],
        }
    )
    frame.loc[: n_small - 1, "channel"] = "Facebook"  # a channel of a handful of leads
    frame.loc[n_small : n_small + n_missing - 1, "channel"] = np.nan
    return frame


def test_small_channels_get_no_verdict_and_missing_channels_are_named():
    frame = _export(5, 12)
    report = evaluate_leads(frame, threshold="top40%", economics=COSTS)
    table = report.by_channel.set_index("channel")
    assert "nan" not in table.index and "NaN" not in table.index
    counts = frame["channel"].fillna(MISSING_GROUP).value_counts()
    assert table["n"].to_dict() == counts.to_dict()
    few = counts[counts < MIN_GROUP_LEADS].index
    assert {"Facebook", MISSING_GROUP} <= set(few)
    assert (table.loc[few, "feedback"] == TOO_FEW).all()
    assert (table.loc[few, "suggested_spend_change"] == 0).all()
    enough = counts[counts >= MIN_GROUP_LEADS].index
    assert table.loc[enough, "feedback"].isin(["reinforce", "correct"]).all()
    # announced: the assumption and a note naming the channels
    names = [a.name for a in report.assumptions]
    assert "min_leads_per_group" in names
    assert any("'Facebook' (5)" in n and TOO_FEW in n for n in report.notes)
    assert any("12 lead(s) have no channel" in n for n in report.notes)


def test_streaming_counts_missing_channels_the_same_way():
    frame = _export(5, 12)
    batch = evaluate_leads(frame, threshold=1.0, economics=COSTS)
    stream = RoiStream(threshold=batch.threshold, economics=COSTS)
    for row in frame.to_dict(orient="records"):
        stream.update(row)
    pd.testing.assert_frame_equal(stream.report().by_channel, batch.by_channel, check_exact=True)


def test_charts_colour_a_channel_without_a_verdict_apart_from_both_verdicts():
    from leadlever.engine.roi._feedback import TOO_FEW, verdict_colours

    reinforce, correct, few = verdict_colours(["reinforce", "correct", TOO_FEW])
    assert len({reinforce, correct, few}) == 3  # 'too few leads' is not drawn as 'correct'


def test_a_held_channel_moving_against_its_leads_says_why_it_moves():
    """'correct but spend up' on a held channel: the curves' marginal return explains the
    direction, the hold band only how far; a held channel that stays put names its limit."""
    from leadlever.optimisers.allocation._feedback import _why

    band = "held near its current share (100 to 300): its curve is weak"
    up = _why("correct", "up", "held", band)
    assert "still returns more than elsewhere" in up and band in up
    down = _why("reinforce", "down", "capped", "at its evidence cap 500")
    assert "saturation" in down and "at its evidence cap 500" in down
    assert _why("correct", "hold", "held", band) == f"the allocator's move is limited: {band}"
    assert "marginal return equals" in _why("correct", "hold", "free", "")
