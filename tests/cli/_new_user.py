"""Inputs and assertions shared by the new-user error tests."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

runner = CliRunner()

__all__ = ["runner", "LEAKS", "CURVES_CSV", "COSTS_TOML", "RULES_TOML", "_user_error", "_ok"]

#: columns only known once a lead has closed (they leak the outcome)
LEAKS = (
    "days_to_convert",
    "placement_salary",
    "commission",
    "n_interactions",
    "effort_hours",
    "fit_feedback",
    "resale_value",
    "created_at",
)

CURVES_CSV = (
    "channel,curve,scale,half_saturation,shape,current_spend\n"
    "search,hill,340000,5000,1.6,3000\n"
    "social,hill,360000,8000,2.5,4000\n"
)

COSTS_TOML = "hourly_rate = 60.0\nlegal_fees = 300.0\nadmin_overhead = 40.0\n"

RULES_TOML = """[scoring]
hot_threshold = 50

[[criteria]]
name = "downloaded content"
column = "downloads"
op = ">="
value = 1
points = 50
kind = "behaviour"
"""


def _user_error(result, *words: str, out: Path | None = None) -> None:
    """Exit code 2, every key word in the message, no traceback, no output file."""
    text = result.output  # stdout + stderr
    assert result.exit_code == 2, f"exit {result.exit_code}: {text}"
    assert "Traceback" not in text, text
    low = text.lower()
    for word in words:
        assert word.lower() in low, f"{word!r} not in message: {text}"
    if out is not None:
        assert not out.exists(), f"{out} was written despite the error"


def _ok(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
