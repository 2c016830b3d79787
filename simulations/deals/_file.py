"""Read a DEALS.toml file: a list of ``[[deals]]`` and an optional ``[pool]``.

Format (see ``simulations/examples/data/example_deals.toml`` and the README)::

    [pool]                 # optional
    city = "Berlin"
    season = "autumn"
    method = "poisson_binomial"

    [[deals]]
    name = "client_contract"
    kind = "client_contract"   # or "lead_sale" or "line"
    commission = 12000
    ...

Terms a deal leaves out that are business figures come from the economics (and are
announced): ``commission`` = ``value_per_conversion``, ``hourly_cost`` = ``hourly_rate``,
``cost_high`` and ``cost_low`` = ``generation_cost``.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from leadlever.engine.economics._economics import Assumption, Economics
from leadlever.engine.io._open_leads import open_leads
from leadlever.engine.io._outcomes import OutcomeSpec
from leadlever.engine.io._tables import read_toml
from leadlever.engine.scoring._fit_record import column_warning
from leadlever.simulations.deals._compare import DealComparison, compare_deals
from leadlever.simulations.deals._forecast import METHODS, SEASONS, forecast_pool_p
from leadlever.simulations.deals._lines import DEAL_KINDS, Deal, deal_from_terms
from leadlever.simulations.exceptions import DealError

__all__ = ["DealsFile", "load_deals", "parse_deals", "example_deals_path", "compare_deals_file"]


@dataclass(frozen=True)
class DealsFile:
    """The deals of a DEALS.toml and its pool settings."""

    deals: tuple[Deal, ...]
    pool: dict[str, str] = field(default_factory=dict)
    assumptions: tuple[Assumption, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"deals": [d.to_dict() for d in self.deals], "pool": dict(self.pool)}


def example_deals_path() -> Path:
    """Path of the packaged example DEALS.toml."""
    from leadlever.simulations.examples._write import example_path

    return example_path("example_deals.toml")


#: deal term -> the economics figure that fills it when a deal leaves it out
ECONOMICS_TERMS = {
    "commission": "value_per_conversion",
    "hourly_cost": "hourly_rate",
    "cost_high": "generation_cost",
    "cost_low": "generation_cost",
}


def _fill_from_economics(
    name: str, kind: str, terms: dict[str, Any], econ: Economics
) -> list[Assumption]:
    """Add the business-figure terms a deal left out; return what was assumed."""
    cls = DEAL_KINDS.get(kind)
    if cls is None:
        return []
    used = []
    for term, figure in ECONOMICS_TERMS.items():
        if term in cls.__dataclass_fields__ and term not in terms:
            if term == "hourly_cost" and not terms.get("hours_per_lead"):
                continue  # no hours, no hourly cost to assume
            terms[term] = getattr(econ, figure)
            used.append(
                Assumption(
                    f"{name}.{term}", terms[term], econ.source(figure), f"the economics' {figure}"
                )
            )
    return used


def parse_deals(
    data: dict[str, Any], *, source: str = "the deals file", economics: Economics | None = None
) -> DealsFile:
    """Build deals from parsed TOML (a dict with ``deals`` and optional ``pool``); terms left
    out that are business figures come from ``economics`` (module docstring)."""
    econ = economics or Economics()
    unknown = sorted(set(data) - {"deals", "pool"})
    if unknown:
        raise DealError(
            f"{source}: unknown top-level keys {unknown}; expected [[deals]] and an optional [pool]."
        )
    raw = data.get("deals")
    if not isinstance(raw, list) or not raw:
        raise DealError(
            f"{source}: no deals found. Add [[deals]] tables, each with a name and a kind."
        )
    deals = []
    assumed: list[Assumption] = []
    for i, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            raise DealError(f"{source}: deal {i} is not a table.")
        terms = dict(entry)
        name = terms.pop("name", None)
        kind = terms.pop("kind", "line")
        if not isinstance(name, str) or not name.strip():
            raise DealError(
                f"{source}: deal {i} has no 'name'. Add name = \"...\" to its [[deals]] table."
            )
        assumed += _fill_from_economics(name, kind, terms, econ)
        try:
            deals.append(deal_from_terms(name, kind, terms))
        except DealError as exc:
            raise DealError(f"{source}: {exc}") from None
    pool = data.get("pool", {})
    if not isinstance(pool, dict):
        raise DealError(f"{source}: [pool] must be a table.")
    bad = sorted(set(pool) - {"city", "season", "method"})
    if bad:
        raise DealError(f"{source}: unknown [pool] keys {bad}; allowed: city, season, method.")
    if "season" in pool and pool["season"] not in SEASONS:
        raise DealError(
            f"{source}: [pool] season must be one of {', '.join(SEASONS)}. Got {pool['season']!r}."
        )
    if "method" in pool and pool["method"] not in METHODS:
        raise DealError(
            f"{source}: [pool] method must be one of {', '.join(METHODS)}. Got {pool['method']!r}."
        )
    return DealsFile(tuple(deals), {k: str(v) for k, v in pool.items()}, tuple(assumed))


def load_deals(path: str | os.PathLike, economics: Economics | None = None) -> DealsFile:
    """Read and validate a DEALS.toml file."""
    data = read_toml(path, what="Deals", error=DealError)
    return parse_deals(data, source=str(Path(path)), economics=economics)


def compare_deals_file(
    path: str | os.PathLike,
    leads: pd.DataFrame | None = None,
    *,
    city: str | None = None,
    season: str | None = None,
    method: str | None = None,
    n_draws: int = 100_000,
    seed: int = 0,
    economics: Economics | None = None,
    outcome: OutcomeSpec | None = None,
    source: str | None = None,
) -> DealComparison:
    """Load DEALS.toml, forecast p from the open scored ``leads`` (if given) and compare.

    ``city``, ``season`` and ``method`` override the file's ``[pool]``; closed leads
    (won or lost by ``outcome``, or by the outcome column found) are left out of the forecast.
    """
    spec = load_deals(path, economics)
    forecast = None
    notes: list[str] = []
    warning = None
    n_closed = 0
    if leads is not None:
        # the leads' probabilities may come from a model no better than chance: say so
        warning = column_warning(leads, source)
        found = open_leads(leads, outcome, source=source)
        leads, n_closed = found.leads, found.n_closed
        notes.extend(found.notes)
        if n_closed:
            notes.append(
                f"Left out {n_closed:,} closed lead(s) ({found.closed_why}) from the forecast of p."
            )
        pool = dict(spec.pool)
        pool.update(
            {
                k: v
                for k, v in (("city", city), ("season", season), ("method", method))
                if v is not None
            }
        )
        forecast = forecast_pool_p(
            leads,
            city=pool.get("city"),
            season=pool.get("season"),
            method=pool.get("method", "poisson_binomial"),
        )
    result = compare_deals(spec.deals, forecast, n_draws=n_draws, seed=seed)
    said = list(spec.assumptions)
    if forecast is not None:
        said.append(
            Assumption(
                "p",
                "the mean p_convert of the open leads in the pool",
                "data",
                "the expected share of them that convert; price leads' grade (p_convert >= "
                "the threshold, 0.5 by default) is another measure and is not used here",
            )
        )
    said += [
        Assumption(
            f"{d.name}.costs",
            "commission, hours x hourly cost and fixed cost only",
            "default",
            "the economics' legal fees and admin overhead are not counted in a client "
            "contract (the in-house value counts them): add them to fixed_cost",
        )
        for d in spec.deals
        if d.kind == "client_contract"
    ]
    return dataclasses.replace(
        result,
        assumptions=tuple(said),
        notes=tuple(notes),
        warnings=(warning,) if warning else (),
        n_closed_excluded=n_closed,
    )
