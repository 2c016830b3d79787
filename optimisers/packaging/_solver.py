"""Solver objects for the packager MILP: CBC (bundled with PuLP) or HiGHS, and CBC's bound."""

from __future__ import annotations

import re
from pathlib import Path

import pulp

from leadlever.optimisers._solvers import highs_solver
from leadlever.optimisers.exceptions import SolverError

__all__ = ["available_solvers", "make_solver", "cbc_bound"]


def available_solvers() -> list[str]:
    """Solvers usable here: ``cbc`` always (bundled with PuLP), ``highs`` with highspy."""
    out = ["cbc"] if pulp.PULP_CBC_CMD().available() else []
    if pulp.HiGHS().available():
        out.append("highs")
    return out


def make_solver(
    name: str,
    time_limit: float | None,
    gap_rel: float,
    log_path: str | None,
    few_integers: bool = False,
):
    """A PuLP solver: CBC (log for the bound) or HiGHS.

    ``few_integers=True`` (continuous lead counts, only the numbers of bundles integer)
    runs CBC without cuts, primal heuristics, MIP preprocessing, strong branching and
    warm start: on such models they cost more time than they save
    (``benchmarks/packager.py``, 8 instances of 200,000 leads: CBC 11.8 s -> 6.4 s in
    total, warm start another ~0.9 s each). Otherwise (one binary per lead) CBC keeps its
    defaults and starts from the empty plan, which is always feasible, so a time limit
    never ends empty-handed.
    """
    if name == "highs":
        return highs_solver(msg=False, timeLimit=time_limit, gapRel=gap_rel, threads=1)
    if name == "cbc":
        tuning = (
            {"cuts": False, "strong": 0, "options": ["heuristicsOnOff off", "preprocess off"]}
            if few_integers
            else {"warmStart": True}
        )
        return pulp.PULP_CBC_CMD(
            msg=False, timeLimit=time_limit, gapRel=gap_rel, logPath=log_path, **tuning
        )
    raise SolverError(f"Unknown solver {name!r}; use 'cbc' or 'highs'.")


def cbc_bound(log_path: str, objective: float) -> float:
    """Best bound CBC proved, parsed from its log (falls back to the objective)."""
    try:
        text = Path(log_path).read_text(errors="replace")
    except OSError:
        return objective
    m = re.findall(r"best possible\s+(-?[0-9.eE+]+)", text) or re.findall(
        r"Lower bound:\s+(-?[0-9.eE+]+)", text
    )
    if not m:
        return objective
    return abs(float(m[-1]))  # CBC minimises -objective
