"""Outcomes as CRMs write them: 1/0, yes/no, true/false, or a stage column.

A CRM export says whether a lead converted in many ways: a 0/1 column, ``yes``/``no``,
``TRUE``/``FALSE``, or a pipeline stage (``Won``, ``Lost``, ``Engaging``,
``Prospecting``). :func:`parse_outcome` turns any of them into LeadLever's
``converted`` coding: 1 won, 0 lost, empty (``<NA>``) while open. For a stage column
the user names the won and lost stages (``--won Won --lost Lost``); every other stage
is open. Empty cells are open leads.

Which leads are open (the only ones a recommendation may act on) is
:mod:`leadlever.engine.io._open_leads`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import (
    InvalidValueError,
    MissingColumnsError,
    ParameterError,
)
from leadlever.engine.io._schema import _FALSE, _TRUE, closest_names

__all__ = [
    "OutcomeSpec",
    "Outcome",
    "parse_outcome",
    "parse_values",
    "OUTCOME_COLUMN",
]

#: the shared vocabulary's outcome column (1 won, 0 lost, empty while open)
OUTCOME_COLUMN = "converted"

_WON_HINTS = ("won", "win", "converted", "placed", "hired", "success", "yes", "closed won")
_LOST_HINTS = ("lost", "lose", "fail", "rejected", "no", "closed lost", "dead", "disqualified")


def parse_values(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"Won, Closed Won"`` -> ``("Won", "Closed Won")`` (empty items dropped)."""
    if text is None:
        return ()
    items = text.split(",") if isinstance(text, str) else list(text)
    return tuple(str(v).strip() for v in items if str(v).strip())


@dataclass(frozen=True)
class OutcomeSpec:
    """Which column holds the outcome, and (for a stage column) which values are won and lost.

    Parameters
    ----------
    column : str
        The outcome column of the export.
    won, lost : tuple of str
        Stage values meaning won and lost (case-insensitive); empty for 1/0, yes/no and
        true/false columns. Every other value is an open lead.
    """

    column: str
    won: tuple[str, ...] = ()
    lost: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "won", parse_values(self.won))
        object.__setattr__(self, "lost", parse_values(self.lost))
        if bool(self.won) != bool(self.lost):
            given, missing = ("--won", "--lost") if self.won else ("--lost", "--won")
            raise ParameterError(
                f"{given} needs {missing} too: name the stage values that mean won and those that "
                "mean lost (every other value counts as an open lead)."
            )
        overlap = {v.lower() for v in self.won} & {v.lower() for v in self.lost}
        if overlap:
            raise ParameterError(
                f"The values {sorted(overlap)} are given both as won and as lost. Name each once."
            )

    def describe(self) -> str:
        if not self.won:
            return f"'{self.column}' (1/yes/true = won, 0/no/false = lost, empty = open)"
        return (
            f"'{self.column}' (won: {', '.join(self.won)}; lost: {', '.join(self.lost)}; "
            "any other value = open)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {"column": self.column, "won": list(self.won), "lost": list(self.lost)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OutcomeSpec:
        return cls(str(data["column"]), tuple(data.get("won", ())), tuple(data.get("lost", ())))


@dataclass(frozen=True)
class Outcome:
    """A parsed outcome column: ``values`` (Int8: 1, 0, <NA>) and its counts."""

    spec: OutcomeSpec
    values: pd.Series
    note: str | None = None

    @property
    def n_won(self) -> int:
        return int((self.values == 1).sum())

    @property
    def n_lost(self) -> int:
        return int((self.values == 0).sum())

    @property
    def n_open(self) -> int:
        return int(self.values.isna().sum())

    @property
    def closed(self) -> np.ndarray:
        return self.values.notna().to_numpy(dtype=bool)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.spec.to_dict(),
            "n_won": self.n_won,
            "n_lost": self.n_lost,
            "n_open": self.n_open,
        }


def _where(source: str | None) -> str:
    return f"File '{source}'" if source else "The table"


def _value_counts(text: pd.Series, limit: int = 8) -> str:
    counts = text.value_counts()
    shown = ", ".join(f"'{v}' ({n:,})" for v, n in counts.head(limit).items())
    return shown + (f" and {len(counts) - limit} more" if len(counts) > limit else "")


def _guess(values: Iterable[str], hints: tuple[str, ...]) -> list[str]:
    out: dict[str, str] = {}
    for v in values:
        if any(h == v.lower() or h in v.lower().split() for h in hints):
            out.setdefault(v.lower(), v)
    return list(out.values())


