"""Profile an export before anything is fitted: ``leadlever inspect``.

:func:`inspect_table` gives every column a **kind** (what it holds: ``id``, ``date``,
``numeric``, ``category``, ``text`` or ``target candidate``), a **role** (what the fit
commands do with it: ``target``, ``id`` and ``excluded`` are left out of the features,
``date`` columns are read as dates, ``feature`` columns are model inputs) and its
**warnings** (id-like, leak suspect, period-coded, near-constant, missing codes; see
:mod:`leadlever.engine.io._column_checks`). ``score fit`` and ``qualify fit`` run the same
checks: id-like columns are excluded with a notice and leak suspects are named.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from leadlever.engine.exceptions import InvalidValueError
from leadlever.engine.io._column_checks import (
    OUTCOME_NAME,
    id_reason,
    is_yes_no,
    leak_reasons,
    near_constant,
    numeric_sentinels,
    period_coded,
    text_missing_codes,
)
from leadlever.engine.io._dates import looks_like_dates, parse_dates
from leadlever.engine.io._money import MONEY_NOTE
from leadlever.engine.io._outcomes import Outcome, OutcomeSpec, parse_outcome

__all__ = ["ColumnReport", "Inspection", "inspect_table", "KINDS", "ROLES"]

KINDS = ("id", "date", "numeric", "category", "text", "target candidate")
ROLES = ("target", "id", "date", "feature", "excluded")

#: a text column is free text when at least this share of its cells differ ...
_TEXT_UNIQUE_SHARE = 0.5
#: ... and they are this long on average
_TEXT_MEAN_LENGTH = 25
_STAGE_WORDS = ("won", "lost", "closed", "win", "loss")


@dataclass(frozen=True)
class ColumnReport:
    """What :func:`inspect_table` found in one column."""

    name: str
    kind: str
    role: str
    warnings: tuple[str, ...] = ()
    n_missing: int = 0
    n_unique: int = 0
    missing_codes: tuple[dict[str, Any], ...] = ()
    leak_reasons: tuple[str, ...] = ()

    @property
    def leak_suspect(self) -> bool:
        return bool(self.leak_reasons)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "role": self.role,
            "warnings": list(self.warnings),
            "n_missing": self.n_missing,
            "n_unique": self.n_unique,
            "missing_codes": [dict(c) for c in self.missing_codes],
            "leak_suspect": self.leak_suspect,
            "leak_reasons": list(self.leak_reasons),
        }


@dataclass(frozen=True)
class Inspection:
    """The profile of an export (the ``leadlever inspect --json`` object)."""

    n_rows: int
    columns: tuple[ColumnReport, ...]
    outcome: dict[str, Any] | None = None
    source: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def id_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.role == "id"]

    @property
    def leak_suspects(self) -> list[str]:
        return [c.name for c in self.columns if c.leak_suspect]

    @property
    def excluded(self) -> list[str]:
        """Columns the fit commands leave out of the features (ids, constants)."""
        return [c.name for c in self.columns if c.role in ("id", "excluded")]

    def column(self, name: str) -> ColumnReport:
        return next(c for c in self.columns if c.name == name)

    @property
    def warnings(self) -> list[str]:
        """Every column warning as one sentence naming the column."""
        return [f"Column '{c.name}': {w}." for c in self.columns for w in c.warnings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "n_rows": self.n_rows,
            "n_columns": len(self.columns),
            "outcome": self.outcome,
            "columns": [c.to_dict() for c in self.columns],
            "id_columns": self.id_columns,
            "leak_suspects": self.leak_suspects,
            "warnings": self.warnings + list(self.notes),
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "column": c.name,
                    "kind": c.kind,
                    "role": c.role,
                    "missing": c.n_missing,
                    "distinct": c.n_unique,
                    "warnings": "; ".join(c.warnings),
                }
                for c in self.columns
            ]
        )


def _stage_like(values: pd.Series) -> bool:
    text = values.dropna().astype(str).str.strip().str.lower()
    levels = set(text.unique().tolist())
    if not 2 <= len(levels) <= 20:
        return False
    hits = [lv for lv in levels if any(w in lv.split() or w == lv for w in _STAGE_WORDS)]
    return len(hits) >= 2


def _date_note(values: pd.Series, name: str) -> list[str]:
    """How a date column is read when that needs saying (mixed formats, day/month assumed)."""
    try:
        note = parse_dates(values, column=name).note
    except InvalidValueError:
        return []
    if not note:
        return []
    return [note.removeprefix(f"Column '{name}' ").removeprefix(f"Column '{name}': ").rstrip(".")]


def _kind(values: pd.Series, name: str) -> str:
    if looks_like_dates(values):
        return "date"
    if (is_yes_no(values) and OUTCOME_NAME.match(str(name).strip())) or _stage_like(values):
        return "target candidate"
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return "numeric"
    text = values.dropna().astype(str)
    if (
        len(text)
        and text.nunique() >= _TEXT_UNIQUE_SHARE * len(text)
        and text.str.len().mean() >= _TEXT_MEAN_LENGTH
    ):
        return "text"
    return "category"


def _sentinel_warning(name: str, codes: list[dict[str, Any]], numeric: bool) -> str:
    shown = ", ".join(f"'{c['value']:g}'" if numeric else f"'{c['value']}'" for c in codes)
    share = sum(c["share"] for c in codes)
    first = f"{codes[0]['value']:g}" if numeric else codes[0]["value"]
    return (
        f"holds {shown} ({share:.1%} of rows), which look{'s' if len(codes) == 1 else ''} like a "
        f"missing-value code; declare it with --sentinel '{name}={first}' if it means unknown"
    )


def inspect_table(
    frame: pd.DataFrame,
    *,
    outcome: OutcomeSpec | Outcome | None = None,
    roles: Mapping[str, str] | None = None,
    source: str | None = None,
) -> Inspection:
    """Profile every column of ``frame``.

    Parameters
    ----------
    frame : DataFrame
        The export as read (no column renamed).
    outcome : OutcomeSpec or Outcome, optional
        The outcome column (coded with :func:`~leadlever.engine.io._outcomes.parse_outcome`);
        with it, leak suspects are also found by how well a column alone separates won
        from lost and by being filled only for closed leads.
    roles : mapping, optional
        Columns whose role the caller already knows (e.g. ``{"close_date": "excluded"}``
        for a column a command uses as the closing date); their kind is still reported.
    source : str, optional
        File name for the report.
    """
    parsed = outcome
    if isinstance(outcome, OutcomeSpec):
        parsed = parse_outcome(frame, outcome, source=source)
    y = closed = None
    target = None
    if isinstance(parsed, Outcome):
        target = parsed.spec.column
        closed = parsed.closed
        y = parsed.values[closed].to_numpy(dtype=float)
    given = dict(roles or {})
    money = frame.attrs.get("money_columns", {})
    reports = []
    for col in frame.columns:
        name = str(col)
        values = frame[col]
        n_missing = int(
            (values.isna() | (values.astype("string").str.strip() == "").fillna(True)).sum()
        )
        n_unique = int(values.nunique(dropna=True))
        if name == target:
            reports.append(
                ColumnReport(name, "target candidate", "target", (), n_missing, n_unique)
            )
            continue
        kind = _kind(values, name)
        warnings: list[str] = []
        if name in money:
            warnings.append(MONEY_NOTE.format(example=repr(money[name])))
        role = given.get(name, "date" if kind == "date" else "feature")
        if kind == "date":
            warnings += _date_note(values, name)
        why_id = id_reason(values, name) if kind != "date" else None
        if why_id:
            kind = "id"
            if name not in given:
                role = "id"
            warnings.append(f"id-like ({why_id}): left out of the features")
        leaks = [] if role in ("id", "target") else leak_reasons(values, name, y, closed)
        if leaks:
            warnings.append("leak suspect: " + "; ".join(leaks) + "; drop it if so (--drop)")
        if kind == "target candidate":
            warnings.append("looks like an outcome column: use it as --target, or drop it")
        if kind != "id":
            for check in (period_coded, near_constant):
                found = check(values)
                if found:
                    warnings.append(found)
                    if found.startswith("constant") and name not in given:
                        role = "excluded"
        codes = numeric_sentinels(values) or text_missing_codes(values)
        if codes and kind not in ("id", "date"):
            numeric = pd.api.types.is_numeric_dtype(values)
            warnings.append(_sentinel_warning(name, codes, numeric))
        reports.append(
            ColumnReport(
                name,
                kind,
                role,
                tuple(warnings),
                n_missing,
                n_unique,
                tuple(codes),
                tuple(leaks),
            )
        )
    notes = []
    if parsed is not None and isinstance(parsed, Outcome):
        counts = parsed.to_dict()
        notes.append(
            f"Outcome {parsed.spec.describe()}: {counts['n_won']:,} won, {counts['n_lost']:,} "
            f"lost, {counts['n_open']:,} open."
        )
    return Inspection(
        n_rows=len(frame),
        columns=tuple(reports),
        outcome=None if not isinstance(parsed, Outcome) else parsed.to_dict(),
        source=source,
        notes=tuple(notes),
    )
