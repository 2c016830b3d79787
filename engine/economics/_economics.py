r"""The business figures every decision rests on, in one object, each with its source.

:class:`Economics` is LeadLever's one settings object for business defaults: what a
conversion is worth, what contacting, working and generating a lead costs. Every
command that needs a figure takes it from here, and every figure knows where it came
from: an economics file, a command-line option, the data, or a documented default.
:meth:`Economics.assumptions` lists them as :class:`Assumption` records
(``{"name", "value", "source"}``), which each command prints and puts in its JSON.

Money figures (one currency throughout, EUR in the examples):

==========================  =========  ===================================================
name                        default    meaning
==========================  =========  ===================================================
``value_per_conversion``    10,000     what one converted lead earns (a placement's
                                       commission, a won deal's value)
``commission_rate``         0.20       share of the starting salary earned per placement;
                                       with a salary column, value = rate x salary
``salary_column``           expected_  the salary column ``commission_rate`` applies to
                            salary
``hourly_rate``             60         cost of one consultant (or sales agent) hour
``effort_hours``            10         hours to work one lead when no estimate exists
``legal_fees``              300        contract legal fees per placement (or per lead)
``legal_fees_per``          placement  ``"placement"`` (times p) or ``"lead"``
``admin_overhead``          40         administrative cost per lead worked
``contact_cost``            0          cost of contacting one lead in a campaign
``generation_cost``         0          cost of generating one lead (its price floor);
                                       ``generation_cost_by_channel`` overrides it
==========================  =========  ===================================================

The expected in-house value of a lead with conversion probability :math:`p`, value
:math:`K` and expected hours :math:`h` is

.. math::
    V = p K - D, \qquad D = h\,c_h + L_p + A, \qquad
    L_p = \begin{cases} p L & \text{legal fees per placement} \\ L & \text{per lead}\end{cases}

(:meth:`Economics.delivery_cost`, :meth:`Economics.in_house_value`). The generation
cost is sunk by the time a lead is worked or sold, so it is not part of :math:`V`; it
enters the ROI of a campaign and the profit of a sale.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from leadlever.engine.exceptions import ParameterError
from leadlever.engine.io._numbers import check_number
from leadlever.engine.io._schema import closest_names
from leadlever.engine.io._tables import read_toml

__all__ = [
    "Assumption",
    "Economics",
    "load_economics",
    "merge_assumptions",
    "SOURCES",
    "DESCRIPTIONS",
]

#: where a figure came from, strongest first
SOURCES = ("option", "file", "data", "default")

#: one line per figure, for messages, the example file and the documentation
DESCRIPTIONS = {
    "value_per_conversion": "what one converted lead earns",
    "commission_rate": "share of the starting salary earned per placement",
    "salary_column": "column the commission rate applies to",
    "hourly_rate": "cost of one consultant hour",
    "effort_hours": "hours to work one lead when no estimate exists",
    "legal_fees": "contract legal fees",
    "legal_fees_per": "legal fees per 'placement' or per 'lead'",
    "admin_overhead": "administrative cost per lead worked",
    "contact_cost": "cost of contacting one lead",
    "generation_cost": "cost of generating one lead",
    "generation_cost_by_channel": "generation cost per channel",
}

_MONEY = (
    "value_per_conversion",
    "hourly_rate",
    "effort_hours",
    "legal_fees",
    "admin_overhead",
    "contact_cost",
    "generation_cost",
)


@dataclass(frozen=True)
class Assumption:
    """One figure a decision used, and where it came from.

    Parameters
    ----------
    name : str
        The figure (an :class:`Economics` field or a command's own input).
    value : object
        Its value (a number, a text, or a column description).
    source : {"option", "file", "data", "default"}
    note : str
        How it was used or derived, e.g. ``"mean of column 'expected_commission'"``.
    """

    name: str
    value: Any
    source: str
    note: str = ""

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ParameterError(
                f"The 'source' parameter of Assumption must be one of {SOURCES}. "
                f"Got {self.source!r} instead."
            )

    def to_dict(self) -> dict[str, Any]:
        out = {"name": self.name, "value": self.value, "source": self.source}
        if self.note:
            out["note"] = self.note
        return out

    def describe(self) -> str:
        """``hourly rate 60 (default)`` for the human output."""
        value = self.value
        if isinstance(value, float):
            value = f"{value:,.4g}" if abs(value) < 1 else f"{value:,.2f}".rstrip("0").rstrip(".")
        note = f"; {self.note}" if self.note else ""
        return f"{self.name.replace('_', ' ')} {value} ({self.source}{note})"


def _check_number(name: str, value: Any, *, where: str) -> float:
    """A figure: a finite number >= 0 of realistic size (:func:`check_number`)."""
    return check_number(value, f"{where}'{name}'", low=0.0)


@dataclass(frozen=True)
class Economics:
    """Business figures with their sources (see the module docstring for the defaults).

    Build it with :func:`load_economics` (file and options) or directly; fields given to
    the constructor count as ``"option"`` unless ``sources`` says otherwise.
    """

    value_per_conversion: float = 10_000.0
    commission_rate: float = 0.20
    salary_column: str = "expected_salary"
    hourly_rate: float = 60.0
    effort_hours: float = 10.0
    legal_fees: float = 300.0
    legal_fees_per: str = "placement"
    admin_overhead: float = 40.0
    contact_cost: float = 0.0
    generation_cost: float = 0.0
    generation_cost_by_channel: Mapping[str, float] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        where = "The economics figure "
        for name in _MONEY:
            object.__setattr__(self, name, _check_number(name, getattr(self, name), where=where))
        rate = _check_number("commission_rate", self.commission_rate, where=where)
        if rate > 1:
            raise ParameterError(
                f"{where}'commission_rate' must be a share in [0, 1] (0.20 for 20 %). Got "
                f"{self.commission_rate!r} instead; divide a percentage by 100."
            )
        object.__setattr__(self, "commission_rate", rate)
        if self.legal_fees_per not in ("placement", "lead"):
            raise ParameterError(
                f"{where}'legal_fees_per' must be 'placement' or 'lead'. "
                f"Got {self.legal_fees_per!r} instead."
            )
        if not isinstance(self.salary_column, str) or not self.salary_column:
            raise ParameterError(f"{where}'salary_column' must be a column name.")
        by_channel = {}
        for key, value in dict(self.generation_cost_by_channel).items():
            by_channel[str(key)] = _check_number(
                f"generation_cost_by_channel.{key}", value, where=where
            )
        object.__setattr__(self, "generation_cost_by_channel", by_channel)
        given = {f.name for f in fields(self) if f.name != "sources"}
        srcs = {name: "default" for name in given}
        for f in fields(self):
            if f.name == "sources":
                continue
            default = f.default_factory() if callable(f.default_factory) else f.default  # type: ignore[misc]
            if getattr(self, f.name) != default:
                srcs[f.name] = "option"
        for name, src in dict(self.sources).items():
            if name not in given or src not in SOURCES:
                raise ParameterError(f"Unknown economics source {name!r}: {src!r}.")
            srcs[name] = src
        object.__setattr__(self, "sources", srcs)

    # ------------------------------------------------------------------ sources
    def source(self, name: str) -> str:
        """Where ``name`` came from: ``"option"``, ``"file"`` or ``"default"``."""
        return self.sources[name]

    def given(self, name: str) -> bool:
        """Whether the user gave ``name`` (in a file or as an option)."""
        return self.sources[name] in ("option", "file")

    def assumption(self, name: str, note: str = "") -> Assumption:
        """The :class:`Assumption` record of one figure."""
        value = getattr(self, name)
        if isinstance(value, Mapping):
            value = dict(value)
        return Assumption(name, value, self.sources[name], note)

    def assumptions(self, names: Iterable[str]) -> list[Assumption]:
        """The records of ``names`` (the figures a command used), in that order."""
        return [self.assumption(n) for n in names]

    def with_options(self, **options: Any) -> Economics:
        """A copy with the options the user gave (``None`` = not given), marked ``"option"``."""
        given = {k: v for k, v in options.items() if v is not None}
        unknown = [k for k in given if k not in DESCRIPTIONS]
        if unknown:
            raise ParameterError(f"Unknown economics figure(s) {unknown}.")
        if not given:
            return self
        srcs = dict(self.sources) | {k: "option" for k in given}
        return replace(self, **given, sources=srcs)

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "sources"}
        out["generation_cost_by_channel"] = dict(self.generation_cost_by_channel)
        return out

    # ------------------------------------------------------------------ formulas
    def delivery_cost(self, p: Any, hours: Any) -> np.ndarray:
        r"""Expected cost of working a lead: :math:`D = h\,c_h + L_p + A` (module docstring)."""
        p = np.asarray(p, dtype=float)
        hours = np.asarray(hours, dtype=float)
        legal = self.legal_fees * p if self.legal_fees_per == "placement" else self.legal_fees
        return hours * self.hourly_rate + legal + self.admin_overhead + 0.0 * p

    def in_house_value(self, p: Any, value: Any, hours: Any) -> np.ndarray:
        r"""Expected in-house value :math:`V = pK - D` of working a lead."""
        p = np.asarray(p, dtype=float)
        return p * np.asarray(value, dtype=float) - self.delivery_cost(p, hours)

    def generation_costs(self, n: int, channel: Any = None) -> np.ndarray:
        """Generation cost of ``n`` leads (by channel when ``generation_cost_by_channel`` names it)."""
        out = np.full(n, self.generation_cost)
        if channel is not None and self.generation_cost_by_channel:
            by = self.generation_cost_by_channel
            out = np.array([by.get(str(c), self.generation_cost) for c in channel], dtype=float)
        return out


def load_economics(path: str | os.PathLike | None = None, **options: Any) -> Economics:
    """The economics of a run: defaults, then the TOML file ``path``, then ``options``.

    Parameters
    ----------
    path : path, optional
        An economics file (``leadlever examples`` writes one); keys are the
        :class:`Economics` fields, plus an optional ``[generation_cost_by_channel]`` table.
    options
        Figures given on the command line (``None`` = not given).

    Raises
    ------
    InputFileError
        Missing or malformed file.
    ParameterError
        An unknown key (the closest known key is suggested) or an invalid value, naming the file.
    """
    econ = Economics()
    if path is not None:
        p = Path(path)
        data = read_toml(p, what="Economics")
        known = list(DESCRIPTIONS)
        for key in data:
            if key not in known:
                close = closest_names(key, known)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                raise ParameterError(
                    f"Economics file '{p}': unknown key '{key}'.{hint} Known keys: "
                    f"{', '.join(known)}."
                )
        try:
            econ = replace(econ, **data, sources={k: "file" for k in data})
        except (ParameterError, TypeError) as exc:
            raise ParameterError(f"Economics file '{p}': {exc}") from None
    return econ.with_options(**options)


def merge_assumptions(*groups: Iterable[Assumption]) -> list[Assumption]:
    """Concatenate assumption lists, keeping the first record of each name."""
    seen: set[str] = set()
    out = []
    for group in groups:
        for a in group:
            if a.name not in seen:
                seen.add(a.name)
                out.append(a)
    return out
