r"""Probability calibration: Platt scaling and isotonic regression, chosen by CV.

Both map a raw linear predictor :math:`\eta` (log-odds of the base model) to a
calibrated probability.

Platt
    :math:`p = \sigma(a + b\,\eta)`, with :math:`a, b` fitted by maximum likelihood.
Isotonic
    the non-decreasing step function of :math:`\eta` minimising
    :math:`\sum_i (y_i - f(\eta_i))^2` (pool-adjacent-violators,
    :func:`scipy.optimize.isotonic_regression`), interpolated linearly between
    block centres and clipped to :math:`[\epsilon, 1-\epsilon]`.

Identity (``"none"``)
    :math:`p = \sigma(\eta)`, the base model's own probability.

:class:`Calibrator` with ``method="auto"`` picks the one of the three with the lowest
cross-validated log loss on the given (out-of-fold) predictor values (identity has
nothing to fit, so it wins whenever the base model is already calibrated).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from leadlever.engine.exceptions import ModelFileError, ParameterError
from leadlever.engine.stats._cv import stratified_kfold

__all__ = ["Calibrator", "fit_platt", "fit_isotonic", "sigmoid", "CALIBRATION_METHODS"]

CALIBRATION_METHODS = ("auto", "platt", "isotonic", "none")
_EPS = 1e-4


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def fit_platt(eta: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood :math:`(a, b)` of :math:`p = \\sigma(a + b\\eta)`."""
    from scipy.optimize import minimize  # only to fit: applying a calibration needs numpy

    eta = np.asarray(eta, dtype=float)
    y = np.asarray(y, dtype=float)

    def nll(w):
        z = w[0] + w[1] * eta
        return float(np.sum(np.logaddexp(0.0, z) - y * z))

    def grad(w):
        r = sigmoid(w[0] + w[1] * eta) - y
        return np.array([r.sum(), (r * eta).sum()])

    res = minimize(nll, np.array([0.0, 1.0]), jac=grad, method="BFGS")
    return float(res.x[0]), float(res.x[1])


def fit_isotonic(eta: np.ndarray, y: np.ndarray) -> tuple[list[float], list[float]]:
    """Isotonic map as knots ``(x, p)``: block-mean predictor values and fitted probabilities."""
    from scipy.optimize import isotonic_regression  # only to fit (see fit_platt)

    order = np.argsort(eta, kind="stable")
    xs = np.asarray(eta, dtype=float)[order]
    ys = np.asarray(y, dtype=float)[order]
    fitted = isotonic_regression(ys, increasing=True).x
    # one knot per constant block, at the block's mean predictor value
    change = np.flatnonzero(np.diff(fitted) != 0) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [len(xs)]])
    x_knots = np.array([xs[s:e].mean() for s, e in zip(starts, ends, strict=True)])
    p_knots = np.clip(fitted[starts], _EPS, 1 - _EPS)
    return x_knots.tolist(), p_knots.tolist()


def _apply(method: str, params: dict[str, Any], eta: np.ndarray) -> np.ndarray:
    if method == "platt":
        return sigmoid(params["a"] + params["b"] * eta)
    if method == "isotonic":
        return np.interp(eta, params["x"], params["p"])
    return sigmoid(eta)


def _fit(method: str, eta: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    if method == "platt":
        a, b = fit_platt(eta, y)
        return {"a": a, "b": b}
    if method == "isotonic":
        x, p = fit_isotonic(eta, y)
        return {"x": x, "p": p}
    return {}


def _log_loss(y: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


class Calibrator:
    """Map raw log-odds to calibrated probabilities.

    Parameters
    ----------
    method : {"auto", "platt", "isotonic", "none"}
    cv : int
        Folds used by ``"auto"`` to compare identity, Platt and isotonic.
    random_state : int
    """

    def __init__(self, *, method: str = "auto", cv: int = 5, random_state: int = 0) -> None:
        self.method = method
        self.cv = cv
        self.random_state = random_state

    def fit(self, eta: np.ndarray, y: np.ndarray) -> Calibrator:
        """Fit on predictor values ``eta`` (ideally out-of-fold) and outcomes ``y``."""
        if self.method not in CALIBRATION_METHODS:
            raise ParameterError(
                f"The 'method' parameter of Calibrator must be one of {CALIBRATION_METHODS}. "
                f"Got {self.method!r} instead."
            )
        eta = np.asarray(eta, dtype=float)
        y = np.asarray(y, dtype=float)
        self.cv_log_loss_: dict[str, float] = {}
        method = self.method
        if method == "auto":
            folds = stratified_kfold(y.astype(int), self.cv, seed=self.random_state)
            for cand in ("none", "platt", "isotonic"):
                pred = np.empty(len(y))
                for train, test in folds:
                    pred[test] = _apply(cand, _fit(cand, eta[train], y[train]), eta[test])
                self.cv_log_loss_[cand] = _log_loss(y, pred)
            method = min(self.cv_log_loss_, key=self.cv_log_loss_.get)
        self.method_ = method
        self.params_ = _fit(method, eta, y)
        return self

    def predict(self, eta: np.ndarray) -> np.ndarray:
        """Calibrated probabilities for predictor values ``eta``."""
        return _apply(self.method_, self.params_, np.asarray(eta, dtype=float))

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method_, "params": self.params_, "cv_log_loss": self.cv_log_loss_}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibrator:
        if data.get("method") not in ("platt", "isotonic", "none"):
            raise ModelFileError(
                f"Unknown calibration method {data.get('method')!r} in the model file."
            )
        obj = cls(method=data["method"])
        obj.method_ = data["method"]
        obj.params_ = data["params"]
        obj.cv_log_loss_ = data.get("cv_log_loss", {})
        return obj
