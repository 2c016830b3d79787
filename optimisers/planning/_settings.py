"""The planner's settings (:class:`PlannerSettings`), checked where they are made, and the
seniority uplift they define (:func:`adjusted_p`, announced by :func:`seniority_assumptions`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leadlever.engine.economics._economics import Assumption
from leadlever.engine.exceptions import ParameterError
from leadlever.engine.io._numbers import check_number
from leadlever.optimisers._solvers import DEFAULT_SOLVER, SOLVERS
from leadlever.optimisers.exceptions import PlannerError

__all__ = ["PlannerSettings", "adjusted_p", "seniority_assumptions"]


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


def adjusted_p(p: np.ndarray, levels: np.ndarray, s: PlannerSettings) -> np.ndarray:
    """:math:`p_{is}`: conversion probability of lead i with a consultant of each level."""
    p = np.clip(np.asarray(p, dtype=float), 1e-9, 1 - 1e-9)
    odds = p / (1 - p)
    adj = odds[:, None] * s.seniority_odds_factor ** (levels[None, :] - s.base_seniority)
    return adj / (1 + adj)


def seniority_assumptions(
    s: PlannerSettings, levels: np.ndarray, warned: bool
) -> tuple[list[Assumption], list[str]]:
    """The odds factor and base seniority as assumptions; a warning when they lift scores
    that are no better than chance."""
    default = PlannerSettings()
    src = lambda name: (  # noqa: E731
        "default" if getattr(s, name) == getattr(default, name) else "option"
    )
    top = float(np.max(levels)) if levels.size else s.base_seniority
    lifted = float(adjusted_p(np.array([0.5]), np.array([top]), s)[0, 0])
    note = (
        f"conversion odds x{s.seniority_odds_factor:g} per seniority level above the base: "
        f"p 0.50 becomes {lifted:.2f} for the most senior consultant (level {top:g})"
    )
    used = [
        Assumption(
            "seniority_odds_factor", s.seniority_odds_factor, src("seniority_odds_factor"), note
        ),
        Assumption(
            "base_seniority",
            s.base_seniority,
            src("base_seniority"),
            "p_convert applies unchanged at this level",
        ),
    ]
    uplift = s.seniority_odds_factor != 1.0 and bool(np.any(levels != s.base_seniority))
    warnings = []
    if warned and uplift:
        warnings.append(
            f"the seniority uplift (conversion odds x{s.seniority_odds_factor:g} per level) "
            "is applied on top of scores that are no better than chance, so the plan's values "
            "rest on it more than on the model; check it, or plan with --odds-factor 1."
        )
    return used, warnings
