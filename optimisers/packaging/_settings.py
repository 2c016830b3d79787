"""Settings of the packager (:func:`leadlever.optimisers.packaging._packager.package`): a small typed object."""

from __future__ import annotations

from dataclasses import dataclass

from leadlever.engine.exceptions import ParameterError
from leadlever.optimisers._solvers import DEFAULT_SOLVER, SOLVERS

__all__ = ["PackagerSettings"]

_FORMULATIONS = ("class", "per_lead")
_ON_INFEASIBLE = ("report", "raise", "skip")


@dataclass(frozen=True)
class PackagerSettings:
    """Settings of :func:`package`.

    Parameters
    ----------
    solver : {"highs", "cbc"}
        The MILP solver (:mod:`leadlever.optimisers._solvers`): HiGHS (the default) or CBC
        (needs ``pip install "pulp[cbc]"``).
    time_limit : float, optional
        Seconds for the MILP solver; at the limit the best plan found is returned
        with status ``"feasible"`` and its gap.
    formulation : {"class", "per_lead"}
        Lead classes with integer counts, or one binary per lead and bundle slot.
    p_resolution : float, "auto" or None
        Width of the conversion-probability bands of the classes, as a fraction of the
        range of ``p`` among eligible leads (``None``: one class per lead, exact but
        only for small tables). ``"auto"`` takes the finest of 0.01, 0.02, 0.05 and 0.1
        that keeps the classes within ``max_classes`` (0.1 when even that exceeds it):
        fine bands for small tables, where narrow classes cost nothing and rating windows
        need them, coarse ones at marketplace scale.
    max_classes : int
        Class budget of ``p_resolution="auto"``.
    cost_bands : int
        Quantile bands of the opportunity cost.
    gap_rel : float
        Relative gap at which the solver may stop and call the plan optimal.
    on_infeasible : {"report", "raise", "skip"}
        When a requirement cannot be met: return status ``"infeasible"`` with reasons,
        raise :class:`InfeasibleRequirementError`, or drop those buyers and package the rest.
    relax_counts : bool or None
        Continuous lead counts per bundle and class (only the numbers of bundles are
        integer), rounded down and repaired afterwards
        (:mod:`leadlever.optimisers.packaging._rounding`). ``None``: on for the class formulation
        with ``p_resolution`` set, off otherwise (one-lead classes need binaries).
    prune_columns : bool
        Drop the class columns no optimal plan needs (:mod:`leadlever.optimisers.packaging._prune`;
        class formulation only; exact for the class model).
    greedy_fallback : bool
        Also build the greedy plan (:mod:`leadlever.optimisers.packaging._greedy`) and keep it when it
        earns more. The MILP enforces rating requirements through a sufficient (conservative)
        linear condition, so on small bundles with rating requirements the greedy, which
        checks the exact rating, can occasionally do better; without rating requirements the
        exact-class MILP is never below the greedy.
    """

    solver: str = DEFAULT_SOLVER
    time_limit: float | None = None
    formulation: str = "class"
    p_resolution: float | str | None = "auto"
    max_classes: int = 1_000
    cost_bands: int = 3
    gap_rel: float = 1e-6
    on_infeasible: str = "report"
    relax_counts: bool | None = None
    prune_columns: bool = True
    greedy_fallback: bool = True

    @property
    def relaxed(self) -> bool:
        """Whether lead counts are continuous in this run (see ``relax_counts``)."""
        if self.relax_counts is not None:
            return self.relax_counts
        return self.formulation == "class" and self.p_resolution is not None

    def __post_init__(self) -> None:
        if self.solver not in SOLVERS:
            raise ParameterError(
                f"The 'solver' parameter of PackagerSettings must be one of {SOLVERS}. "
                f"Got {self.solver!r} instead."
            )
        if self.formulation not in _FORMULATIONS:
            raise ParameterError(
                f"The 'formulation' parameter of PackagerSettings must be one of "
                f"{_FORMULATIONS}. Got {self.formulation!r} instead."
            )
        if self.on_infeasible not in _ON_INFEASIBLE:
            raise ParameterError(
                f"The 'on_infeasible' parameter of PackagerSettings must be one of "
                f"{_ON_INFEASIBLE}. Got {self.on_infeasible!r} instead."
            )
        if self.time_limit is not None and not self.time_limit > 0:
            raise ParameterError(
                f"The 'time_limit' parameter of PackagerSettings must be > 0. "
                f"Got {self.time_limit!r} instead."
            )
        res = self.p_resolution
        if res is not None and res != "auto" and (isinstance(res, str) or not 0 < res <= 0.5):
            raise ParameterError(
                "The 'p_resolution' parameter of PackagerSettings must be 'auto', None or "
                f"in (0, 0.5]. Got {res!r} instead."
            )
        if self.max_classes < 1:
            raise ParameterError(
                "The 'max_classes' parameter of PackagerSettings must be >= 1. "
                f"Got {self.max_classes!r} instead."
            )
