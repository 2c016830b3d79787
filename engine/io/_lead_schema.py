"""The lead table: its documented schema and a loader that validates it.

:data:`LEAD_SCHEMA` is the data dictionary of a lead table as the simulator
writes it and as the README documents it (a test checks all three agree).
Only ``lead_id`` is required in general; each operation declares what it needs
with its own :class:`~leadlever.engine.io._schema.TableSchema` (see :func:`load_leads`).
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import InvalidValueError
from leadlever.engine.io._formats import ID_NAME_PATTERN
from leadlever.engine.io._numbers import rows_text, shorten, verb
from leadlever.engine.io._schema import ColumnSpec, TableSchema, validate_table
from leadlever.engine.io._tables import read_table

__all__ = [
    "LEAD_SCHEMA",
    "OUTCOME_SCHEMA",
    "OUTCOME_COLUMNS",
    "is_outcome_column",
    "load_leads",
    "data_dictionary",
    "unique_ids",
    "lead_id_column",
    "read_leads",
    "repeated_ids_error",
    "warn_dropped",
    "DEDUPE_FIX",
]

#: lead-table columns only known after a lead is worked (outcomes): never model inputs
OUTCOME_COLUMNS = (
    "converted",
    "days_to_convert",
    "placement_salary",
    "commission",
    "n_interactions",
    "effort_hours",
    "fit_feedback",
    "resale_value",
)


def is_outcome_column(name: str) -> bool:
    """Whether a column is an outcome or simulator ground truth (``true_*``) by the shared vocabulary."""
    return name in OUTCOME_COLUMNS or name.startswith("true_")


_C = ColumnSpec

LEAD_SCHEMA = TableSchema(
    "lead",
    (
        _C("lead_id", "id", description="Unique id of the lead."),
        _C("created_at", "date", required=False, description="Day the lead arrived (ISO date)."),
        _C("channel", "category", required=False, description="Ad channel that brought the lead."),
        _C("campaign", "category", required=False, description="Campaign within the channel."),
        _C(
            "age",
            "integer",
            required=False,
            min=15,
            max=100,
            description="Candidate's age in years.",
        ),
        _C(
            "years_experience",
            "numeric",
            required=False,
            min=0,
            description="Years of professional experience.",
        ),
        _C(
            "education",
            "category",
            required=False,
            description="bachelor, master, phd, bootcamp or other.",
        ),
        _C("industry", "category", required=False, description="Industry of the current employer."),
        _C(
            "role_category",
            "category",
            required=False,
            description="data_scientist, data_engineer, bi_engineer, software_engineer, analyst, product_manager.",
        ),
        _C("city", "category", required=False, description="City the candidate lives in."),
        _C("country", "category", required=False, description="ISO country code of the city."),
        _C(
            "current_salary",
            "numeric",
            required=False,
            min=0,
            description="Current yearly salary (EUR).",
        ),
        _C(
            "expected_salary",
            "numeric",
            required=False,
            min=0,
            description="Expected yearly salary (EUR).",
        ),
        _C(
            "skills_match",
            "numeric",
            required=False,
            min=0,
            max=1,
            description="Match of the CV's skills to the roles placed (0-1).",
        ),
        _C(
            "site_visits",
            "integer",
            required=False,
            min=0,
            description="Visits to the agency's site.",
        ),
        _C(
            "pages_viewed",
            "integer",
            required=False,
            min=0,
            description="Pages viewed in all visits.",
        ),
        _C(
            "time_on_site_min", "numeric", required=False, min=0, description="Minutes on the site."
        ),
        _C("email_opens", "integer", required=False, min=0, description="E-mails opened."),
        _C(
            "email_clicks",
            "integer",
            required=False,
            min=0,
            description="Links clicked in e-mails.",
        ),
        _C(
            "downloads",
            "integer",
            required=False,
            min=0,
            description="Resources downloaded (guides, salary reports).",
        ),
        _C(
            "days_since_last_activity",
            "integer",
            required=False,
            min=0,
            description="Days since the lead last did anything.",
        ),
        _C(
            "converted",
            "binary",
            required=False,
            allow_missing=True,
            description="1 if placed (closed won), 0 if closed lost, empty while open.",
        ),
        _C(
            "days_to_convert",
            "numeric",
            required=False,
            allow_missing=True,
            min=0,
            description="Days to placement; for lost or open leads the days observed without one (censored).",
        ),
        _C(
            "placement_salary",
            "numeric",
            required=False,
            allow_missing=True,
            min=0,
            description="Starting salary of a placed candidate (empty otherwise).",
        ),
        _C(
            "commission",
            "numeric",
            required=False,
            allow_missing=True,
            min=0,
            description="Commission earned: 20% of the starting salary (empty if not placed).",
        ),
        _C(
            "n_interactions",
            "integer",
            required=False,
            allow_missing=True,
            min=0,
            description="Consultant interactions spent on a closed lead.",
        ),
        _C(
            "effort_hours",
            "numeric",
            required=False,
            allow_missing=True,
            min=0,
            description="Consultant hours spent on a closed lead.",
        ),
        _C(
            "fit_feedback",
            "binary",
            required=False,
            allow_missing=True,
            description="Client hiring-manager feedback: 1 good strategic fit, 0 not (closed leads).",
        ),
        _C(
            "resale_value",
            "numeric",
            required=False,
            allow_missing=True,
            min=0,
            description="Price a partner agency paid for the lead (only leads offered for sale).",
        ),
        _C(
            "true_p_convert",
            "probability",
            required=False,
            description="Simulator only: true probability of eventual conversion.",
        ),
        _C(
            "true_will_convert",
            "binary",
            required=False,
            description="Simulator only: whether the lead converts eventually (also if still open).",
        ),
        _C(
            "true_days_to_convert",
            "numeric",
            required=False,
            allow_missing=True,
            description="Simulator only: days to placement of a lead that converts (uncensored).",
        ),
        _C(
            "true_salary",
            "numeric",
            required=False,
            description="Simulator only: starting salary if placed.",
        ),
        _C(
            "true_effort_hours",
            "numeric",
            required=False,
            description="Simulator only: expected consultant hours to convert.",
        ),
        _C(
            "true_p_fit",
            "probability",
            required=False,
            description="Simulator only: probability the lead fits the agency's target roles.",
        ),
        _C(
            "true_resale_value",
            "numeric",
            required=False,
            description="Simulator only: what a partner would pay for the lead.",
        ),
    ),
)

#: what model fitting needs beyond the features: an id and a closed outcome
OUTCOME_SCHEMA = TableSchema(
    "outcome",
    (
        _C("lead_id", "id", required=False),
        _C("converted", "binary"),
    ),
)


def load_leads(
    source: str | os.PathLike | pd.DataFrame,
    *,
    schema: TableSchema = LEAD_SCHEMA,
) -> pd.DataFrame:
    """Read a lead table from a file or DataFrame and validate it.

    Parameters
    ----------
    source : path or DataFrame
    schema : TableSchema
        What the calling operation requires; defaults to the full lead schema
        (where only ``lead_id`` is required).

    Raises
    ------
    leadlever.engine.exceptions.DataError
        With the file, column, rows and a fix.
    """
    name = None if isinstance(source, pd.DataFrame) else str(source)
    return validate_table(read_table(source), schema, source=name)


def data_dictionary(schema: TableSchema = LEAD_SCHEMA) -> str:
    """The schema as a Markdown table (column, kind, meaning)."""
    rows = ["| column | kind | meaning |", "|---|---|---|"]
    rows += [f"| `{c.name}` | {c.kind} | {c.description} |" for c in schema.columns]
    return "\n".join(rows)


#: how to fix a repeated lead id, on every command that reads a lead table
DEDUPE_FIX = "Remove the copies, or pass --dedupe to keep the first row of each id."


def repeated_ids_error(
    source: str | None, column: str, rows: list[int], example: object, fix: str
) -> InvalidValueError:
    """The error for ``rows`` (1-based) whose ``column`` repeats an earlier row's value."""
    where = f"File '{source}'" if source else "The table"
    return InvalidValueError(
        f"{where}, column '{column}': {rows_text(rows)} {verb(rows, 'repeat')} an earlier "
        f"row's value (e.g. {shorten(str(example), 40)}), so it would be counted twice. {fix}",
        column,
        rows,
    )