def _stage_error(text: pd.Series, column: str, source: str | None) -> InvalidValueError:
    present = [str(v) for v in text.dropna().unique()]
    won, lost = _guess(present, _WON_HINTS), _guess(present, _LOST_HINTS)
    lost = [v for v in lost if v not in won]
    example = (
        f" For example: --won '{','.join(won)}' --lost '{','.join(lost)}'."
        if won and lost
        else " For example: --won Won --lost Lost."
    )
    bad = ~text.isna() & ~text.str.lower().isin(_TRUE | _FALSE).fillna(False)
    rows = (np.flatnonzero(bad.to_numpy(dtype=bool)) + 1).tolist()
    return InvalidValueError(
        f"{_where(source)}, column '{column}' holds {_value_counts(text.dropna())}, which are not "
        "1/0, yes/no or true/false. If it is a pipeline stage, name the stages that mean won and "
        f"lost with --won and --lost (every other stage counts as open).{example}",
        column,
        rows,
    )


def _already_binary(raw: pd.Series, lower: pd.Series, spec: OutcomeSpec) -> bool:
    """A column coded 1/0 (e.g. ``score fit --oof-out``) although --won/--lost name stages."""
    named = {v.lower() for v in spec.won + spec.lost}
    present = set(lower.dropna().unique())
    if not present or present & named:
        return False
    num = pd.to_numeric(raw, errors="coerce")
    return bool(num.notna().sum() == lower.notna().sum() and num.dropna().isin([0, 1]).all())


def parse_outcome(
    frame: pd.DataFrame,
    spec: OutcomeSpec,
    *,
    source: str | None = None,
    strict: bool = True,
) -> Outcome:
    """Code the outcome column of ``frame`` as 1 won, 0 lost, <NA> open.

    With ``strict`` (fitting), every ``--won``/``--lost`` value must occur in some row (a
    misspelt stage is an error); without it (scoring a batch of open leads) absent values
    are fine.

    Raises
    ------
    MissingColumnsError
        The column is absent (the closest name is suggested).
    InvalidValueError
        Values that are neither yes/no-like nor named by ``spec.won``/``spec.lost``
        (listing the values present and the flags to pass), or a won/lost value that
        no row holds.
    """
    column = spec.column
    if column not in frame.columns:
        close = closest_names(column, [str(c) for c in frame.columns])
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise MissingColumnsError(
            f"{_where(source)} has no outcome column '{column}'{hint}. Name the column that says "
            "whether a lead converted with --target.",
            [column],
            {column: close[0]} if close else {},
        )
    raw = frame[column]
    out = pd.Series(pd.NA, index=frame.index, dtype="Int8", name=OUTCOME_COLUMN)
    if pd.api.types.is_bool_dtype(raw):
        return Outcome(spec, raw.astype("Int8").rename(OUTCOME_COLUMN))
    text = raw.astype("string").str.strip()
    text = text.mask(text == "")
    lower = text.str.lower()
    if spec.won and _already_binary(raw, lower, spec):
        note = (
            f"Column '{column}' is already coded 1/0 (none of its rows holds "
            f"{', '.join(spec.won + spec.lost)}): read as 1 = won, 0 = lost, empty = open."
        )
        return Outcome(OutcomeSpec(column), parse_outcome(frame, OutcomeSpec(column)).values, note)
    if spec.won:
        checks = (("--won", spec.won), ("--lost", spec.lost)) if strict else ()
        for flag, values in checks:
            absent = [v for v in values if not (lower == v.lower()).any()]
            if absent:
                raise InvalidValueError(
                    f"{_where(source)}, column '{column}': {flag} value(s) {absent} appear in no "
                    f"row. The column holds {_value_counts(text.dropna())}.",
                    column,
                    [],
                )
        won = lower.isin([v.lower() for v in spec.won]).fillna(False).to_numpy(dtype=bool)
        lost = lower.isin([v.lower() for v in spec.lost]).fillna(False).to_numpy(dtype=bool)
    else:
        if pd.api.types.is_numeric_dtype(raw):
            num = pd.to_numeric(raw, errors="coerce").astype(float)
            bad = num.notna() & ~num.isin([0.0, 1.0])
            if bad.any():
                rows = (np.flatnonzero(bad.to_numpy()) + 1).tolist()
                raise InvalidValueError(
                    f"{_where(source)}, column '{column}': data row(s) {rows[:5]} hold "
                    f"{sorted(set(num[bad].tolist()))[:3]}, but an outcome is 1 (won), 0 (lost) "
                    "or empty (open). Use another column as --target, or recode this one.",
                    column,
                    rows,
                )
            lower = num.map({1.0: "1", 0.0: "0"}).astype("string")
        known = lower.isin(_TRUE | _FALSE).fillna(False) | lower.isna()
        if not known.all():
            raise _stage_error(text, column, source)
        won = lower.isin(_TRUE).fillna(False).to_numpy(dtype=bool)
        lost = lower.isin(_FALSE).fillna(False).to_numpy(dtype=bool)
    out[won] = 1
    out[lost] = 0
    return Outcome(spec, out)
