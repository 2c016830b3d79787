r"""The consultant-assignment MILP of the action planner, stage by stage.

Data -> problem -> variables -> objective -> named constraints -> solve ->
status check -> results. With candidate leads :math:`i`, capacity pools
:math:`g` (single consultants, or seniority classes when aggregated), value
:math:`v_{ig}` of working lead :math:`i` in pool :math:`g`, booked hours
:math:`e_i` and pool capacity :math:`C_g`:

.. math::
    \max_x \sum_{i,g} v_{ig}\, x_{ig}
    \quad \text{s.t.} \quad
    \sum_g x_{ig} \le 1 \;\; \forall i \;(\texttt{one\_action\_i}), \qquad
    \sum_i e_i\, x_{ig} \le C_g \;\; \forall g \;(\texttt{capacity\_g}), \qquad
    x_{ig} \in \{0, 1\}

Only pairs with :math:`v_{ig} > 0` get a variable. :func:`lp_bound` solves the
LP relaxation (scipy's HiGHS) for an upper bound, used to report the gap.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pulp

from leadlever.optimisers._solvers import DEFAULT_SOLVER, make_solver
from leadlever.optimisers.exceptions import PlanSolveError

__all__ = ["AssignmentData", "AssignmentResult", "solve_assignment", "lp_bound", "lp_relaxation"]


@dataclass(frozen=True)
class AssignmentData:
    """Inputs of the MILP: values (n x m), hours (n), capacities (m), pool names (m)."""

    values: np.ndarray
    hours: np.ndarray
    capacity: np.ndarray
    pools: tuple[str, ...]


@dataclass(frozen=True)
class AssignmentResult:
    """Chosen pool per lead (-1 = not assigned), objective, solver status."""

    pool: np.ndarray
    objective: float
    status: str
    sol_status: str
    seconds: float


def _pairs(data: AssignmentData) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.nonzero(data.values > 0)
    fits = data.hours[rows] <= data.capacity[cols] + 1e-9
    return rows[fits], cols[fits]


def _problem() -> pulp.LpProblem:
    return pulp.LpProblem("consultant_assignment", pulp.LpMaximize)


def _variables(prob: pulp.LpProblem, rows: np.ndarray, cols: np.ndarray) -> list[pulp.LpVariable]:
    return [
        prob.add_variable(f"x_{i}_{g}", cat=pulp.LpBinary) for i, g in zip(rows, cols, strict=True)
    ]


def _objective(prob: pulp.LpProblem, data: AssignmentData, rows, cols, x) -> None:
    prob.setObjective(
        pulp.LpAffineExpression(zip(x, data.values[rows, cols].tolist(), strict=True))
    )


def _constraints(prob: pulp.LpProblem, data: AssignmentData, rows, cols, x) -> None:
    order = np.argsort(rows, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(rows[order]) != 0])
    ends = np.r_[starts[1:], order.size]
    for s, e in zip(starts, ends, strict=True):
        if e - s > 1:
            idx = order[s:e]
            prob += (
                pulp.LpAffineExpression([(x[k], 1.0) for k in idx]) <= 1,
                f"one_action_{rows[idx[0]]}",
            )
    hours = data.hours[rows].tolist()
    by_pool = np.argsort(cols, kind="stable")
    for g in range(len(data.pools)):
        idx = by_pool[cols[by_pool] == g]
        prob += (
            pulp.LpAffineExpression([(x[k], hours[k]) for k in idx]) <= float(data.capacity[g]),
            f"capacity_{g}",
        )


def solve_assignment(
    data: AssignmentData,
    *,
    solver: str = DEFAULT_SOLVER,
    time_limit: float = 8.0,
    gap_rel: float = 1e-4,
) -> AssignmentResult:
    """Build and solve the MILP; raise :class:`PlanSolveError` unless a solution was found."""
    start = time.perf_counter()
    n = data.values.shape[0]
    rows, cols = _pairs(data)
    if rows.size == 0:
        return AssignmentResult(np.full(n, -1), 0.0, "Optimal", "Optimal Solution Found", 0.0)
    prob = _problem()
    x = _variables(prob, rows, cols)
    _objective(prob, data, rows, cols, x)
    _constraints(prob, data, rows, cols, x)
    status = prob.solve(make_solver(solver, time_limit=time_limit, gap_rel=gap_rel))
    status_name = pulp.LpStatus[status]
    sol_name = pulp.constants.LpSolution[prob.sol_status]
    if prob.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        raise PlanSolveError(
            f"The assignment MILP found no usable solution (status {status_name}, solution "
            f"{sol_name}). Raise the time limit or reduce the number of leads."
        )
    chosen = np.array([(v.varValue or 0.0) > 0.5 for v in x])
    pool = np.full(n, -1)
    pool[rows[chosen]] = cols[chosen]
    objective = float(data.values[rows[chosen], cols[chosen]].sum())
    return AssignmentResult(pool, objective, status_name, sol_name, time.perf_counter() - start)


def lp_relaxation(data: AssignmentData) -> tuple[float, np.ndarray]:
    """The LP relaxation (scipy.optimize.linprog, HiGHS): optimum (an upper bound on the
    MILP) and the shadow price of each pool's hours :math:`\\lambda_g \\ge 0`."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix, vstack

    rows, cols = _pairs(data)
    n, m = data.values.shape
    if rows.size == 0:
        return 0.0, np.zeros(m)
    k = rows.size
    one = coo_matrix((np.ones(k), (rows, np.arange(k))), shape=(n, k))
    cap = coo_matrix((data.hours[rows], (cols, np.arange(k))), shape=(m, k))
    res = linprog(
        -data.values[rows, cols],
        A_ub=vstack([one, cap]).tocsr(),
        b_ub=np.r_[np.ones(n), data.capacity],
        bounds=(0, 1),
        method="highs",
    )
    if res.status != 0:
        raise PlanSolveError(f"The LP relaxation of the assignment failed: {res.message}")
    return float(-res.fun), -np.asarray(res.ineqlin.marginals[n:], dtype=float)


def lp_bound(data: AssignmentData) -> float:
    """Upper bound on the MILP optimum: the LP relaxation's value."""
    return lp_relaxation(data)[0]
