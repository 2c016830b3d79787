r"""The scorer's cross-validation folds, on one process or two.

Each fold refits the main effects on its training rows (:func:`fold_mains`; smoothing
re-estimated, warm start from the full fit; fold :data:`COLD_FOLD` from scratch,
:func:`fold_mains_cold`) and then adds the pair candidates in rank
order (:class:`FoldRun`; each pair's smoothing kept from the full fit), recording the
held-out linear predictor and deviance after every pair.

The folds' main effects do not depend on the pairs, so with a second process
(:mod:`~leadlever.engine.scoring._fork`) the work is split as it becomes possible:

* the **child**, forked before the full fit, fits fold :data:`COLD_FOLD`'s main effects
  from scratch while the parent fits all rows; given the full fit (one message) it
  refits folds 2, 3, ... and then fold 0 from it, while the parent fits the pair
  candidates; it adds each pair to its folds as soon as the parent has fitted it (the
  pairs are streamed, one message each);
* the **parent**, when its pairs are done, signals it (:data:`END`) and takes fold 0:
  from where the child left it if the child has started it (the child hands over its
  state at once, at the next pair), else from the start; then it collects the other
  folds' deviances, chooses the number of pairs and asks for that column only.

So whichever process is free does the work that is left: on bank-full the parent's
pair fits and the child's folds take about the same time, on a small export the child
is still refitting main effects when the parent's few pairs are done. The arithmetic is
the same in either process, so the result is the same to the last bit as on one process
(:func:`cross_validate` without a job), which is also what runs when the child cannot
start or fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from leadlever.engine.scoring._additive import fit_joint
from leadlever.engine.scoring._block import fit_block
from leadlever.engine.scoring._design import Design
from leadlever.engine.scoring._fork import Channel, ChildFailed, ForkedJob
from leadlever.engine.scoring._penalised import FitResult, linear_predictor, offsets, sigmoid
from leadlever.engine.scoring._terms import pair_term

#: the parent's message that its pairs are all sent (and it is free to take fold 0)
END = "end"
#: the parent's message naming the number of pairs chosen: "column:K"
COLUMN = "column:"

__all__ = [
    "COLD_FOLD",
    "CV_ETA_TOL",
    "FoldRun",
    "cross_validate",
    "deviance",
    "fold_mains",
    "fold_mains_cold",
    "send_full",
    "start_folds",
]

#: a fold's refits (main effects, then each pair; warm start, Newton) have converged
#: when their last step moved no log-odds by more than this; Newton converges
#: quadratically (the main effects' reused Hessian: linearly, at a rate of at most
#: about 0.3), so what is left is well below it (held-out log-odds moved < 4e-5 on
#: bank-full, bank-additional-full and the simulated sessions against 1e-5)
CV_ETA_TOL = 1e-3
#: Fellner-Schall updates of a fold's smoothing parameters at most, from the full fit's
#: (then Newton steps to convergence at those): 4 gave the same 5-fold AUC and ECE to 4
#: decimals as 15 on bank-full, bank-additional-full, the online shoppers, the education
#: leads and the retail campaign set, for 16-27 % less CPU; the first updates move a
#: fold's smoothing most of the way (a parameter on a flat likelihood keeps drifting,
#: with no effect on the predictions)
FOLD_SMOOTHING_ITER = 4
#: the fold whose main effects are fitted from scratch (the others start from the full
#: fit): the second process fits it while the first fits all rows (its smoothing is then
#: estimated on the fold's rows alone, the others' start from the full fit's)
COLD_FOLD = 1


def deviance(y: np.ndarray, eta: np.ndarray) -> float:
    """Binomial deviance :math:`2\\sum_i [\\log(1+e^{\\eta_i}) - y_i\\eta_i]`."""
    return float(2.0 * (np.logaddexp(0.0, eta) - y * eta).sum())


@dataclass
class FoldRun:
    """One fold after its main effects: held-out predictions and deviance as pairs are
    added (``held_out[k]`` is ``None`` where another process computed column k)."""

    train: np.ndarray
    test: np.ndarray
    eta_train: np.ndarray
    eta_test: np.ndarray
    converged: list[bool]
    y_test: np.ndarray
    held_out: list[np.ndarray | None] = field(default_factory=list)
    deviances: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.held_out:
            self.held_out = [self.eta_test]
            self.deviances = [deviance(self.y_test, self.eta_test)]

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
        self.deviances.append(deviance(self.y_test, self.eta_test))

    def state(self) -> dict[str, np.ndarray]:
        """Where the fold stands, for the other process to go on (its columns stay here)."""
        return {
            "started": np.array(True),
            "eta_train": self.eta_train,
            "eta_test": self.eta_test,
            "converged": np.array(self.converged, dtype=bool),
            "deviances": np.array(self.deviances),
        }

    @classmethod
    def from_state(cls, arrays: dict[str, np.ndarray], train, test, y) -> FoldRun:
        done = len(arrays["deviances"])
        return cls(
            train,
            test,
            arrays["eta_train"],
            arrays["eta_test"],
            arrays["converged"].astype(bool).tolist(),
            y[test],
            [None] * (done - 1) + [arrays["eta_test"]],
            arrays["deviances"].tolist(),
        )


def fold_mains(mains, full: FitResult, y, w_full, train, test) -> FoldRun:
    """One fold's main effects refitted on its training rows."""
    # smoothing re-estimated on the fold's rows (warm start from the full fit, at most
    # FOLD_SMOOTHING_ITER updates): the held-out predictions then carry the optimism of
    # choosing it, as new leads will. At the start the fold's Hessian is the full fit's
    # minus the held-out rows' (a third of the histogram work of assembling it anew)
    fold = fit_joint(
        [replace(t, codes=t.codes[train]) for t in mains],
        y[train],
        lam=full.lam.copy(),
        start=full.theta,
        hessian=full.hessian - Design(mains, test, cache=False).hessian(w_full[test]),
        covariance=False,
        tol=CV_ETA_TOL,
        max_smoothing_iter=FOLD_SMOOTHING_ITER,
    )
    return FoldRun(train, test, fold.eta, _held_out(mains, fold, test), [fold.converged], y[test])


