from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from leadlever.cli import app
from leadlever.engine.economics import load_economics
from leadlever.engine.scoring import load_rules
from leadlever.optimisers.packaging import read_buyers
from leadlever.optimisers.planning import load_consultants
from leadlever.simulations.deals import load_deals
from leadlever.simulations.examples import EXAMPLE_FILES, write_examples
from leadlever.simulations.exceptions import SimulationError


def test_examples_load_with_their_readers(tmp_path):
    files = write_examples(tmp_path)
    assert sorted(f.name for f in files) == sorted([*EXAMPLE_FILES, "team.csv"])
    assert load_rules(tmp_path / "rules.toml")
    econ = load_economics(tmp_path / "economics.toml")
    assert econ.hourly_rate == 60.0 and econ.source("hourly_rate") == "file"
    assert econ.generation_cost_by_channel["social"] == 70.0
    assert len(read_buyers(tmp_path / "buyers.toml").buyers) >= 3
    assert len(load_deals(tmp_path / "deals.toml").deals) >= 2
    assert len(load_consultants(tmp_path / "team.csv")) == 8


def test_examples_never_overwrite_silently(tmp_path):
    write_examples(tmp_path)
    (tmp_path / "rules.toml").write_text("# mine\n")
    with pytest.raises(SimulationError, match="--overwrite"):
        write_examples(tmp_path)
    assert (tmp_path / "rules.toml").read_text() == "# mine\n"
    result = CliRunner().invoke(app, ["examples", str(tmp_path)])
    assert result.exit_code == 2 and "--overwrite" in result.stderr
    result = CliRunner().invoke(app, ["examples", str(tmp_path), "--overwrite", "--json"])
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)["files"]) == 5
    assert (tmp_path / "rules.toml").read_text() != "# mine\n"
