"""Which column of an export plays which part in qualification.

``qualify fit`` needs to know, for any CRM export, where the outcome is, which column
identifies a lead, when leads were created and closed, what a won lead was worth, how
much effort a closed lead took and whether it fitted. :class:`ColumnMap` holds that
mapping (export column -> vocabulary role); :func:`resolve_columns` completes what the
user gave (options or a mapping file, :func:`load_mapping`) with the shared vocabulary's
names found in the export (``lead_id``, ``created_at``, ``placement_salary`` ...) and the
first id-like column, and says where each came from.

Mapping file (TOML; keys are export columns, values vocabulary roles)::

    [columns]
    opportunity_id = "lead_id"
    deal_stage = "converted"
    engage_date = "created_at"
    close_date = "closed_at"
    close_value = "value"

    [outcome]
    won = ["Won"]
    lost = ["Lost"]
    as_of = "2017-12-31"     # optional observation date
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import pandas as pd

from leadlever.engine.exceptions import ParameterError
from leadlever.engine.io._outcomes import OutcomeSpec, parse_values
from leadlever.engine.io._schema import closest_names, require_columns
from leadlever.engine.io._tables import read_toml

__all__ = ["ColumnMap", "ROLE_OPTIONS", "resolve_columns", "load_mapping"]

#: vocabulary role -> the command-line option that names its column
ROLE_OPTIONS = {
    "lead_id": "--id-col",
    "converted": "--target",
    "created_at": "--created-col",
    "closed_at": "--closed-col",
    "days_to_convert": None,
    "value": "--value-col",
    "placement_salary": "--value-col",
    "effort_hours": "--effort-col",
    "n_interactions": None,
    "fit_feedback": "--fit-col",
    "resale_value": None,
    "channel": None,
    "campaign": None,
    "city": None,
}
#: roles whose columns are inputs or context, never features
_CONTEXT = ("channel", "campaign", "city")


@dataclass(frozen=True)
class ColumnMap:
    """Export columns by role (``None`` = the export has none); see the module docstring.

    ``value`` holds what a won lead was worth; ``value_is_salary`` says it is a starting
    salary (the commission rate applies) rather than money earned.
    """

    outcome: OutcomeSpec
    lead_id: str | None = None
    created_at: str | None = None
    closed_at: str | None = None
    days_to_convert: str | None = None
    value: str | None = None
    value_is_salary: bool = False
    effort_hours: str | None = None
    n_interactions: str | None = None
    fit_feedback: str | None = None
    resale_value: str | None = None
    channel: str | None = None
    campaign: str | None = None
    city: str | None = None
    as_of: str | None = None
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def roles(self) -> dict[str, str]:
        """Role -> export column, for the roles the export has (outcome included)."""
        out = {"converted": self.outcome.column}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ROLE_OPTIONS and f.name != "converted" and isinstance(value, str):
                out[f.name] = value
        return out

    @property
    def non_features(self) -> list[str]:
        """Export columns that are never model inputs: every mapped column but the context."""
        return [c for role, c in self.roles.items() if role not in _CONTEXT]

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "outcome"}
        out["outcome"] = self.outcome.to_dict()
        out["sources"] = dict(self.sources)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnMap:
        data = dict(data)
        data["outcome"] = OutcomeSpec.from_dict(data["outcome"])
        data["sources"] = dict(data.get("sources", {}))
        return cls(**data)

    def describe(self) -> list[str]:
        """One line per role: where its column came from."""
        lines = [f"outcome: {self.outcome.describe()}"]
        for role, col in self.roles.items():
            if role == "converted":
                continue
            how = self.sources.get(role, "option")
            lines.append(f"{role}: '{col}' ({how})")
        return lines


def load_mapping(path: str | os.PathLike) -> dict[str, Any]:
    """Read a mapping file into ``{"roles": {role: column}, "won", "lost", "as_of"}``.

    Raises
    ------
    ParameterError
        An unknown vocabulary role (the closest is suggested), a role mapped twice, or
        unknown keys, naming the file.
    """
    p = Path(path)
    data = read_toml(p, what="Mapping")
    unknown = sorted(set(data) - {"columns", "outcome"})
    if unknown:
        raise ParameterError(
            f"Mapping file '{p}': unknown tables {unknown}; expected [columns] and [outcome]."
        )
    columns = data.get("columns", {})
    if not isinstance(columns, dict):
        raise ParameterError(f"Mapping file '{p}': [columns] must map export columns to roles.")
    roles: dict[str, str] = {}
    for column, role in columns.items():
        if role not in ROLE_OPTIONS:
            close = closest_names(str(role), list(ROLE_OPTIONS))
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ParameterError(
                f"Mapping file '{p}': column '{column}' maps to '{role}', which is not a role"
                f"{hint}. Roles: {', '.join(ROLE_OPTIONS)}."
            )
        if role in roles:
            raise ParameterError(
                f"Mapping file '{p}': role '{role}' is given to both '{roles[role]}' and '{column}'."
            )
        roles[role] = str(column)
    outcome = data.get("outcome", {})
    bad = sorted(set(outcome) - {"won", "lost", "as_of"})
    if bad:
        raise ParameterError(
            f"Mapping file '{p}': unknown [outcome] keys {bad}; allowed: won, lost, as_of."
        )
    return {
        "roles": roles,
        "won": parse_values(outcome.get("won")),
        "lost": parse_values(outcome.get("lost")),
        "as_of": None if outcome.get("as_of") is None else str(outcome["as_of"]),
    }


def resolve_columns(
    frame: pd.DataFrame,
    *,
    outcome: OutcomeSpec,
    given: Mapping[str, str | None] | None = None,
    as_of: str | None = None,
    id_columns: list[str] | None = None,
    source: str | None = None,
) -> ColumnMap:
    """The :class:`ColumnMap` of an export: the columns the user named (checked to exist),
    else the vocabulary's names present in the export, else (for ``lead_id``) the first
    id-like column.

    Parameters
    ----------
    given : mapping
        Role -> column from options or a mapping file (``None`` = not given); a
        ``placement_salary`` role marks a salary value.
    id_columns : list of str
        Id-like columns found by the export checks.
    """
    given = {k: v for k, v in dict(given or {}).items() if v}
    unknown = [r for r in given if r not in ROLE_OPTIONS]
    if unknown:
        raise ParameterError(f"Unknown column roles {unknown}; roles: {', '.join(ROLE_OPTIONS)}.")
    require_columns(
        frame,
        list(dict.fromkeys(given.values())),
        source=source,
        needed_for="(named in the options or the mapping file)",
        fix="Name existing columns with the --...-col options or in the mapping file.",
    )
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    salary = given.pop("placement_salary", None)
    if salary and "value" not in given:
        given["value"] = salary
        values["value_is_salary"] = True
    for role, column in given.items():
        values[role] = column
        sources[role] = "option"
    if values.get("value") == "placement_salary":
        values["value_is_salary"] = True
    columns = [str(c) for c in frame.columns]
    for role in ROLE_OPTIONS:
        if role in ("converted", "placement_salary", "value") or role in values:
            continue
        if role in columns and role != outcome.column:
            values[role] = role
            sources[role] = "vocabulary"
    if "value" not in values and "placement_salary" in columns:
        values["value"], values["value_is_salary"] = "placement_salary", True
        sources["value"] = "vocabulary"
    if "lead_id" not in values and id_columns:
        values["lead_id"] = id_columns[0]
        sources["lead_id"] = "detected"
    return replace(ColumnMap(outcome=outcome), **values, as_of=as_of, sources=sources)