def fold_mains_cold(mains, y, train, test) -> FoldRun:
    """Fold :data:`COLD_FOLD`'s main effects, fitted from scratch on its training rows
    (smoothing estimated there as in the full fit): the second process fits it while the
    first fits all rows, so it cannot start from the full fit."""
    fold = fit_joint(
        [replace(t, codes=t.codes[train]) for t in mains],
        y[train],
        covariance=False,
        tol=CV_ETA_TOL,
    )
    return FoldRun(train, test, fold.eta, _held_out(mains, fold, test), [fold.converged], y[test])


def _refit(f: int, mains, full: FitResult, y, w_full, folds) -> FoldRun:
    """Fold ``f``'s main effects: from scratch for :data:`COLD_FOLD`, else warm."""
    if f == COLD_FOLD:
        return fold_mains_cold(mains, y, *folds[f])
    return fold_mains(mains, full, y, w_full, *folds[f])


def _held_out(mains, fold: FitResult, test) -> np.ndarray:
    return linear_predictor(mains, fold.theta, offsets(mains), test)


def _binomial_weight(full: FitResult) -> np.ndarray:
    p = sigmoid(full.eta)
    return p * (1 - p)


def cross_validate(
    mains,
    pairs,
    full: FitResult,
    y,
    folds,
    choose: Callable[[np.ndarray], int],
    job: ForkedJob | None = None,
) -> tuple[np.ndarray, np.ndarray, list[bool], int]:
    """Held-out deviance of every fold for 0..len(pairs) pairs, the number of pairs
    ``choose`` picks from them, the held-out linear predictor with that many, and the
    convergence of every refit.

    With ``job`` (:func:`start_folds`, already sent every pair by :func:`send_pair`) the
    child's folds are collected and fold 0 finished here; if the child fails, or without
    one, every fold is fitted here, one after the other. Returns ``(oof_eta, deviance,
    converged, k)``.
    """
    if job is not None:
        try:
            return _collect(job, mains, pairs, full, y, folds, choose)
        except (ChildFailed, OSError):
            pass  # the same work, done here
        finally:
            job.close()
    w_full = _binomial_weight(full)
    runs = []
    for f in range(len(folds)):
        run = _refit(f, mains, full, y, w_full, folds)
        for pair in pairs:
            run.add(pair, y)
        runs.append(run)
    dev = np.array([run.deviances for run in runs])
    k = choose(dev)
    oof = np.empty(len(y))
    for run in runs:
        oof[run.test] = run.held_out[k]
    return oof, dev, [c for run in runs for c in run.converged], k


