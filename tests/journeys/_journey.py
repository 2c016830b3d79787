"""Helpers of the journey tests: the CLI runner, the exports' outcome options, open ids."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from leadlever.cli import app

__all__ = ["run", "open_ids", "VALIANT_OUTCOME", "PIPELINE_OUTCOME", "runner"]

runner = CliRunner()

#: the Valiant export's outcome options
VALIANT_OUTCOME = ("--target", "Status", "--won", "Placed", "--lost", "Lost")
#: the pipeline export's outcome options
PIPELINE_OUTCOME = ("--target", "deal_stage", "--won", "Won", "--lost", "Lost")


def run(*args, ok: bool = True):
    """Invoke the CLI; with ``ok`` assert exit 0 and return (stdout JSON or None, result)."""
    result = runner.invoke(app, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, f"{' '.join(map(str, args))}\n{result.output}"
        assert "Traceback" not in result.output
    payload = None
    if ok and "--json" in args:
        payload = json.loads(result.stdout)
    return payload, result


def open_ids(path: Path, column: str, closed_values: tuple[str, ...]) -> set[str]:
    """Ids of the export's open leads (the stage is none of ``closed_values``)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    id_col = frame.columns[0]
    return set(frame.loc[~frame[column].isin(closed_values), id_col])
