"""``qualify apply``: the profile of an export's open leads, with what it rests on.

:func:`qualify_leads` writes the profile columns followed by the export's own columns
(so later steps can filter on them, e.g. a buyer's required city), keeps closed leads out (only open leads may be worked, sold or
priced; ``include_closed=True`` profiles them too, e.g. to evaluate), writes the shared
``converted`` column so later steps can check, and returns the economics figures the
profile used as :class:`~leadlever.engine.economics.Assumption` records and the
bundle's warnings (a conversion model no better than chance).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from leadlever.engine.economics._economics import Assumption, Economics
from leadlever.engine.exceptions import EmptyDataError
from leadlever.engine.qualification._bundle import QualificationBundle, QualificationSettings

__all__ = ["ProfileResult", "qualify_leads", "profile_rows", "closed_note", "no_open_leads"]


@dataclass(frozen=True)
class ProfileResult:
    """A profile table and its summary (the ``qualify apply --json`` object)."""

    profile: pd.DataFrame
    model_version: str
    n_closed_excluded: int
    assumptions: tuple[Assumption, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        return self.profile

    def to_dict(self) -> dict[str, Any]:
        prof = self.profile
        return {
            "model_version": self.model_version,
            "n_leads": int(len(prof)),
            "n_closed_excluded": self.n_closed_excluded,
            "mean_p_convert": float(prof["p_convert"].mean()) if len(prof) else None,
            "total_expected_value": float(prof["expected_value"].sum()),
            "tiers": prof["tier"].value_counts().to_dict(),
            "assumptions": [a.to_dict() for a in self.assumptions],
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }


def profile_rows(
    bundle: QualificationBundle,
    rows: pd.DataFrame,
    settings: QualificationSettings | None,
    economics: Economics,
    source: str | None = None,
) -> pd.DataFrame:
    """The profile columns of ``rows`` followed by the export's own columns (each row on its
    own: a chunk of an export gets the rows the whole export would)."""
    prof = bundle.profile(rows, settings, economics, source=source)
    rest = rows.reset_index(drop=True)
    rest = rest.drop(columns=[c for c in rest.columns if c in prof.columns])
    return pd.concat([prof, rest], axis=1)


def closed_note(
    bundle: QualificationBundle, n_closed: int, has_outcome: bool, found: list[str] | None = None
) -> list[str]:
    """What the output says about the closed leads it left out (or why there were none);
    ``found``: the columns named like an outcome in leads that lack the bundle's."""
    if not has_outcome and found:
        head = (
            f"The leads have no outcome column '{bundle.columns.outcome.column}' (the bundle's): "
            f"took the first of {found} holding a recognised outcome coding instead"
        )
        if n_closed:
            return [f"{head}; left out {n_closed:,} closed lead(s): only open leads are profiled."]
        return [head + "."]
    if n_closed:
        return [
            f"Left out {n_closed:,} closed lead(s) (won or lost by "
            f"{bundle.columns.outcome.describe()}): only open leads are profiled."
        ]
    if not has_outcome:
        return [
            f"The leads have no outcome column '{bundle.columns.outcome.column}': every lead "
            "is taken to be open."
        ]
    return []


def no_open_leads(source: str | None, n_closed: int) -> EmptyDataError:
    """The error when every lead of the input is closed."""
    where = f"File '{source}'" if source else "The table"
    return EmptyDataError(
        f"{where} has no open leads to profile ({n_closed:,} closed). Pass --include-closed "
        "to profile closed leads too."
    )


def qualify_leads(
    bundle: QualificationBundle,
    leads: pd.DataFrame,
    *,
    economics: Economics | None = None,
    settings: QualificationSettings | None = None,
    include_closed: bool = False,
    source: str | None = None,
) -> ProfileResult:
    """Profile the open leads of ``leads`` (every lead with ``include_closed``).

    Raises
    ------
    EmptyDataError
        When no open lead is left to profile.
    """
    econ = economics or Economics()
    mask = bundle.open_mask(leads)
    n_closed = 0 if include_closed else int((~mask).sum())
    rows = leads if include_closed else leads.loc[mask]
    notes = closed_note(bundle, n_closed, bundle.columns.outcome.column in leads.columns)
    if rows.empty:
        raise no_open_leads(source, n_closed)
    prof = profile_rows(bundle, rows, settings, econ, source)
    warnings = (bundle.model_warning,) if bundle.model_warning else ()
    return ProfileResult(
        profile=prof,
        model_version=bundle.model_version,
        n_closed_excluded=n_closed,
        assumptions=tuple(bundle.profile_assumptions(econ, leads.columns)),
        warnings=warnings,
        notes=tuple(notes),
    )