def _collect(job: ForkedJob, mains, pairs, full: FitResult, y, folds, choose):
    """The parent's part once its pairs are fitted: fold 0 from where the child left it
    (not started: all of it), the other folds' deviances, then their column ``k``."""
    job.signal(END)
    first = job.receive()
    train, test = folds[0]
    if first["started"]:
        run = FoldRun.from_state(first, train, test, y)
    else:
        run = fold_mains(mains, full, y, _binomial_weight(full), train, test)
    for pair in pairs[len(run.deviances) - 1 :]:
        run.add(pair, y)
    rest = job.receive()
    dev = np.vstack([run.deviances, rest["deviances"].reshape(len(folds) - 1, -1)])
    k = choose(dev)
    job.signal(f"{COLUMN}{k}")
    columns = job.receive()
    oof = np.empty(len(y))
    oof[test] = run.held_out[k] if run.held_out[k] is not None else columns["fold_0"]
    for f, (_, test_f) in enumerate(folds[1:], start=1):
        oof[test_f] = columns[f"fold_{f}"]
    return oof, dev, run.converged + rest["converged"].astype(bool).tolist(), k


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


def send_full(job: ForkedJob | None, full: FitResult) -> None:
    """Send the full fit the warm folds start from (parameters, smoothing, Hessian, log-odds)."""
    if job is not None:
        job.send({"theta": full.theta, "lam": full.lam, "hessian": full.hessian, "eta": full.eta})


def _received_full(message: dict[str, np.ndarray]) -> FitResult:
    return FitResult(
        intercept=float(message["theta"][0]),
        coefs=[],
        theta=message["theta"],
        lam=message["lam"],
        eta=message["eta"],
        n_iter=0,
        converged=True,
        hessian=message["hessian"],
    )


def start_folds(infos, cells, mains, y, folds, workers: int):
    """Fork the child of the module docstring before the full fit; ``None`` when
    ``workers`` is 1 or it cannot start (the folds are then fitted by
    :func:`cross_validate` alone)."""

    def work(channel: Channel) -> None:
        runs = {COLD_FOLD: fold_mains_cold(mains, y, *folds[COLD_FOLD])}
        full = _received_full(channel.receive())  # the parent's, sent by send_full
        w_full = _binomial_weight(full)
        for f in range(1, len(folds)):
            if f != COLD_FOLD:
                runs[f] = fold_mains(mains, full, y, w_full, *folds[f])
        if not channel.signalled(END):  # fold 0 last: the parent takes it if it is free first
            runs[0] = fold_mains(mains, full, y, w_full, *folds[0])
        handed = 0 not in runs
        if handed:
            channel.send({"started": np.array(False)})
        while "signal" not in (message := channel.receive()):
            a, b = (int(v) for v in message["columns"])
            term, _ = pair_term(infos[a], cells[a], infos[b], cells[b])
            pair = {"term": term, "lam": message["lam"], "beta": message["beta"]}
            for f, run in sorted(runs.items()):
                if f == 0 and not handed and channel.signalled(END):
                    channel.send(run.state())  # the parent, free now, adds the rest
                    handed = True
                if f > 0 or not handed:
                    run.add(pair, y)
        if not handed:
            channel.send(runs[0].state())
        others = [runs[f] for f in range(1, len(folds))]
        channel.send(
            {
                "deviances": np.concatenate([run.deviances for run in others]),
                "converged": np.array([c for run in others for c in run.converged], dtype=bool),
            }
        )
        k = int(str(channel.receive()["signal"])[len(COLUMN) :])
        channel.send(
            {f"fold_{f}": run.held_out[k] for f, run in runs.items() if k < len(run.held_out)}
        )

    return ForkedJob.start(work, workers=workers)
