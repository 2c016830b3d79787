r"""The packager's MILP: lead classes, bundle slots, PuLP model, solve.

Leads that are interchangeable for every buyer are grouped into *classes*
:math:`c` (same conversion band, same opportunity-cost band, same set of buyers
whose filters they pass), with :math:`N_c` leads, a conservative probability
:math:`p_c` (the class minimum) and a mean cost :math:`\kappa_c`. Each buyer
:math:`b` has *slots* :math:`s = (b, t, j)`: bundle kind (tier) :math:`t` with a
required rating and price per lead :math:`\pi_{bt}`, and copy :math:`j =
1..K_b`. Variables: :math:`x_{sc} \in \{0..N_c\}` leads of class :math:`c` in
slot :math:`s`, :math:`z_s \in \{0,1\}` slot used, :math:`u_c` leads of class
:math:`c` sold in shared mode. With ``relax_counts`` (the class formulation's default)
:math:`x_{sc}, u_c \ge 0` are continuous and only the bundle counts :math:`z_s` are
integer (:mod:`leadlever.optimisers.packaging._rounding` makes whole leads of them). With
:math:`n_s = \sum_c x_{sc}`:

.. math::

    \max \; \sum_s \pi_s n_s - \sum_c \kappa_c \Bigl(\sum_{s \in X} x_{sc} + u_c\Bigr)

subject to, for every slot, :math:`L_b z_s \le n_s \le U_b z_s` (size),
:math:`\sum_c (p_c - m_b) x_{sc} \ge 0` (mean p), :math:`\sum_c (p_c - \beta_t)
x_{sc} \ge \alpha_t z_s` (rating, the certified line of
:func:`leadlever.optimisers.packaging._ratings.certified_line`); for every buyer
:math:`\sum_{t,j} z_{btj} \le K_b` (packages) and :math:`\sum_s \pi_s n_s \le B_b`
(budget); for every class :math:`\sum_{s \in X} x_{sc} + u_c \le N_c`
(supply; :math:`X` = exclusive slots) and, for shared leads,
:math:`\sum_{s \in b} x_{sc} \le u_c` per non-exclusive buyer and
:math:`\sum_{s \notin X} x_{sc} \le k\, u_c`. Symmetry between identical slots
of a buyer and tier is broken by :math:`z_{j} \ge z_{j+1}` and
:math:`n_{j} \ge n_{j+1}`.

The *per-lead* formulation is the same model with one class per lead.
"""

from __future__ import annotations

import logging
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pulp

from leadlever.optimisers._solvers import DEFAULT_SOLVER, make_solver, solver_bound
from leadlever.optimisers.exceptions import NoPlanFoundError
from leadlever.optimisers.packaging._buyers import Market
from leadlever.optimisers.packaging._classes import LeadClasses, build_classes
from leadlever.optimisers.packaging._ratings import certified_line, certified_windows

