r"""The scorer's cross-validation folds, on one process or two.

Each fold refits the main effects on its training rows (:func:`fold_mains`; smoothing
re-estimated, warm start from the full fit) and then adds the pair candidates in rank
order (:class:`FoldRun`; each pair's smoothing kept from the full fit), recording the
held-out linear predictor and deviance after every pair.

The folds' main effects do not depend on the pairs, so with a second process
(:mod:`~leadlever.engine.scoring._fork`) the work is split as it becomes possible:

* the **child** refits the main effects of every fold while the parent fits the pair
  candidates on all rows; it hands fold 0's back, and adds each pair to the other folds
  as soon as the parent has fitted it (the pairs are streamed, one message each);
* the **parent**, when its pairs are done, adds them to fold 0 and collects the rest.

On bank-full the child's share and the parent's are then about equal (0.4 s each). The
arithmetic is the same in either process, so the result is the same to the last bit as
on one process (:func:`cross_validate` without a job), which is also what runs when the
child cannot start or fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from leadlever.engine.scoring._additive import fit_joint
from leadlever.engine.scoring._block import fit_block
from leadlever.engine.scoring._fork import Channel, ChildFailed, ForkedJob
from leadlever.engine.scoring._penalised import Design, FitResult, sigmoid
from leadlever.engine.scoring._terms import pair_term

__all__ = ["CV_ETA_TOL", "FoldRun", "cross_validate", "deviance", "fold_mains", "start_folds"]

#: a fold's refits (main effects, then each pair; warm start, Newton) have converged
#: when their last step moved no log-odds by more than this; Newton converges
#: quadratically (the main effects' reused Hessian: linearly, at a rate of at most
#: about 0.3), so what is left is well below it (held-out log-odds moved < 4e-5 on
#: bank-full, bank-additional-full and the simulated sessions against 1e-5)
CV_ETA_TOL = 1e-3


def deviance(y: np.ndarray, eta: np.ndarray) -> float:
    """Binomial deviance :math:`2\\sum_i [\\log(1+e^{\\eta_i}) - y_i\\eta_i]`."""
    return float(2.0 * (np.logaddexp(0.0, eta) - y * eta).sum())


@dataclass
class FoldRun:
    """One fold after its main effects: held-out predictions as pairs are added."""

    train: np.ndarray
    test: np.ndarray
    eta_train: np.ndarray
    eta_test: np.ndarray
    converged: list[bool]
    held_out: list[np.ndarray] = field(default_factory=list)
    deviances: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.held_out = [self.eta_test]

    def add(self, pair: dict[str, Any], y: np.ndarray) -> None:
        """Refit ``pair`` on the fold's training rows on top of the terms so far."""
        term = pair["term"]
        sub = replace(term, codes=term.codes[self.train])
        beta, _, ok, _ = fit_block(
            sub,
            y[self.train],
            self.eta_train,
            lam=pair["lam"],
            estimate=False,
            start=pair["beta"],
            tol=CV_ETA_TOL,
        )
        self.converged.append(ok)
        self.eta_train = self.eta_train + beta[sub.codes]
        self.eta_test = self.eta_test + beta[term.codes[self.test]]
        self.held_out.append(self.eta_test)

    def result(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(held-out eta: test rows x 0..K pairs, deviance per 0..K pairs)``."""
        yt = y[self.test]
        return np.column_stack(self.held_out), np.array([deviance(yt, e) for e in self.held_out])


def fold_mains(mains, full: FitResult, y, w_full, train, test) -> FoldRun:
    """One fold's main effects refitted on its training rows."""
    # smoothing re-estimated on the fold's rows (warm start from the full fit): the
    # held-out predictions then carry the optimism of choosing it, as new leads will.
    # At the start the fold's Hessian is the full fit's minus the held-out rows' (a
    # third of the histogram work of assembling it on the training rows)
    fold = fit_joint(
        [replace(t, codes=t.codes[train]) for t in mains],
        y[train],
        lam=full.lam.copy(),
        start=full.theta,
        hessian=full.hessian - Design(mains, test, cache=False).hessian(w_full[test]),
        covariance=False,
        tol=CV_ETA_TOL,
    )
    eta_test = fold.intercept + sum(
        c[t.codes[test]] for c, t in zip(fold.coefs, mains, strict=True)
    )
    return FoldRun(train, test, fold.eta, eta_test, [fold.converged])


def _binomial_weight(full: FitResult) -> np.ndarray:
    p = sigmoid(full.eta)
    return p * (1 - p)


def _assemble(runs: list[FoldRun], y: np.ndarray):
    """Held-out eta (rows x 0..K pairs), deviance (folds x 0..K) and every convergence."""
    held_out = np.empty((len(y), len(runs[0].held_out)))
    dev = np.empty((len(runs), held_out.shape[1]))
    converged: list[bool] = []
    for f, run in enumerate(runs):
        held_out[run.test], dev[f] = run.result(y)
        converged += run.converged
    return held_out, dev, converged


def cross_validate(mains, pairs, full: FitResult, y, folds, job: ForkedJob | None = None):
    """Held-out linear predictor for 0..len(pairs) pairs, per-fold deviances and the
    convergence of every refit.

    With ``job`` (:func:`start_folds`, already sent every pair by :func:`send_pair`) the
    child's answers are collected and fold 0 finished here; if the child fails, or
    without one, every fold is fitted here, one after the other.
    """
    if job is not None:
        try:
            return _collect(job, pairs, y, folds)
        except (ChildFailed, OSError):
            pass  # the same work, done here
        finally:
            job.close()
    w_full = _binomial_weight(full)
    runs = []
    for train, test in folds:
        run = fold_mains(mains, full, y, w_full, train, test)
        for pair in pairs:
            run.add(pair, y)
        runs.append(run)
    return _assemble(runs, y)


def _collect(job: ForkedJob, pairs, y, folds):
    """The parent's part once its pairs are fitted: fold 0's pairs, the child's answer."""
    job.send({"end": np.array(len(pairs))})
    first = job.receive()
    train, test = folds[0]
    run = FoldRun(train, test, first["eta_train"], first["eta_test"], [bool(first["converged"])])
    for pair in pairs:
        run.add(pair, y)
    rest = job.receive()
    held_out = np.empty((len(y), len(pairs) + 1))
    dev = np.empty((len(folds), len(pairs) + 1))
    held_out[test], dev[0] = run.result(y)
    for f, (_, test_f) in enumerate(folds[1:], start=1):
        held_out[test_f], dev[f] = rest[f"held_out_{f}"], rest[f"deviance_{f}"]
    return held_out, dev, run.converged + rest["converged"].astype(bool).tolist()


def send_pair(job: ForkedJob | None, pair: dict[str, Any]) -> None:
    """Stream one fitted pair (columns, smoothing, coefficients) to the child."""
    if job is not None:
        job.send(
            {
                "columns": np.array([pair["a"], pair["b"]], dtype=np.int64),
                "lam": np.asarray(pair["lam"], dtype=float),
                "beta": pair["beta"],
            }
        )


def start_folds(infos, cells, mains, full: FitResult, y, folds, workers: int):
    """Fork the child of the module docstring; ``None`` when ``workers`` is 1 or it
    cannot start (the folds are then fitted by :func:`cross_validate` alone)."""

    def work(channel: Channel) -> None:
        w_full = _binomial_weight(full)
        runs = []
        for f, (train, test) in enumerate(folds):
            runs.append(fold_mains(mains, full, y, w_full, train, test))
            if f == 0:  # the parent adds the pairs to fold 0
                first = runs[0]
                channel.send(
                    {
                        "eta_train": first.eta_train,
                        "eta_test": first.eta_test,
                        "converged": np.array(first.converged[0]),
                    }
                )
        while "end" not in (message := channel.receive()):
            a, b = (int(v) for v in message["columns"])
            term, _ = pair_term(infos[a], cells[a], infos[b], cells[b])
            pair = {"term": term, "lam": message["lam"], "beta": message["beta"]}
            for run in runs[1:]:
                run.add(pair, y)
        answer: dict[str, np.ndarray] = {}
        converged: list[bool] = []
        for f, run in enumerate(runs[1:], start=1):
            answer[f"held_out_{f}"], answer[f"deviance_{f}"] = run.result(y)
            converged += run.converged
        answer["converged"] = np.array(converged, dtype=bool)
        channel.send(answer)

    return ForkedJob.start(work, workers=workers)