def warn_dropped(source: str | None, column: str, rows: list[int]) -> None:
    """Say how many rows ``--dedupe`` dropped, and which."""
    where = f"File '{source}'" if source else "The table"
    warnings.warn(
        f"{where}: dropped {len(rows):,} row(s) whose {column} repeats an earlier row "
        f"(--dedupe keeps the first of each; {rows_text(rows)}).",
        UserWarning,
        stacklevel=3,
    )


#: share of distinct values above which an id-named column names each lead (a campaign_id
#: or account_id repeats far more often; a lead id repeated by mistake, a few times)
LEAD_ID_DISTINCT_SHARE = 0.9


def lead_id_column(frame: pd.DataFrame, id_col: str = "lead_id") -> str | None:
    """The column naming each lead: ``id_col`` when present, else the first column named like
    an id (``opportunity_id``, ``Prospect ID`` ...) whose values are nearly all distinct (at
    least :data:`LEAD_ID_DISTINCT_SHARE`); None when there is none."""
    if id_col in frame.columns:
        return id_col
    for name in frame.columns:
        if not ID_NAME_PATTERN.search(str(name)):
            continue
        values = frame[name].dropna().astype("string")
        if len(values) >= 2 and values.nunique() >= LEAD_ID_DISTINCT_SHARE * len(values):
            return str(name)
    return None


def unique_ids(
    frame: pd.DataFrame,
    column: str = "lead_id",
    *,
    source: str | None = None,
    dedupe: bool = False,
    fix: str = DEDUPE_FIX,
) -> pd.DataFrame:
    """``frame`` with one row per ``column`` value: a repeated value is an error, or with
    ``dedupe`` its later rows are dropped (with a warning saying how many).

    Tables without ``column`` are returned as they are. Values are compared as text, exactly.

    Raises
    ------
    InvalidValueError
        Naming the file, the column, the rows that repeat a value, and ``fix``.
    """
    if column not in frame.columns:
        return frame
    values = frame[column]
    text = values.astype("string")
    repeated = text.duplicated(keep="first").to_numpy(dtype=bool) & text.notna().to_numpy(bool)
    if not repeated.any():
        return frame
    rows = (np.flatnonzero(repeated) + 1).tolist()
    if not dedupe:
        raise repeated_ids_error(source, column, rows, values[repeated].iloc[0], fix)
    warn_dropped(source, column, rows)
    return frame.loc[~repeated]


def read_leads(
    source: str | os.PathLike | pd.DataFrame, *, dedupe: bool = False, id_col: str = "lead_id"
) -> pd.DataFrame:
    """:func:`read_table` of a lead table whose ``id_col`` (when present; else the id column
    :func:`lead_id_column` finds) names each lead once (:func:`unique_ids`; ``dedupe`` keeps
    the first row of a repeated id instead)."""
    name = None if isinstance(source, pd.DataFrame) else str(source)
    frame = read_table(source, id_cols=(id_col,))
    return unique_ids(frame, lead_id_column(frame, id_col) or id_col, source=name, dedupe=dedupe)
