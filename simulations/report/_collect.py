"""Recognise what a user's run produced: the tables and ``--json`` outputs of the commands.

:func:`collect` reads every file named (folders are read file by file) and recognises it
by its content, not its name: a ``--json`` output by its keys, a table by its columns, a
deals file by its ``[[deals]]``. What it cannot recognise in a folder is listed with the
reason; a JSON file named on its own that is no output the report reads is an error naming
it (the user meant it to be in the report).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from leadlever.engine.exceptions import InputFileError, LeadLeverError
from leadlever.engine.io._numbers import shorten
from leadlever.engine.io._persist import loads_json
from leadlever.engine.io._tables import read_table, read_toml

__all__ = ["Inputs", "collect", "JSON_KINDS", "JSON_COMMANDS", "TABLE_KINDS", "EXACT_TABLE_KINDS"]

#: kind -> keys a command's --json output always has
JSON_KINDS = {
    "score_fit": {"auc_ci", "importance", "n_rows"},
    "qualify_fit": {"criteria", "model_version"},
    "inspect": {"columns", "id_columns", "leak_suspects"},
    "roi_evaluate": {"threshold_rule", "overall", "by_channel"},
    "roi_target": {"threshold_p", "n_contact", "expected_profit"},
    "allocation": {"allocation", "certificate", "budget"},
    "plan": {"n_in_house", "n_nurture", "n_sell"},
    "price_leads": {"multiplier", "n_by_grade", "expected_profit"},
    "package": {"packages", "revenue", "unsold"},
    "deals": {"p_star", "envelope", "deals"},
    "allocate_plan": {"weeks", "plan", "spend_by_week", "value_by_week", "caps", "held"},
    "campaign_step": {"next_period", "allocation", "source", "explored", "evidence_limits"},
    "allocate_fit": {"channels", "n_periods", "time_effect", "n_draws", "kind"},
    "qualify_apply": {"n_leads", "n_closed_excluded", "tiers", "total_expected_value"},
    "score_apply": {"n_rows", "n_closed", "tiers", "tier_method"},
    "score_rules": {"n_rows", "n_hot", "mean_points", "hot_threshold"},
    "score_evaluate": {"threshold", "tp", "fp", "fn", "tn", "auc", "gains"},
    "score_compare": {"scores", "evaluation", "blend_weight"},
    "price_deal": {"expected_profit_per_lead", "break_even_p", "break_even_status", "levers"},
    "price_solve": {"lever", "value", "any_value", "target", "target_value", "levers"},
    "simulate_campaign": {"weeks", "seeds", "policies", "shift_week"},
}
#: kind -> the command whose --json output it is (named in messages and docs)
JSON_COMMANDS = {
    "score_fit": "score fit",
    "score_apply": "score apply",
    "score_rules": "score rules",
    "score_evaluate": "score evaluate",
    "score_compare": "score compare",
    "price_deal": "price",
    "price_solve": "price solve",
    "simulate_campaign": "simulate campaign",
    "qualify_fit": "qualify fit",
    "qualify_apply": "qualify apply",
    "inspect": "inspect",
    "roi_evaluate": "roi evaluate",
    "roi_target": "roi target",
    "allocate_fit": "allocate fit",
    "allocation": "allocate solve",
    "allocate_plan": "allocate plan",
    "campaign_step": "campaign step",
    "plan": "plan",
    "price_leads": "price leads",
    "package": "package",
    "deals": "deals compare",
}
#: kind -> columns a command's table always has
TABLE_KINDS = {
    "queue": {"priority", "action", "consultant", "lead_id"},
    "contacts": {"contact_rank", "expected_profit"},
    "priced": {"grade", "price", "p_convert"},
    "packages": {"lead_id", "package_id", "buyer"},
    "roi_leads": {"verdict", "magnitude", "expected_roi"},
    "profile": {"p_convert", "expected_value", "score", "tier"},
    "scored": {"p_convert", "score", "tier"},
    "curves": {"channel", "curve"},
    "split": {"period", "channel", "spend", "share"},
}
#: kind -> the exact columns of a command's table (too few to be told apart by a subset)
EXACT_TABLE_KINDS = {"weekly_plan": {"week", "channel", "spend"}}
_TABLE_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".parquet", ".pq")


@dataclass
class Inputs:
    """What was recognised, by kind (a list each: a run may hold several)."""

    json: dict[str, list[tuple[Path, dict[str, Any]]]] = field(default_factory=dict)
    tables: dict[str, list[tuple[Path, pd.DataFrame]]] = field(default_factory=dict)
    deals_files: list[Path] = field(default_factory=list)
    recognised: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)

    def first_json(self, kind: str) -> tuple[Path, dict[str, Any]] | None:
        items = self.json.get(kind)
        return items[0] if items else None

    def first_table(self, kind: str) -> tuple[Path, pd.DataFrame] | None:
        items = self.tables.get(kind)
        return items[0] if items else None


def _files(paths: Iterable[str | Path]) -> list[tuple[Path, bool]]:
    """Every file to read, with whether it was named itself (not found in a folder)."""
    out: list[tuple[Path, bool]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend((p, False) for p in sorted(path.iterdir()) if p.is_file())
        elif path.is_file():
            out.append((path, True))
        else:
            raise InputFileError(f"'{path}' does not exist. Name the run's folder or files.")
    return out


def _oof(frame: pd.DataFrame) -> bool:
    """A ``score fit --oof-out`` table: a probability and a 0/1 outcome, little else."""
    if "p_convert" not in frame.columns or len(frame.columns) > 3:
        return False
    others = [c for c in frame.columns if c != "p_convert"]
    return any(set(pd.unique(frame[c].dropna())) <= {0, 1} for c in others)


def _recognise_table(frame: pd.DataFrame) -> str | None:
    if _oof(frame):
        return "oof"
    cols = set(map(str, frame.columns))
    for kind, needed in TABLE_KINDS.items():
        if needed <= cols:
            return kind
    return next((kind for kind, exact in EXACT_TABLE_KINDS.items() if exact == cols), None)


def _unknown_json(doc: Any) -> str:
    """Why a JSON file is not an output the report reads (named in the message)."""
    if doc is None:
        return "not valid JSON (or holds NaN or Infinity, which no --json output does)"
    if not isinstance(doc, dict):
        return f"not a LeadLever --json output (a JSON {type(doc).__name__}, not an object)"
    keys = ", ".join(list(map(str, doc))[:8]) + (", ..." if len(doc) > 8 else "")
    return f"not a LeadLever --json output (its keys: {keys or 'none'})"


def collect(paths: Iterable[str | Path]) -> Inputs:
    """Read and recognise every file (see the module docstring)."""
    found = Inputs()
    for path, named in _files(paths):
        name = path.name.lower()
        kind = None
        if name.endswith(".json"):
            try:  # strict, as --json outputs are: NaN or Infinity is not a LeadLever output
                doc = loads_json(path.read_text(encoding="utf-8"), source=str(path))
            except (OSError, UnicodeDecodeError, ValueError, LeadLeverError):
                doc = None
            if isinstance(doc, dict) and "format" not in doc:
                kind = next((k for k, keys in JSON_KINDS.items() if keys <= set(doc)), None)
                if kind:
                    found.json.setdefault(kind, []).append((path, doc))
            if isinstance(doc, dict) and "format" in doc:
                reason = "a model or state file"
            else:
                reason = _unknown_json(doc)
                if named and not kind:
                    raise InputFileError(
                        f"'{path}' is {reason}. The report reads the --json outputs of "
                        + ", ".join(f"'{c}'" for c in dict.fromkeys(JSON_COMMANDS.values()))
                        + " saved to files (e.g. leadlever allocate plan curves.csv --json > "
                        "plan.json); leave this file out."
                    )
        elif name.endswith(".toml"):
            try:
                doc = read_toml(path, what="Input")
            except InputFileError:
                doc = {}
            if isinstance(doc.get("deals"), list):
                kind = "deals_file"
                found.deals_files.append(path)
            reason = "an input file (only deals files are read)"
        elif name.endswith(_TABLE_SUFFIXES):
            reason = "a table with no LeadLever output's columns"
            try:
                frame = read_table(path)
            except LeadLeverError as exc:  # an unreadable table is skipped, with the reason
                frame, reason = None, f"not readable: {shorten(str(exc), 300)}"
            if frame is not None:
                kind = _recognise_table(frame)
                if kind:
                    found.tables.setdefault(kind, []).append((path, frame))
        else:
            reason = "not a table, JSON or TOML file"
        if kind:
            found.recognised.append({"file": str(path), "kind": kind})
        else:
            found.skipped.append({"file": str(path), "reason": reason})
    return found