__all__ = [
    "LeadClasses",
    "Slot",
    "ModelSolution",
    "build_classes",
    "build_slots",
    "solve_model",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Slot:
    """Bundles of one buyer and tier (required rating, price per lead).

    With ``copies = K > 1`` the slot stands for up to ``K`` identical bundles whose
    leads are pooled (``z`` = number of bundles, an integer); the repair step splits
    the pool into ``z`` bundles. With ``copies = 1`` it is a single bundle.
    """

    buyer: int
    tier: int
    copy: int
    rating: str | None
    price: float
    min_leads: int
    line: tuple[float, float] | None
    copies: int = 1
    window: tuple[float, float] | None = None  # lo <= expected conversions < hi per bundle


@dataclass(frozen=True)
class ModelSolution:
    """What the solver returned, mapped back to slots and classes.

    With ``relaxed=True`` the lead counts are continuous (only the numbers of bundles
    are integers) and ``counts`` / ``shared`` hold fractions until
    :func:`leadlever.optimisers.packaging._rounding.round_solution` makes them integers.
    """

    status: str  # "optimal" | "feasible"
    gap: float
    objective: float
    bound: float
    counts: dict[int, dict[int, float]]  # slot -> class -> leads
    bundles: dict[int, int]  # slot -> number of bundles
    shared: np.ndarray  # leads of each class sold in shared mode
    seconds: float
    n_variables: int
    n_constraints: int
    relaxed: bool = False


def build_slots(market: Market, *, aggregate: bool = True) -> list[Slot]:
    """Bundle slots of every buyer (tiers whose rating no size can certify are dropped).

    ``aggregate=True`` gives one slot per buyer and tier standing for all its identical
    bundles (the strongest symmetry breaking: identical bundles are not told apart);
    ``aggregate=False`` one slot per bundle, ordered by the symmetry-breaking constraints.
    """
    slots = []
    for b, buyer in enumerate(market.buyers):
        for t, (rating, price) in enumerate(buyer.tiers(market.scale)):
            # (line, window, smallest size) of each way to certify this tier
            variants: list[tuple] = [(None, None, buyer.min_leads)]
            if rating is not None:
                cert = certified_line(rating, buyer.min_leads, buyer.max_leads, market.scale)
                variants = [] if cert is None else [((cert[0], cert[1]), None, cert[2])]
                variants += [
                    (None, w, buyer.min_leads)
                    for w in certified_windows(
                        rating, buyer.min_leads, buyer.max_leads, market.scale
                    )
                ]
            for line, window, min_leads in variants:
                if aggregate:
                    slots.append(
                        Slot(b, t, 0, rating, price, min_leads, line, buyer.packages, window)
                    )
                    continue
                for j in range(buyer.packages):
                    slots.append(Slot(b, t, j, rating, price, min_leads, line, 1, window))
    return slots


def _name(*parts: object) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", "_".join(str(p) for p in parts))


def _make_problem(classes: LeadClasses, slots: list[Slot], market: Market, relax: bool = False):
    prob = pulp.LpProblem("lead_packaging", pulp.LpMaximize)
    cat = "Continuous" if relax else "Integer"
    n_cls = classes.n_classes
    buyers = market.buyers
    x: dict[int, dict[int, pulp.LpVariable]] = {}
    z: dict[int, pulp.LpVariable] = {}
    size: dict[int, pulp.LpAffineExpression] = {}
    sharing = np.array([not b.exclusive for b in buyers])
    u = {}
    if sharing.any():
        for c in np.flatnonzero(classes.eligible[:, sharing].any(axis=1)):
            u[int(c)] = prob.add_variable(f"u_{c}", 0, int(classes.count[c]), cat=cat)
    exclusive_terms: list[list[tuple]] = [[] for _ in range(n_cls)]
    shared_terms: list[list[tuple]] = [[] for _ in range(n_cls)]
    objective: list[tuple] = []
    for s, slot in enumerate(slots):
        buyer = buyers[slot.buyer]
        tag = _name(buyer.name, slot.rating or "any", slot.copy + 1)
        if slot.window is not None:  # one slot per window of expected conversions
            tag = _name(tag, "expected", f"{slot.window[0]:.3f}")
        cls = np.flatnonzero(classes.eligible[:, slot.buyer])
        xs = {
            int(c): prob.add_variable(f"x_{s}_{c}", 0, int(classes.count[c]), cat=cat) for c in cls
        }
        x[s] = xs
        z[s] = prob.add_variable(f"z_{s}", 0, slot.copies, cat="Integer")
        size[s] = pulp.LpAffineExpression([(v, 1) for v in xs.values()])
        for c, v in xs.items():
            if buyer.exclusive:
                exclusive_terms[c].append((v, 1))
                objective.append((v, slot.price - classes.cost[c]))
            else:
                shared_terms[c].append((v, 1))
                objective.append((v, slot.price))
        prob += size[s] >= slot.min_leads * z[s], _name(tag, "min_leads")
        prob += size[s] <= buyer.max_leads * z[s], _name(tag, "max_leads")
        if buyer.min_mean_p is not None:
            prob += (
                pulp.LpAffineExpression(
                    [(v, classes.p[c] - buyer.min_mean_p) for c, v in xs.items()]
                )
                >= 0,
                _name(tag, "min_mean_p"),
            )
        if slot.line is not None:
            a, b = slot.line
            prob += (
                pulp.LpAffineExpression([(v, classes.p[c] - b) for c, v in xs.items()]) >= a * z[s],
                _name(tag, "grade", slot.rating),
            )
        if slot.window is not None:
            lo, hi = slot.window
            prob += (
                pulp.LpAffineExpression([(v, classes.p[c]) for c, v in xs.items()]) >= lo * z[s],
                _name(tag, "grade", slot.rating, "window_low"),
            )
            prob += (
                pulp.LpAffineExpression([(v, classes.p_high[c]) for c, v in xs.items()])
                <= hi * z[s],
                _name(tag, "grade", slot.rating, "window_high"),
            )
    for c, v in u.items():
        objective.append((v, -classes.cost[c]))
    prob += pulp.LpAffineExpression(objective)
    # per buyer: packages, budget, symmetry between identical slots
    for b, buyer in enumerate(buyers):
        mine = [s for s, sl in enumerate(slots) if sl.buyer == b]
        if not mine:
            continue
        prob += pulp.lpSum(z[s] for s in mine) <= buyer.packages, _name(buyer.name, "packages")
        if buyer.budget is not None:
            prob += (
                pulp.lpSum(slots[s].price * size[s] for s in mine) <= buyer.budget,
                _name(buyer.name, "budget"),
            )
        for s in mine:
            nxt = s + 1
            if (
                nxt in z
                and slots[nxt].buyer == b
                and slots[nxt].tier == slots[s].tier
                and slots[nxt].window == slots[s].window
                and slots[nxt].line == slots[s].line
            ):
                prob += (
                    z[s] >= z[nxt],
                    _name(buyer.name, slots[s].rating or "any", s, "symmetry_used"),
                )
                prob += (
                    size[s] >= size[nxt],
                    _name(buyer.name, slots[s].rating or "any", s, "symmetry_size"),
                )
        if not buyer.exclusive:
            for c in np.flatnonzero(classes.eligible[:, b]):
                terms = [(x[s][int(c)], 1) for s in mine]
                if len(terms) > 1 or classes.count[c] > 1:
                    prob += (
                        pulp.LpAffineExpression(terms) <= u[int(c)],
                        _name(buyer.name, "no_repeat_lead", c),
                    )
    for c in range(n_cls):
        terms = exclusive_terms[c] + ([(u[c], 1)] if c in u else [])
        if len(terms) > 1:
            prob += (
                pulp.LpAffineExpression(terms) <= int(classes.count[c]),
                _name("supply_class", c),
            )
        if shared_terms[c]:
            prob += (
                pulp.LpAffineExpression(shared_terms[c]) <= market.max_share * u[c],
                _name("max_share_class", c),
            )
    return prob, x, z, u


def solve_model(
    classes: LeadClasses,
    slots: list[Slot],
    market: Market,
    *,
    solver: str = DEFAULT_SOLVER,
    time_limit: float | None = None,
    gap_rel: float = 1e-6,
    relax_counts: bool = False,
) -> ModelSolution:
    """Build the MILP, solve it, check ``status`` and ``sol_status``, read the counts.

    ``relax_counts=True`` makes the lead counts :math:`x_{sc}, u_c` continuous (the
    numbers of bundles :math:`z_s` stay integer); the counts are then returned as
    fractions for the rounding step.

    Raises
    ------
    NoPlanFoundError
        When no integer-feasible solution was found (e.g. the time limit is too short).
    SolverError
        When the solver is not installed (HiGHS without ``highspy``, CBC without a cbc
        executable).
    """
    start = time.perf_counter()
    prob, x, z, u = _make_problem(classes, slots, market, relax=relax_counts)
    if not relax_counts:
        for var in prob.variables():
            var.setInitialValue(0)  # the empty plan: CBC's warm start
    with tempfile.TemporaryDirectory() as tmp:
        log_path = str(Path(tmp) / "cbc.log") if solver == "cbc" else None
        status = prob.solve(
            make_solver(
                solver,
                time_limit=time_limit,
                gap_rel=gap_rel,
                log_path=log_path,
                few_integers=relax_counts,
                warm_start=not relax_counts,
            )
        )
        sol_status = prob.sol_status
        objective = float(pulp.value(prob.objective) or 0.0)
        bound = solver_bound(prob, solver, objective, log_path)
    seconds = time.perf_counter() - start
    if sol_status == pulp.LpSolutionOptimal and status == pulp.LpStatusOptimal:
        state = "optimal"
    elif sol_status == pulp.LpSolutionIntegerFeasible:
        state = "feasible"
    else:
        raise NoPlanFoundError(
            f"The {solver.upper()} solver found no feasible packaging (status "
            f"{pulp.LpStatus.get(status, status)}, solution status {sol_status}) "
            f"within {time_limit} s. Increase --time-limit."
        )
    bound = max(bound, objective)
    if state == "optimal" and bound - objective > gap_rel * max(1.0, abs(objective)) + 1e-6:
        bound = objective  # the log bound is stale; the solver proved optimality
    gap = (
        (bound - objective) / max(1e-9, abs(objective))
        if objective
        else (0.0 if bound <= 1e-9 else float("inf"))
    )

    def read(v: pulp.LpVariable) -> float:
        val = max(0.0, float(v.varValue or 0.0))
        return val if relax_counts else float(round(val))

    counts = {}
    for s, xs in x.items():
        got = {c: read(v) for c, v in xs.items()}
        counts[s] = {c: (n if relax_counts else int(n)) for c, n in got.items() if n > 1e-9}
    n_bundles = {s: int(round(v.varValue or 0)) for s, v in z.items()}
    shared = np.zeros(classes.n_classes, dtype=float if relax_counts else int)
    for c, v in u.items():
        shared[c] = read(v)
    logger.info(
        "packager MILP %s: objective %.2f, gap %.2e, %d vars, %.2f s",
        state,
        objective,
        gap,
        prob.numVariables(),
        seconds,
    )
    return ModelSolution(
        state,
        gap,
        objective,
        bound,
        counts,
        n_bundles,
        shared,
        seconds,
        prob.numVariables(),
        prob.numConstraints(),
        relax_counts,
    )
