"""One PuLP solver factory for the optimisers' MILPs (the action planner and the packager).

Two solvers, both through PuLP's supported interfaces:

* ``"highs"`` (the default): PuLP's ``HiGHS`` API on the ``highspy`` wheel, a core
  dependency. It solves in-process and reports its proven dual bound.
* ``"cbc"``: PuLP's ``COIN_CMD`` on a CBC executable, from ``pip install "pulp[cbc]"``
  (the ``cbcbox`` wheel, about 600 MB installed) or a ``cbc`` on ``PATH``. PuLP 3.3
  deprecates the binary it bundled (``PULP_CBC_CMD``) and PuLP 4 drops it, so it is not
  used. CBC's bound is read from its log.

Why HiGHS is the default (figures in BENCHMARKS.md and docs/packaging.md): side by side on
``benchmarks/packager.py`` and ``benchmarks/qualification.py`` both prove the same optima
within every target; CBC solves the packager's models 1.3-3x faster, the planner takes the
same time with either; HiGHS installs as one 3 MB wheel and runs in-process with its bound
from the API, where CBC is a 191 MB wheel run as a subprocess whose bound is parsed from a log.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from leadlever.optimisers.exceptions import SolverError

if TYPE_CHECKING:
    import pulp

__all__ = [
    "SOLVERS",
    "DEFAULT_SOLVER",
    "available_solvers",
    "cbc_path",
    "make_solver",
    "solver_bound",
]

#: the MILP solvers LeadLever can call
SOLVERS = ("highs", "cbc")
#: the solver used unless a setting or ``--solver`` names another
DEFAULT_SOLVER = "highs"

_CBC_INSTALL = (
    'The CBC solver needs a cbc executable: pip install "pulp[cbc]" (the cbcbox wheel) or '
    "put cbc on PATH; or use the default solver, --solver highs."
)


_banner_lock = threading.Lock()
_banner_silenced = False


def _silence_highs_banner() -> None:
    """Create the process's first HiGHS object with stdout pointed at the null device.

    highspy 1.16 prints HiGHS's banner ("Running HiGHS ...", two lines) on the process's
    stdout when the first ``Highs`` object is created, before ``output_flag`` can be
    set; later objects print nothing. On stdout it would break ``--json`` (exactly one
    JSON object) and any pipe reading a command's output; on stderr it reads as a message
    to the user, which it is not (the solver's version is in ``pip list``). Runs once per
    process, under a lock.
    """
    global _banner_silenced
    with _banner_lock:
        if _banner_silenced:
            return
        import highspy

        sys.stdout.flush()
        try:
            saved = os.dup(1)
        except OSError:  # no stdout to protect
            highspy.Highs()
        else:
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, 1)
                highspy.Highs()
                _flush_c_stdout()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                os.close(null)
        _banner_silenced = True


def _flush_c_stdout() -> None:
    """Flush the C library's stdout buffer (HiGHS writes through it)."""
    import ctypes

    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError, TypeError):  # no C library handle (e.g. Windows)
        pass


def cbc_path() -> str | None:
    """The CBC executable: cbcbox's (``pulp[cbc]``), else ``cbc`` on ``PATH``, else None."""
    if importlib.util.find_spec("cbcbox") is not None:
        import cbcbox

        return str(cbcbox.cbc_bin_path())
    return shutil.which("cbc")


def available_solvers() -> list[str]:
    """The solvers usable here, from :data:`SOLVERS`."""
    import pulp

    out = ["highs"] if pulp.HiGHS().available() else []
    if cbc_path() is not None:
        out.append("cbc")
    return out


def make_solver(
    name: str,
    *,
    time_limit: float | None = None,
    gap_rel: float | None = None,
    log_path: str | None = None,
    few_integers: bool = False,
    warm_start: bool = False,
) -> pulp.LpSolver:
    """A PuLP solver object, one thread, silent.

    Parameters
    ----------
    name : {"highs", "cbc"}
        The solver (:data:`SOLVERS`).
    time_limit : float, optional
        Seconds; at the limit the best solution found so far is returned.
    gap_rel : float, optional
        Relative MIP gap :math:`(\\text{bound} - \\text{objective}) / |\\text{objective}|`
        at which the solver may stop and call the solution optimal.
    log_path : str, optional
        CBC only: where CBC writes its log (:func:`solver_bound` reads its bound there).
    few_integers : bool
        The model has few integer variables (the packager's continuous-count model, about
        30 integers among 12,000 columns). HiGHS then runs without presolve and CBC without
        cuts, primal heuristics, MIP preprocessing and strong branching: on such models they
        cost more than they save (``benchmarks/packager.py``, 8 instances of 200,000 leads:
        HiGHS 14.3 s -> 8.8 s of solver time in total, the slowest 6.4 s -> 2.7 s; CBC
        11.8 s -> 6.4 s).
    warm_start : bool
        CBC only: start from the variables' initial values (the packager's per-lead model
        starts from the empty plan, always feasible, so a time limit never ends
        empty-handed). HiGHS finds a feasible plan by its own heuristics.

    Raises
    ------
    SolverError
        For an unknown name, or a solver that is not installed (with the fix).
    """
    import pulp

    if name == "highs":
        tuning = {"presolve": "off"} if few_integers else {}
        solver = pulp.HiGHS(msg=False, timeLimit=time_limit, gapRel=gap_rel, threads=1, **tuning)
        if not solver.available():
            raise SolverError(
                "The HiGHS solver needs the 'highspy' package, a dependency of LeadLever: "
                'pip install highspy; or use --solver cbc (pip install "pulp[cbc]").'
            )
        _silence_highs_banner()
        return solver
    if name == "cbc":
        path = cbc_path()
        if path is None:
            raise SolverError(_CBC_INSTALL)
        tuning = (
            {"cuts": False, "strong": 0, "options": ["heuristicsOnOff off", "preprocess off"]}
            if few_integers
            else {}
        )
        return pulp.COIN_CMD(
            path=path,
            msg=False,
            timeLimit=time_limit,
            gapRel=gap_rel,
            logPath=log_path,
            threads=1,
            warmStart=warm_start,
            **tuning,
        )
    raise SolverError(f"Unknown solver {name!r}; use one of {', '.join(SOLVERS)}.")


def solver_bound(prob: pulp.LpProblem, name: str, objective: float, log_path: str | None) -> float:
    """The best bound the solver proved on a maximisation's objective (the objectives here
    are >= 0: the empty plan is always feasible).

    HiGHS reports it (``mip_dual_bound``; HiGHS minimises ``-objective``). CBC writes it to
    its log: the result section's ``Lower bound:`` (CBC 2.10, minimising ``-objective``)
    or ``Upper bound:`` (CBC 2.9xx with ``-max``), else the last ``best possible`` or
    ``Bound:`` of the search. Falls back to ``objective`` when no bound is available (an LP,
    or no log).
    """
    if name == "highs":
        bound = -float(prob.solverModel.getInfo().mip_dual_bound)  # HiGHS minimised -objective
        return bound if abs(bound) < float("inf") else objective
    if log_path is None:
        return objective
    try:
        text = Path(log_path).read_text(errors="replace")
    except OSError:
        return objective
    number = r"(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)"
    for pattern in (
        rf"(?:Lower|Upper) bound:\s+{number}",
        rf"best possible\s+{number}",
        rf"\bBound:\s+{number}",
    ):
        found = re.findall(pattern, text)
        if found:
            return abs(float(found[-1]))  # the sign depends on CBC's version
    return objective
