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
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from leadlever.engine.io._tables import read_toml
from leadlever.simulations.deals._compare import DealComparison, compare_deals
from leadlever.simulations.deals._forecast import METHODS, SEASONS, forecast_pool_p
from leadlever.simulations.deals._lines import Deal, deal_from_terms
from leadlever.simulations.exceptions import DealError

__all__ = ["DealsFile", "load_deals", "parse_deals", "example_deals_path", "compare_deals_file"]


@dataclass(frozen=True)
class DealsFile:
    """The deals of a DEALS.toml and its pool settings."""

    deals: tuple[Deal, ...]
    pool: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"deals": [d.to_dict() for d in self.deals], "pool": dict(self.pool)}


def example_deals_path() -> Path:
    """Path of the packaged example DEALS.toml."""
    from leadlever.simulations.examples._write import example_path

    return example_path("example_deals.toml")


def parse_deals(data: dict[str, Any], *, source: str = "the deals file") -> DealsFile:
    """Build deals from parsed TOML (a dict with ``deals`` and optional ``pool``)."""
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
    return DealsFile(tuple(deals), {k: str(v) for k, v in pool.items()})


def load_deals(path: str | os.PathLike) -> DealsFile:
    """Read and validate a DEALS.toml file."""
    data = read_toml(path, what="Deals", error=DealError)
    return parse_deals(data, source=str(Path(path)))


def compare_deals_file(
    path: str | os.PathLike,
    leads: pd.DataFrame | None = None,
    *,
    city: str | None = None,
    season: str | None = None,
    method: str | None = None,
    n_draws: int = 100_000,
    seed: int = 0,
) -> DealComparison:
    """Load DEALS.toml, forecast p from scored ``leads`` (if given) and compare.

    ``city``, ``season`` and ``method`` override the file's ``[pool]``.
    """
    spec = load_deals(path)
    forecast = None
    if leads is not None:
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
    return compare_deals(spec.deals, forecast, n_draws=n_draws, seed=seed)
