"""The one PuLP solver factory: both solvers prove the brute-force optimum, report a true
bound, need no deprecated PuLP entry point, and keep stdout clean for ``--json``."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import warnings

import numpy as np
import pytest

from leadlever.optimisers._solvers import (
    DEFAULT_SOLVER,
    SOLVERS,
    available_solvers,
    make_solver,
    solver_bound,
)
from leadlever.optimisers.exceptions import SolverError

#: absolute tolerance of a MILP objective against brute force (solver feasibility tolerance)
OBJECTIVE_ATOL = 1e-6

needs_cbc = pytest.mark.skipif(
    "cbc" not in available_solvers(),
    reason='CBC is not installed (pip install "pulp[cbc]" or a cbc on PATH); HiGHS is tested',
)


def _knapsack(rng: np.random.Generator, n: int = 12):
    values = rng.integers(1, 60, n).astype(float)
    weights = rng.integers(1, 30, n).astype(float)
    return values, weights, float(weights.sum() * 0.4)


def _brute_force(values, weights, capacity) -> float:
    best = 0.0
    for pick in itertools.product((0, 1), repeat=values.size):
        x = np.array(pick)
        if weights @ x <= capacity:
            best = max(best, float(values @ x))
    return best


def _solve(name: str, values, weights, capacity, log_path=None):
    import pulp

    prob = pulp.LpProblem("knapsack", pulp.LpMaximize)
    x = [prob.add_variable(f"x_{i}", cat=pulp.LpBinary) for i in range(values.size)]
    prob.setObjective(pulp.LpAffineExpression(zip(x, values.tolist(), strict=True)))
    prob += (
        pulp.LpAffineExpression(zip(x, weights.tolist(), strict=True)) <= capacity,
        "capacity",
    )
    prob.solve(make_solver(name, gap_rel=0.0, log_path=log_path))
    objective = float(pulp.value(prob.objective))
    return prob, objective


@pytest.mark.parametrize("name", [pytest.param("highs"), pytest.param("cbc", marks=needs_cbc)])
def test_solver_proves_the_brute_force_optimum_and_a_true_bound(name, tmp_path):
    import pulp

    rng = np.random.default_rng(3)
    for _ in range(3):
        values, weights, capacity = _knapsack(rng)
        log = str(tmp_path / "cbc.log") if name == "cbc" else None
        prob, objective = _solve(name, values, weights, capacity, log)
        assert prob.status == pulp.LpStatusOptimal
        assert objective == pytest.approx(
            _brute_force(values, weights, capacity), abs=OBJECTIVE_ATOL
        )
        bound = solver_bound(prob, name, objective, log)
        assert bound >= objective - OBJECTIVE_ATOL
        assert bound == pytest.approx(objective, abs=OBJECTIVE_ATOL)  # proved optimal


def test_default_solver_is_installed_with_the_core_dependencies():
    assert DEFAULT_SOLVER in SOLVERS
    assert DEFAULT_SOLVER in available_solvers()


def test_cli_solver_choices_are_the_library_solvers():
    from leadlever.cli._options import Solver

    assert sorted(s.value for s in Solver) == sorted(SOLVERS)


def test_unknown_or_missing_solver_is_a_clear_error(monkeypatch):
    with pytest.raises(SolverError, match="Unknown solver 'gurobi'"):
        make_solver("gurobi")
    import leadlever.optimisers._solvers as solvers

    monkeypatch.setattr(solvers, "cbc_path", lambda: None)
    with pytest.raises(SolverError, match=r'pip install "pulp\[cbc\]"'):
        make_solver("cbc")
    assert "cbc" not in solvers.available_solvers()


@pytest.mark.parametrize("name", [pytest.param("highs"), pytest.param("cbc", marks=needs_cbc)])
def test_no_deprecated_pulp_entry_point(name):
    values, weights, capacity = _knapsack(np.random.default_rng(0), n=6)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        _solve(name, values, weights, capacity)


def test_highs_banner_stays_off_stdout_and_stderr():
    """highspy 1.16 prints a banner on stdout at its first object; both streams stay clean."""
    code = (
        "import json, numpy as np\n"
        "import pulp\n"
        "from leadlever.optimisers._solvers import make_solver\n"
        "p = pulp.LpProblem('t', pulp.LpMaximize)\n"
        "x = p.add_variable('x', upBound=3, cat=pulp.LpInteger)\n"
        "p += x\n"
        "p.solve(make_solver('highs'))\n"
        "print(json.dumps({'x': x.varValue}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/"
    )
    assert json.loads(out.stdout) == {"x": 3.0}  # the whole of stdout is one JSON object
    assert "HiGHS" not in out.stderr


@pytest.mark.parametrize(
    ("log", "bound"),
    [
        # CBC 2.10 (PuLP's old bundled binary): minimises -objective
        (
            "Cbc0010I After 100 nodes, 3 on tree, -123.5 best solution, best possible -130.25\n"
            "Result - Stopped on time limit\nObjective value:  123.5\nLower bound:  -130.250\n",
            130.25,
        ),
        # CBC 2.9xx (cbcbox, pulp[cbc]) with -max
        (
            "Stopped (time limit) - BestSol: 67729.7   Bound: 73686.4   Gap: 8.79%\n"
            "Result - Stopped on time limit\nObjective value:  67729.7154786\n"
            "Upper bound:  73686.4\nGap:  -0.0808387\n",
            73686.4,
        ),
        ("no bound here\n", 10.0),
    ],
)
def test_cbc_bound_is_read_from_either_log_format(tmp_path, log, bound):
    path = tmp_path / "cbc.log"
    path.write_text(log)
    assert solver_bound(None, "cbc", 10.0, str(path)) == pytest.approx(bound)
