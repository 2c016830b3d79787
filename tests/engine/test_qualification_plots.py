"""The plots write PNG files from result objects."""

from __future__ import annotations

import numpy as np
import pandas as pd
from qualify_fixtures import bundle, leads

from leadlever.engine.qualification.plots import plot_survival_by_tier
from leadlever.optimisers.planning import plan_actions
from leadlever.optimisers.planning.plots import plot_effort_vs_value

PNG = b"\x89PNG"


def test_survival_and_effort_value_plots(tmp_path):
    df = leads(6_000, 8)
    open_leads = df[df["converted"].isna()].head(500)
    path = plot_survival_by_tier(bundle(), open_leads, tmp_path / "s.png")
    assert path.read_bytes()[:4] == PNG
    prof = bundle().profile(open_leads)
    team = pd.DataFrame({"name": ["a", "b"], "weekly_hours": [40.0, 20.0], "seniority": [2, 0]})
    plan = plan_actions(prof, team)
    path = plot_effort_vs_value(plan, tmp_path / "e.png")
    assert path.read_bytes()[:4] == PNG
    # survival curves are non-increasing in time, between 0 and 1
    curve = bundle().timing.survival_curve(open_leads, np.arange(0, 331, 10))
    assert np.all(np.diff(curve) <= 1e-12) and curve[0] <= 1 and curve[-1] >= 0
