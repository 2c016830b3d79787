"""Which leads are still open: the outcome column named or found, the closed leads left out.

Every command that recommends on leads (``plan``, ``price leads``, ``package``, ``roi
evaluate``, ``roi target``, ``deals compare --leads``) acts on open leads only. A lead is
closed when its outcome is known: won or lost. The outcome column is the one named with
``--target`` (with ``--won``/``--lost`` for a stage column); without it,
:func:`find_outcome` looks for one, in any letter case: ``converted`` first, then a column
named like an outcome (converted, won, outcome, y, target, deal_stage, stage, status ...)
whose values are a recognised coding (1/0, yes/no, true/false, or Won/Lost stages, every
other stage open), then a text column of any name holding both a won and a lost stage
(``pipeline``: Won / Lost / Open). :func:`open_leads` says which column it took; when there is none every
lead is taken to be open, and it says that too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import EmptyDataError
from leadlever.engine.io._outcomes import OUTCOME_COLUMN, OutcomeSpec, parse_outcome
from leadlever.engine.io._schema import _FALSE, _TRUE

__all__ = [
    "OpenLeads",
    "find_outcome",
    "outcome_candidates",
    "open_leads",
    "open_mask",
    "split_open",
    "keep_open",
]

#: names (lower case, spaces and dashes as ``_``) an outcome column goes by, most telling first
OUTCOME_NAMES = (
    "converted",
    "is_converted",
    "won",
    "is_won",
    "outcome",
    "y",
    "target",
    "deal_stage",
    "stage",
    "status",
    "deal_status",
    "opportunity_stage",
)
_WON_STAGES = ("won", "closed won", "closed-won", "closed_won")
_LOST_STAGES = ("lost", "closed lost", "closed-lost", "closed_lost")


def _norm(name: object) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def _coding(values: pd.Series, column: str) -> OutcomeSpec | None:
    """The outcome coding of ``values`` if they are one LeadLever recognises, else None."""
    if pd.api.types.is_bool_dtype(values):
        return OutcomeSpec(column)
    text = values.astype("string").str.strip()
    text = text[text.notna() & (text != "")]
    if text.empty:
        return None
    if pd.api.types.is_numeric_dtype(values):
        num = pd.to_numeric(values, errors="coerce").dropna()
        return OutcomeSpec(column) if num.isin([0, 1]).all() else None
    present: dict[str, str] = {}
    for v in text.unique():
        present.setdefault(str(v).lower(), str(v))
    if set(present) <= (_TRUE | _FALSE):
        return OutcomeSpec(column)
    won = tuple(present[v] for v in _WON_STAGES if v in present)
    lost = tuple(present[v] for v in _LOST_STAGES if v in present)
    if won or lost:
        return OutcomeSpec(column, won or ("Won",), lost or ("Lost",))
    return None


def outcome_candidates(names: list[str]) -> list[str]:
    """The columns of ``names`` named like an outcome (:data:`OUTCOME_NAMES`), most telling
    first: those :func:`find_outcome` tries, before it looks at their values."""
    by_name: dict[str, str] = {}
    for column in names:
        by_name.setdefault(_norm(column), str(column))
    if OUTCOME_COLUMN in names:
        return [OUTCOME_COLUMN]
    return [by_name[n] for n in OUTCOME_NAMES if n in by_name]


def find_outcome(frame: pd.DataFrame) -> OutcomeSpec | None:
    """The outcome column of ``frame`` (module docstring), or None when it has none."""
    if OUTCOME_COLUMN in frame.columns:
        return OutcomeSpec(OUTCOME_COLUMN)
    for column in outcome_candidates([str(c) for c in frame.columns]):
        spec = _coding(frame[column], column)
        if spec is not None:
            return spec
    return _stage_by_values(frame)


#: a text column with at most this many distinct values is looked at for Won/Lost stages
_MAX_STAGES = 50


def _stage_by_values(frame: pd.DataFrame) -> OutcomeSpec | None:
    """A stage column under another name (``pipeline``, ``Etapa``): the first text column with
    few distinct values among which are both a won and a lost stage (:data:`_WON_STAGES`,
    :data:`_LOST_STAGES`); every other value of it is an open stage."""
    for column in frame.columns:
        values = frame[column]
        if not (values.dtype == object or pd.api.types.is_string_dtype(values.dtype)):
            continue
        distinct = values.dropna().astype(str).str.strip().str.lower().unique()
        if len(distinct) > _MAX_STAGES:
            continue
        if set(distinct) & set(_WON_STAGES) and set(distinct) & set(_LOST_STAGES):
            return _coding(values, str(column))
    return None


@dataclass(frozen=True)
class OpenLeads:
    """The open leads of a table, how many closed ones were left out, by which outcome column."""

    leads: pd.DataFrame
    n_closed: int
    outcome: OutcomeSpec | None
    notes: list[str] = field(default_factory=list)

    @property
    def closed_why(self) -> str:
        """``converted 1 or 0`` or ``won or lost in 'deal_stage'``: what closed means here."""
        spec = self.outcome
        if spec is None or (spec.column == OUTCOME_COLUMN and not spec.won):
            return "converted 1 or 0"
        return f"won or lost in '{spec.column}'"


def open_leads(
    frame: pd.DataFrame, outcome: OutcomeSpec | None = None, *, source: str | None = None
) -> OpenLeads:
    """The open leads of ``frame`` by ``outcome`` (``--target``) or the outcome column found.

    Raises
    ------
    MissingColumnsError, InvalidValueError
        ``outcome`` names a column that is absent, or values that are no outcome coding.
    """
    notes: list[str] = []
    spec = outcome
    if spec is None:
        spec = find_outcome(frame)
        if spec is None:
            notes.append(
                "The leads have no 'converted' column (nor another outcome column; name one "
                "with --target): every lead is taken to be open."
            )
            return OpenLeads(frame.reset_index(drop=True), 0, None, notes)
        if spec.column != OUTCOME_COLUMN:
            notes.append(
                f"Took {spec.describe()} as the outcome column: pass --target (with --won/--lost "
                "for a stage column) to name another."
            )
    parsed = parse_outcome(frame, spec, source=source, strict=False)
    if parsed.note:
        notes.append(parsed.note)
    elif outcome is not None and outcome.won and parsed.n_won + parsed.n_lost == 0:
        notes.append(
            f"No row of '{outcome.column}' holds a --won or --lost value: every lead is taken "
            "to be open."
        )
    closed = parsed.closed
    return OpenLeads(frame.loc[~closed].reset_index(drop=True), int(closed.sum()), spec, notes)


def open_mask(frame: pd.DataFrame, column: str = OUTCOME_COLUMN) -> np.ndarray:
    """True for open leads: an empty ``column`` cell (every row when the column is absent)."""
    if column not in frame.columns:
        return np.ones(len(frame), dtype=bool)
    values = frame[column]
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return values.isna().to_numpy(dtype=bool)
    text = values.astype("string").str.strip()
    return (text.isna() | (text == "")).to_numpy(dtype=bool)


def split_open(frame: pd.DataFrame, column: str = OUTCOME_COLUMN) -> tuple[pd.DataFrame, int, bool]:
    """The open leads of ``frame`` by the ``column`` cells alone, how many closed leads were
    left out, and whether ``column`` was there to tell (without it every lead counts as open)."""
    mask = open_mask(frame, column)
    return frame.loc[mask].reset_index(drop=True), int((~mask).sum()), column in frame.columns


def keep_open(
    frame: pd.DataFrame,
    *,
    doing: str,
    source: str | None = None,
    outcome: OutcomeSpec | None = None,
) -> tuple[pd.DataFrame, int, list[str]]:
    """The open leads a recommendation may act on, how many closed ones were left out, and
    the notes that say so once (``doing``: "planned", "priced", "sold" ...).

    Raises
    ------
    EmptyDataError
        When no open lead is left.
    """
    found = open_leads(frame, outcome, source=source)
    notes = list(found.notes)
    if found.n_closed:
        notes.append(
            f"Left out {found.n_closed:,} closed lead(s) ({found.closed_why}): only open leads "
            f"are {doing}."
        )
    if found.leads.empty:
        where = f"File '{source}'" if source else "The table"
        raise EmptyDataError(
            f"{where} has no open leads to act on ({found.n_closed:,} closed leads left out, "
            f"{found.closed_why}): only open leads are planned, priced, packaged or sold."
        )
    return found.leads, found.n_closed, notes
