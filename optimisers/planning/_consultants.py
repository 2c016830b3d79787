"""Consultants for the action planner: CSV or TOML, validated.

CSV columns ``name, weekly_hours, seniority``; TOML ``[[consultant]]`` tables
with the same keys. Seniority is a number (0 = junior) or one of
:data:`SENIORITY_LEVELS`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from leadlever.engine.io._tables import read_table, read_toml
from leadlever.optimisers.exceptions import ConsultantsFileError, NoConsultantsError

__all__ = ["load_consultants", "SENIORITY_LEVELS"]

#: names accepted for the seniority column (numbers are accepted too)
SENIORITY_LEVELS = {"junior": 0, "mid": 1, "medior": 1, "senior": 2, "principal": 3, "lead": 3}
#: a week has this many hours: more weekly hours for one consultant is an input error
HOURS_PER_WEEK = 168


def _seniority(values: pd.Series, source: str) -> np.ndarray:
    out = np.empty(len(values))
    for k, v in enumerate(values.tolist()):
        key = str(v).strip().lower()
        if key in SENIORITY_LEVELS:
            out[k] = SENIORITY_LEVELS[key]
            continue
        try:
            out[k] = float(key)
        except ValueError:
            raise ConsultantsFileError(
                f"{source}: column 'seniority', row {k + 1}: {v!r} is not a level. Use a number "
                f"(0 = junior) or one of {sorted(SENIORITY_LEVELS)}."
            ) from None
    return out


def load_consultants(source: str | os.PathLike | pd.DataFrame) -> pd.DataFrame:
    """Read consultants from CSV (columns ``name, weekly_hours, seniority``), TOML
    (``[[consultant]]`` tables with the same keys) or a DataFrame; validate them."""
    name = "consultants table"
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
    else:
        path = Path(source)
        name = f"File '{path}'"
        if path.suffix.lower() == ".toml":
            data = read_toml(path, what="Consultants", error=ConsultantsFileError)
            frame = pd.DataFrame(data.get("consultant", []))
            if frame.empty:
                raise NoConsultantsError(f"{name} has no [[consultant]] entries. Add at least one.")
        else:
            frame = read_table(path)
    missing = [c for c in ("name", "weekly_hours", "seniority") if c not in frame.columns]
    if missing:
        raise ConsultantsFileError(
            f"{name} lacks column(s) {missing}. It needs name, weekly_hours and seniority."
        )
    if frame.empty:
        raise NoConsultantsError(f"{name} has no consultants. Add at least one row.")
    hours = pd.to_numeric(frame["weekly_hours"], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(hours) | (hours < 0) | (hours > HOURS_PER_WEEK))
    if bad.size:
        raise ConsultantsFileError(
            f"{name}: column 'weekly_hours', row(s) {(bad[:5] + 1).tolist()}: not a number "
            f"from 0 to {HOURS_PER_WEEK} (the hours of a week; give hours per week, not per "
            "month or per year)."
        )
    if frame["name"].astype(str).duplicated().any():
        raise ConsultantsFileError(f"{name}: consultant names must be unique.")
    return pd.DataFrame(
        {
            "name": frame["name"].astype(str).to_numpy(),
            "weekly_hours": hours,
            "seniority": _seniority(frame["seniority"], name),
        }
    )
