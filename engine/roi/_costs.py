"""Cost assumptions of the expected-ROI evaluator, from defaults or a TOML file.

Example ``costs.toml`` (every key optional)::

    metric = "roi"                 # roi | profit | margin
    hourly_rate = 60.0             # EUR per consultant hour
    legal_fees = 300.0             # contract legal fees per placement
    legal_fees_per = "placement"   # or "lead"
    admin_overhead = 40.0          # EUR per lead
    acquisition_cost_per_lead = 0.0
    default_effort_hours = 10.0    # when there is no expected_effort_hours column
    commission_rate = 0.20         # commission = rate x salary column ...
    salary_column = "expected_salary"
    default_commission = 10000.0   # ... or this when there is no salary either

    [acquisition_cost_by_channel]  # overrides acquisition_cost_per_lead
    social = 25.0
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from leadlever.engine.exceptions import ParameterError
from leadlever.engine.io._numbers import check_number
from leadlever.engine.io._schema import closest_names
from leadlever.engine.io._tables import read_toml

__all__ = ["CostModel", "load_costs", "METRICS"]

METRICS = ("roi", "profit", "margin")


@dataclass(frozen=True)
class CostModel:
    """What a lead costs and earns when its qualification profile is silent.

    Parameters
    ----------
    metric : {"roi", "profit", "margin"}
        The metric the threshold applies to.
    hourly_rate : float
        Cost of one consultant hour.
    legal_fees : float
        Contract legal fees; counted per placement (times ``p_convert``) or per lead.
    legal_fees_per : {"placement", "lead"}
    admin_overhead : float
        Administrative overhead per lead.
    acquisition_cost_per_lead : float
        The lead's share of acquisition (ad) spend, unless a per-channel value
        or an ``acquisition_cost`` column gives it.
    acquisition_cost_by_channel : dict
    default_effort_hours : float
        Consultant hours when there is no ``expected_effort_hours`` column.
    commission_rate : float
        Commission as a share of ``salary_column`` when there is no
        ``expected_commission`` column (the case: 20%).
    salary_column : str
    default_commission : float
        Commission when neither column is present.
    """

    metric: str = "roi"
    hourly_rate: float = 60.0
    legal_fees: float = 300.0
    legal_fees_per: str = "placement"
    admin_overhead: float = 40.0
    acquisition_cost_per_lead: float = 0.0
    acquisition_cost_by_channel: dict[str, float] = field(default_factory=dict)
    default_effort_hours: float = 10.0
    commission_rate: float = 0.20
    salary_column: str = "expected_salary"
    default_commission: float = 10000.0

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise ParameterError(
                f"The 'metric' parameter of CostModel must be one of {', '.join(METRICS)}. "
                f"Got {self.metric!r} instead."
            )
        if self.legal_fees_per not in ("placement", "lead"):
            raise ParameterError(
                "The 'legal_fees_per' parameter of CostModel must be 'placement' or 'lead'. "
                f"Got {self.legal_fees_per!r} instead."
            )
        for name in (
            "hourly_rate",
            "legal_fees",
            "admin_overhead",
            "acquisition_cost_per_lead",
            "default_effort_hours",
            "commission_rate",
            "default_commission",
        ):
            v = getattr(self, name)
            high = 1.0 if name == "commission_rate" else None
            fix = (
                "It is a share of the salary: write 0.20 for 20 %."
                if name == "commission_rate"
                else ""
            )
            object.__setattr__(
                self, name, check_number(v, f"'{name}'", low=0.0, high=high, fix=fix)
            )
        clean = {}
        for k, v in dict(self.acquisition_cost_by_channel).items():
            clean[str(k)] = check_number(v, f"acquisition_cost_by_channel['{k}']", low=0.0)
        object.__setattr__(self, "acquisition_cost_by_channel", clean)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def load_costs(path: str | os.PathLike, **overrides: Any) -> CostModel:
    """Read a :class:`CostModel` from a TOML file (keys as its parameters).

    Raises
    ------
    InputFileError
        Missing or malformed file.
    ParameterError
        Unknown key (the closest known key is suggested) or invalid value.
    """
    p = Path(path)
    data = read_toml(p, what="Costs")
    known = [f.name for f in fields(CostModel)]
    for key in data:
        if key not in known:
            close = closest_names(key, known)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise ParameterError(
                f"Costs file '{p}': unknown key '{key}'.{hint} Known keys: {', '.join(known)}."
            )
    data.update(overrides)
    try:
        return CostModel(**data)
    except ParameterError as exc:
        raise ParameterError(f"Costs file '{p}': {exc}") from None
