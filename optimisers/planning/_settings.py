"""The planner's settings (:class:`PlannerSettings`), checked where they are made."""

from __future__ import annotations

from dataclasses import dataclass

from leadlever.engine.exceptions import ParameterError
from leadlever.engine.io._numbers import check_number
from leadlever.optimisers._solvers import DEFAULT_SOLVER, SOLVERS
from leadlever.optimisers.exceptions import PlannerError

__all__ = ["PlannerSettings"]


@dataclass(frozen=True)
class PlannerSettings:
    """Planner configuration.

    Parameters
    ----------
    seniority_odds_factor : float
        :math:`f`, odds multiplier per seniority level (>= 1 means seniors convert more).
    base_seniority : float
        :math:`s_0`, the level at which ``p_convert`` applies unchanged.
    horizon_weeks : float
        Weeks of consultant capacity the plan books.
    fit_threshold, timing_threshold : float
        :math:`\\phi`, :math:`\\tau` of the low-fit-and-timing sell rule.
    solver : {"highs", "cbc"}
        The MILP solver (:mod:`leadlever.optimisers._solvers`).
    time_limit : float
        Seconds for the MILP solver.
    gap_rel : float
        Relative MIP gap at which the solver stops.
    exact_max_pairs : int
        Above this many lead-consultant pairs, solve over seniority classes
        (identical consultants make the per-consultant MILP highly symmetric).
    core_extra : int
        Class mode: besides the leads the LP relaxation works, this many more
        (best reduced profit :math:`\\max_g v_{ig} - \\lambda_g e_i` first) enter the MILP;
        the rest are fixed to "not now".
    """

    seniority_odds_factor: float = 1.3
    base_seniority: float = 0.0
    horizon_weeks: float = 1.0
    fit_threshold: float = 0.3
    timing_threshold: float = 0.05
    solver: str = DEFAULT_SOLVER
    time_limit: float = 5.0
    gap_rel: float = 1e-3
    exact_max_pairs: int = 400
    core_extra: int = 50

    def __post_init__(self) -> None:
        ranges = {  # name -> (low, high, low_open)
            "seniority_odds_factor": (0.0, None, True),
            "horizon_weeks": (0.0, 520.0, True),
            "fit_threshold": (0.0, 1.0, False),
            "timing_threshold": (0.0, 1.0, False),
            "time_limit": (0.0, 86_400.0, True),
            "gap_rel": (0.0, 1.0, False),
            "exact_max_pairs": (1.0, None, False),
            "core_extra": (0.0, None, False),
        }
        for name, (low, high, low_open) in ranges.items():
            label = _OPTION_OF.get(name, f"'{name}'")
            try:
                check_number(getattr(self, name), label, low=low, high=high, low_open=low_open)
            except ParameterError as exc:
                raise PlannerError(str(exc)) from None
        if self.solver not in SOLVERS:
            raise PlannerError(
                f"--solver must be one of {', '.join(SOLVERS)}; got {self.solver!r} instead."
            )


#: the ``leadlever plan`` option that sets a setting (messages name the option)
_OPTION_OF = {"seniority_odds_factor": "--odds-factor"} | {
    n: "--" + n.replace("_", "-")
    for n in ("horizon_weeks", "fit_threshold", "timing_threshold", "time_limit")
}
