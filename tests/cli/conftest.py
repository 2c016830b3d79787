"""Fixtures of the CLI tests: small input files shared by the new-user error cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _new_user import COSTS_TOML, CURVES_CSV, LEAKS, RULES_TOML, runner

from leadlever.cli import app
from leadlever.simulations.world import TRUE_COLUMNS, simulate_leads


@pytest.fixture(scope="session")
def work(tmp_path_factory) -> dict[str, Path]:
    """Small input files shared by the cases (never modified by them)."""
    d = tmp_path_factory.mktemp("inputs")
    leads = simulate_leads(400, seed=5)
    leads = leads.drop(columns=[*TRUE_COLUMNS, *LEAKS])
    closed = leads[leads["converted"].notna()].reset_index(drop=True)
    closed["converted"] = closed["converted"].astype(int)
    paths = {"closed": d / "closed.csv", "dir": d}
    closed.to_csv(paths["closed"], index=False)
    rng = np.random.default_rng(0)
    scored = closed.assign(p_convert=np.clip(rng.beta(2, 4, len(closed)), 0.01, 0.99))
    paths["scored"] = d / "scored.csv"
    scored.to_csv(paths["scored"], index=False)
    # the same leads as open ones (no outcome yet): what decisions act on
    paths["open"] = d / "open.csv"
    scored.drop(columns="converted").to_csv(paths["open"], index=False)
    paths["model"] = d / "model.json"
    res = runner.invoke(
        app,
        [
            "score", "fit", str(paths["closed"]), "--target", "converted", "--cv", "2",
            "--model-out", str(paths["model"]),
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    paths["curves"] = d / "curves.csv"
    paths["curves"].write_text(CURVES_CSV)
    paths["rules"] = d / "rules.toml"
    paths["rules"].write_text(RULES_TOML)
    paths["economics"] = d / "economics.toml"
    paths["economics"].write_text(COSTS_TOML)
    paths["team"] = d / "team.csv"
    paths["team"].write_text("name,weekly_hours,seniority\nAna,40,senior\nBen,32,mid\n")
    profile = scored[["lead_id", "p_convert"]].assign(
        p_convert_180d=0.4,
        expected_effort_hours=8.0,
        expected_commission=20000.0,
        p_fit=0.7,
        expected_resale_value=300.0,
        expected_value=lambda f: f["p_convert"] * 20000.0 - 480.0,
    )
    paths["profile"] = d / "profile.csv"
    profile.to_csv(paths["profile"], index=False)
    return paths


@pytest.fixture(scope="session")
def catalogue_inputs(tmp_path_factory) -> Path:
    """The fuzz catalogue's valid input files (``_fuzz_catalogue.build_inputs``), built once."""
    from _fuzz_catalogue import build_inputs

    d = tmp_path_factory.mktemp("catalogue-inputs")
    build_inputs(d)
    return d


@pytest.fixture
def d(catalogue_inputs, tmp_path) -> Path:
    """A private copy of :func:`catalogue_inputs` that a case may edit."""
    import shutil

    return Path(shutil.copytree(catalogue_inputs, tmp_path / "in"))
