"""Rescoring active leads and keeping an append-only score history.

Scores go stale (the case study): :func:`rescore` re-scores the active (open)
leads with a qualification bundle, either all of them (a scheduled batch) or
those touched by events, and appends one row per lead to a score-history table
through :func:`leadlever.engine.io._tables.append_table`: the new history is written to a
temporary file and swapped in with one atomic rename, so a crash at any point
leaves the earlier history exactly as it was. The whole read-score-append holds an
exclusive lock on the history (:func:`leadlever.engine.io._lock.locked`), so concurrent
runs on one history run one after the other and none loses or repeats another's rows.

Events file (CSV/Parquet): columns ``event`` and optionally ``lead_id``.

=================  ==========================================================
``event``          effect
=================  ==========================================================
``call``           a logged call: re-score the named ``lead_id``
``new_client``     a new client (strategy/value may move): re-score all active
``okr_change``     an OKR change: re-score all active
=================  ==========================================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import DataError
from leadlever.engine.io._lock import locked
from leadlever.engine.io._numbers import rows_text, shorten
from leadlever.engine.io._schema import require_columns
from leadlever.engine.io._tables import append_table, read_table
from leadlever.engine.qualification._bundle import QualificationBundle, QualificationSettings
from leadlever.engine.scoring._familiarity import unfamiliar_counts, unfamiliar_warnings

__all__ = ["rescore", "rescore_frame", "RescoreResult", "HISTORY_COLUMNS", "EVENT_KINDS"]

EVENT_KINDS = {"call": "lead", "new_client": "all", "okr_change": "all"}
CRITERIA_COLUMNS = (
    "p_convert",
    "score",
    "p_convert_30d",
    "p_convert_180d",
    "expected_effort_hours",
    "expected_commission",
    "p_fit",
    "expected_value",
)
HISTORY_COLUMNS = ("lead_id", "scored_at", "model_version", "trigger", *CRITERIA_COLUMNS, "tier")


@dataclass(frozen=True)
class RescoreResult:
    """What one rescoring run appended, and who moved."""

    history: Path | str
    scored_at: str
    model_version: str
    rows: pd.DataFrame
    movers: pd.DataFrame
    n_history_rows: int
    warnings: tuple[str, ...] = ()

    def to_dict(self, top: int = 5) -> dict[str, Any]:
        moved = self.movers.dropna(subset=["score_change"])
        rises = moved.sort_values("score_change", ascending=False).head(top)
        falls = moved.sort_values("score_change").head(top)
        cols = ["lead_id", "previous_score", "score", "score_change", "previous_tier", "tier"]
        return {
            "history": str(self.history),
            "scored_at": self.scored_at,
            "model_version": self.model_version,
            "n_scored": int(len(self.rows)),
            "n_history_rows": self.n_history_rows,
            "n_new": int(self.movers["previous_score"].isna().sum()),
            "n_tier_changes": int(self.movers["tier_changed"].sum()),
            "top_rises": rises[rises["score_change"] > 0][cols].to_dict(orient="records"),
            "top_falls": falls[falls["score_change"] < 0][cols].to_dict(orient="records"),
            "warnings": list(self.warnings),
        }

    def to_frame(self) -> pd.DataFrame:
        return self.movers


def _targets(
    leads: pd.DataFrame,
    events: pd.DataFrame | None,
    source: str = "events",
    id_col: str = "lead_id",
) -> tuple[np.ndarray, np.ndarray]:
    """Rows to re-score and the trigger of each (``source`` names the events file)."""
    n = len(leads)
    if events is None:
        return np.arange(n), np.full(n, "batch", dtype=object)
    require_columns(
        events,
        ["event"],
        source=source,
        fix=f"Give one of {sorted(EVENT_KINDS)} per row (and lead_id for 'call').",
    )
    kinds = events["event"].astype(str).str.strip().str.lower()
    unknown = sorted(set(kinds) - set(EVENT_KINDS))
    if unknown:
        bad = (np.flatnonzero(~kinds.isin(list(EVENT_KINDS)).to_numpy()) + 1).tolist()
        shown = ", ".join(shorten(u, 30) for u in unknown[:3])
        raise DataError(
            f"File '{source}', column 'event': {rows_text(bad)} hold unknown event(s) {shown}. "
            f"Use {sorted(EVENT_KINDS)}."
        )
    global_events = [k for k in kinds if EVENT_KINDS[k] == "all"]
    if global_events:
        return np.arange(n), np.full(n, global_events[0], dtype=object)
    require_columns(
        events, ["lead_id"], source=source, fix="Events of kind 'call' name the lead they touch."
    )
    wanted = set(events.loc[kinds == "call", "lead_id"].astype(str))
    rows = np.flatnonzero(leads[id_col].astype(str).isin(wanted).to_numpy())
    return rows, np.full(rows.size, "call", dtype=object)


def _read_history(history: Path) -> pd.DataFrame | None:
    """The score history so far (``None`` before the first run), checked to be one."""
    if not history.exists():
        return None
    old = read_table(history)
    require_columns(
        old,
        list(HISTORY_COLUMNS),
        source=str(history),
        needed_for="of a score history",
        fix="It is not a history `leadlever score rescore` wrote: give a new --history file "
        "name (it is created) or the history file of earlier runs.",
    )
    return old


def _previous(old: pd.DataFrame | None) -> pd.DataFrame | None:
    if old is None:
        return None
    old = old.sort_values("scored_at", kind="stable").drop_duplicates("lead_id", keep="last")
    return old[["lead_id", "score", "tier"]].rename(
        columns={"score": "previous_score", "tier": "previous_tier"}
    )


def rescore_frame(
    leads: pd.DataFrame,
    bundle: QualificationBundle,
    previous: pd.DataFrame | None,
    *,
    events: pd.DataFrame | None = None,
    scored_at: str | None = None,
    settings: QualificationSettings | None = None,
    sources: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, str, list[str]]:
    """The history rows and movers of one rescoring, without writing anything.

    Parameters
    ----------
    leads, bundle, events, scored_at, settings, sources
        As in :func:`rescore`.
    previous : DataFrame or None
        Each lead's latest earlier row (``lead_id``, ``previous_score``,
        ``previous_tier``), or None when there is no history yet.

    Returns
    -------
    new : DataFrame
        One history row per re-scored lead (:data:`HISTORY_COLUMNS`).
    movers : DataFrame
        ``lead_id``, ``score``, ``tier``, ``previous_score``, ``previous_tier``,
        ``score_change``, ``tier_changed``.
    scored_at : str
        The timestamp written on the rows.
    warnings : list of str
        What ``qualify apply`` warns of on the re-scored leads: categories the conversion
        model was not fitted on, numeric columns distributed unlike the fit
        (:func:`~leadlever.engine.scoring._familiarity.unfamiliar_warnings`).
    """
    sources = sources or {}
    id_col = bundle.columns.lead_id or "lead_id"
    require_columns(
        leads,
        [id_col],
        source=sources.get("leads"),
        needed_for="(the score history is kept per lead)",
        fix="Add the id column the bundle was fitted with.",
    )
    active = leads.loc[bundle.open_mask(leads)].reset_index(drop=True)
    rows, trigger = _targets(active, events, sources.get("events", "events"), id_col)
    stamp = scored_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    warned: list[str] = []
    if rows.size == 0:
        profile = pd.DataFrame(columns=["lead_id", *CRITERIA_COLUMNS, "tier"])
    else:
        profile = bundle.profile(active.iloc[rows], settings, source=sources.get("leads"))
        model = bundle.conversion
        warned = unfamiliar_warnings(model, unfamiliar_counts(model, active.iloc[rows]))
    new = pd.DataFrame(
        {
            "lead_id": profile["lead_id"].astype(str).to_numpy(),
            "scored_at": stamp,
            "model_version": bundle.model_version,
            "trigger": trigger,
            **{
                c: profile[c].to_numpy() if c in profile.columns else np.nan
                for c in CRITERIA_COLUMNS
            },
            "tier": profile["tier"].astype(str).to_numpy(),
        },
        columns=list(HISTORY_COLUMNS),
    )
    movers = new[["lead_id", "score", "tier"]].copy()
    if previous is not None:
        movers = movers.merge(previous.astype({"lead_id": str}), on="lead_id", how="left")
    else:
        movers["previous_score"] = np.nan
        movers["previous_tier"] = None
    movers["score_change"] = movers["score"] - movers["previous_score"]
    movers["tier_changed"] = movers["previous_tier"].notna() & (
        movers["previous_tier"] != movers["tier"]
    )
    return new, movers, stamp, warned


@locked("history")
def rescore(
    leads: pd.DataFrame,
    bundle: QualificationBundle,
    history: str | os.PathLike,
    *,
    events: pd.DataFrame | None = None,
    scored_at: str | None = None,
    settings: QualificationSettings | None = None,
    sources: dict[str, str] | None = None,
) -> RescoreResult:
    """Re-score active leads and append them to the score history.

    Parameters
    ----------
    leads : DataFrame
        Lead table (the export the bundle was fitted on, or its newer version); open
        leads by the bundle's outcome column (all rows when it is absent) are active.
    bundle : QualificationBundle
    history : path
        Score-history table (CSV/Parquet), created if absent.
    events : DataFrame, optional
        Events that trigger the rescoring (see the module docstring); ``None``
        re-scores every active lead (batch).
    scored_at : str, optional
        Timestamp written on the rows (default: now, UTC, ISO 8601).
    settings : QualificationSettings, optional
        Overrides the bundle's settings (e.g. after an OKR change).
    sources : dict, optional
        File names of ``"leads"`` and ``"events"``, for messages.
    """
    history = Path(history)
    old = _read_history(history)  # read under the lock, before anything is written
    new, movers, stamp, warned = rescore_frame(
        leads,
        bundle,
        _previous(old),
        events=events,
        scored_at=scored_at,
        settings=settings,
        sources=sources,
    )
    n_before = 0 if old is None else len(old)
    if len(new):
        append_table(new, history, existing=old)
    return RescoreResult(
        history, stamp, bundle.model_version, new, movers, n_before + len(new), tuple(warned)
    )
