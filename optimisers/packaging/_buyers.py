"""Partner agencies (buyers) and their bundle requirements, read from TOML.

A buyers file holds an optional ``[grades]`` table (the rating scale), an
optional ``[market]`` table and one ``[[buyer]]`` table per partner::

    [grades]
    promise_fraction = 0.7                      # promise = 70% of expected conversions
    levels = { AAA = 0.999, AA = 0.99, A = 0.975, BBB = 0.95, BB = 0.90, B = 0.80 }

    [market]
    max_share = 2                               # a shared lead goes to at most 2 buyers

    [[buyer]]
    name = "niche-partner"
    packages = 2
    min_leads = 20
    max_leads = 50
    min_mean_p = 0.40
    min_grade = "A"
    price_per_lead = { AAA = 120, AA = 100, A = 80 }
    filters = { role_category = ["data_scientist", "data_engineer"] }
    min_p_fit = 0.5                             # per-lead bounds on the qualification profile
    max_expected_effort_hours = 12
    exclusive = true                            # false: accepts leads shared with others
    share_discount = 0.3                        # price cut for a non-exclusive buyer
    budget = 8000                               # cap on what this buyer spends in total

Unknown keys raise :class:`~leadlever.optimisers.exceptions.BuyersFileError` naming the
file, the buyer and the closest valid key.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leadlever.engine.exceptions import ParameterError
from leadlever.engine.io._numbers import check_number
from leadlever.engine.io._schema import closest_names
from leadlever.engine.io._tables import read_toml
from leadlever.optimisers.exceptions import BuyersFileError
from leadlever.optimisers.packaging._ratings import DEFAULT_LEVELS, RatingScale

__all__ = ["Buyer", "Market", "CRITERIA", "read_buyers", "parse_buyers"]

#: qualification-profile columns a buyer may bound per lead (``min_<col>`` / ``max_<col>``)
CRITERIA = ("p_fit", "p_convert_30d", "p_convert_180d", "expected_effort_hours")

_BUYER_KEYS = (
    "name",
    "packages",
    "min_leads",
    "max_leads",
    "min_mean_p",
    "min_grade",
    "price_per_lead",
    "filters",
    "exclusive",
    "share_discount",
    "budget",
) + tuple(f"{side}_{c}" for c in CRITERIA for side in ("min", "max"))
_TOP_KEYS = ("grades", "market", "buyer")
_SCALE_KEYS = ("promise_fraction", "levels")
_MARKET_KEYS = ("max_share",)


@dataclass(frozen=True)
class Buyer:
    """One partner agency and what its bundles must satisfy.

    Parameters
    ----------
    name : str
    packages : int
        At most this many bundles.
    min_leads, max_leads : int
        Bundle size bounds.
    price_per_lead : float or dict
        Flat price per lead, or a price per lead by bundle rating.
    min_mean_p : float, optional
        Mean conversion probability of a bundle at least this.
    min_rating : str, optional
        Bundle rating at least this (the buyers file's ``min_grade``).
    filters : dict
        Column -> allowed values; a lead qualifies when every column holds an allowed value.
    bounds : dict
        Criterion -> (low, high) per-lead bounds on the qualification profile (``None`` = open).
    exclusive : bool
        ``True`` (default): each lead sold to this buyer goes to nobody else. ``False``:
        the buyer accepts leads shared with up to ``max_share`` buyers and pays
        ``(1 - share_discount)`` of the price.
    share_discount : float
    budget : float, optional
        Cap on the buyer's total spend.
    """

    name: str
    packages: int = 1
    min_leads: int = 1
    max_leads: int = 100
    price_per_lead: float | dict[str, float] = 0.0
    min_mean_p: float | None = None
    min_rating: str | None = None
    filters: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    bounds: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    exclusive: bool = True
    share_discount: float = 0.0
    budget: float | None = None

    @property
    def price_factor(self) -> float:
        """Multiplier on list prices: ``1 - share_discount`` for a non-exclusive buyer."""
        return 1.0 if self.exclusive else 1.0 - self.share_discount

    def tiers(self, scale: RatingScale) -> list[tuple[str | None, float]]:
        """(required rating, price per lead after discount) of each bundle kind this buyer buys.

        A flat price gives one tier (requiring ``min_rating`` if set); a table by rating gives
        one tier per listed rating at or above ``min_rating``.
        """
        if isinstance(self.price_per_lead, dict):
            out = [
                (g, float(self.price_per_lead[g]) * self.price_factor)
                for g in scale.names
                if g in self.price_per_lead
                and (self.min_rating is None or scale.at_least(g, self.min_rating))
            ]
            return out
        return [(self.min_rating, float(self.price_per_lead) * self.price_factor)]

    def price_for_rating(self, rating: str, scale: RatingScale) -> float | None:
        """Price per lead of a bundle of ``rating`` (``None`` if this buyer would not buy it)."""
        if self.min_rating is not None and not scale.at_least(rating, self.min_rating):
            return None
        if not isinstance(self.price_per_lead, dict):
            return float(self.price_per_lead) * self.price_factor
        for g in scale.names[scale.rank(rating) :] if rating in scale.names else []:
            if g in self.price_per_lead:
                return float(self.price_per_lead[g]) * self.price_factor
        return None


@dataclass(frozen=True)
class Market:
    """All buyers plus the market-wide settings."""

    buyers: tuple[Buyer, ...]
    scale: RatingScale = RatingScale()
    max_share: int = 2

    def to_dict(self) -> dict[str, Any]:
        return {
            "buyers": [b.name for b in self.buyers],
            "grades": dict(self.scale.levels),
            "promise_fraction": self.scale.promise_fraction,
            "max_share": self.max_share,
        }


def _fail(source: str, where: str, message: str) -> BuyersFileError:
    return BuyersFileError(f"Buyers file '{source}', {where}: {message}")


def _check_keys(table: dict, allowed: tuple[str, ...], source: str, where: str) -> None:
    for key in table:
        if key not in allowed:
            close = closest_names(str(key), list(allowed))
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise _fail(
                source,
                where,
                f"unknown key '{key}'.{hint} Valid keys: {', '.join(allowed)}.",
            )


def _number(
    value: Any,
    key: str,
    source: str,
    where: str,
    *,
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
) -> float:
    try:
        check_number(value, f"'{key}'", low=low, high=high, integer=integer)
    except ParameterError as exc:
        hint = (
            " It looks like a percentage: write it as a fraction (e.g. 0.40)."
            if high == 1 and isinstance(value, int | float) and 1 < value <= 100
            else ""
        )
        raise _fail(source, where, f"{exc}{hint}") from None
    return int(value) if integer else float(value)


def _parse_price(
    value: Any, scale: RatingScale, source: str, where: str
) -> float | dict[str, float]:
    if isinstance(value, dict):
        if not value:
            raise _fail(source, where, "'price_per_lead' table is empty; list a price per grade.")
        _check_keys(value, tuple(scale.names), source, f"{where}, price_per_lead")
        prices = {
            g: _number(v, f"price_per_lead.{g}", source, where, low=0) for g, v in value.items()
        }
        ordered = [prices[g] for g in scale.names if g in prices]
        if any(a < b for a, b in zip(ordered, ordered[1:], strict=False)):
            raise _fail(
                source,
                where,
                "'price_per_lead' must not pay more for a worse grade "
                f"(got {prices}); list prices that fall with the grade.",
            )
        return prices
    return _number(value, "price_per_lead", source, where, low=0)


def _parse_buyer(raw: Any, i: int, scale: RatingScale, source: str) -> Buyer:
    where = f"buyer #{i + 1}"
    if not isinstance(raw, dict):
        raise _fail(source, where, "each [[buyer]] must be a table.")
    if isinstance(raw.get("name"), str):
        where = f"buyer '{raw['name']}'"
    _check_keys(raw, _BUYER_KEYS, source, where)
    for key in ("name", "price_per_lead"):
        if key not in raw:
            raise _fail(source, where, f"the key '{key}' is required.")
    if not isinstance(raw["name"], str) or not raw["name"].strip():
        raise _fail(source, where, "'name' must be a non-empty string.")
    packages = _number(raw.get("packages", 1), "packages", source, where, low=1, integer=True)
    min_leads = _number(raw.get("min_leads", 1), "min_leads", source, where, low=1, integer=True)
    max_leads = _number(
        raw.get("max_leads", max(min_leads, 100)), "max_leads", source, where, low=1, integer=True
    )
    if max_leads < min_leads:
        raise _fail(source, where, f"'max_leads' ({max_leads}) is below 'min_leads' ({min_leads}).")
    min_mean_p = raw.get("min_mean_p")
    if min_mean_p is not None:
        min_mean_p = _number(min_mean_p, "min_mean_p", source, where, low=0, high=1)
    min_rating = raw.get("min_grade")
    if min_rating is not None and min_rating not in scale.names:
        close = closest_names(str(min_rating), scale.names)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise _fail(
            source,
            where,
            f"'min_grade' {min_rating!r} is not a grade of the scale "
            f"({', '.join(scale.names)}).{hint}",
        )
    filters_raw = raw.get("filters", {})
    if not isinstance(filters_raw, dict):
        raise _fail(source, where, "'filters' must be a table: column = [allowed values].")
    filters = {str(c): tuple(v) if isinstance(v, list) else (v,) for c, v in filters_raw.items()}
    bounds: dict[str, tuple[float | None, float | None]] = {}
    for crit in CRITERIA:
        high_lim = None if crit == "expected_effort_hours" else 1
        lo = raw.get(f"min_{crit}")
        hi = raw.get(f"max_{crit}")
        if lo is None and hi is None:
            continue
        lo = None if lo is None else _number(lo, f"min_{crit}", source, where, low=0, high=high_lim)
        hi = None if hi is None else _number(hi, f"max_{crit}", source, where, low=0, high=high_lim)
        bounds[crit] = (lo, hi)
    exclusive = raw.get("exclusive", True)
    if not isinstance(exclusive, bool):
        raise _fail(source, where, f"'exclusive' must be true or false. Got {exclusive!r} instead.")
    discount = _number(
        raw.get("share_discount", 0.0), "share_discount", source, where, low=0, high=1
    )
    if exclusive and discount > 0:
        warnings.warn(
            f"File '{source}', {where}: 'share_discount' applies only to non-exclusive buyers "
            "and is ignored here; set exclusive = false or remove it.",
            UserWarning,
            stacklevel=3,
        )
    budget = raw.get("budget")
    if budget is not None:
        budget = _number(budget, "budget", source, where, low=0)
    buyer = Buyer(
        name=raw["name"].strip(),
        packages=packages,
        min_leads=min_leads,
        max_leads=max_leads,
        price_per_lead=_parse_price(raw["price_per_lead"], scale, source, where),
        min_mean_p=min_mean_p,
        min_rating=min_rating,
        filters=filters,
        bounds=bounds,
        exclusive=exclusive,
        share_discount=discount,
        budget=budget,
    )
    if not buyer.tiers(scale):
        raise _fail(
            source,
            where,
            f"no grade in 'price_per_lead' is at or above min_grade "
            f"'{min_rating}'; price at least one such grade.",
        )
    return buyer


def parse_buyers(doc: dict[str, Any], *, source: str = "<buyers>") -> Market:
    """Validate a parsed TOML document and build the :class:`Market`."""
    _check_keys(doc, _TOP_KEYS, source, "top level")
    scale_table = doc.get("grades", {})
    _check_keys(scale_table, _SCALE_KEYS, source, "[grades]")
    levels = scale_table.get("levels")
    if levels is None:
        level_tuple = DEFAULT_LEVELS
    else:
        if not isinstance(levels, dict) or not levels:
            raise _fail(source, "[grades]", "'levels' must be a table: GRADE = minimum guarantee.")
        level_tuple = tuple(
            (str(g), _number(v, f"levels.{g}", source, "[grades]", low=0, high=1))
            for g, v in levels.items()
        )
        for (better, t_better), (worse, t_worse) in zip(level_tuple, level_tuple[1:], strict=False):
            if t_better <= t_worse:
                # file order is the rating order: a threshold that rises is a typo
                raise _fail(
                    source,
                    "[grades]",
                    f"'levels' must list grades best first with falling thresholds; "
                    f"{better} = {t_better:g} is not above {worse} = {t_worse:g}. "
                    "Fix the threshold or the order.",
                )
    fraction = _number(
        scale_table.get("promise_fraction", 0.7),
        "promise_fraction",
        source,
        "[grades]",
        low=0,
        high=1,
    )
    try:
        scale = RatingScale(level_tuple, fraction)
    except ValueError as exc:
        raise _fail(source, "[grades]", str(exc)) from None
    market = doc.get("market", {})
    _check_keys(market, _MARKET_KEYS, source, "[market]")
    max_share = _number(
        market.get("max_share", 2), "max_share", source, "[market]", low=1, integer=True
    )
    raw_buyers = doc.get("buyer")
    if not isinstance(raw_buyers, list) or not raw_buyers:
        raise _fail(source, "top level", "no [[buyer]] tables found; add at least one buyer.")
    buyers = tuple(_parse_buyer(raw, i, scale, source) for i, raw in enumerate(raw_buyers))
    names = [b.name for b in buyers]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise _fail(source, "buyers", f"names must be unique; repeated: {', '.join(dup)}.")
    return Market(buyers=buyers, scale=scale, max_share=max_share)


def read_buyers(path: str | os.PathLike) -> Market:
    """Read and validate a buyers TOML file.

    Raises
    ------
    BuyersFileError
        Missing file, TOML syntax error, unknown key (with the closest valid key),
        wrong type or out-of-range value.
    """
    doc = read_toml(path, what="Buyers", error=BuyersFileError)
    return parse_buyers(doc, source=str(Path(path)))
