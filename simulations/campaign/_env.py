r"""The simulated campaign environment: the world's weekly leads and the evaluator's view of them.

Speed: instead of drawing a full lead table every week for every policy and
seed, the environment draws, once per world (and pool seed), a *pool* of
``pool_size`` leads per channel with :func:`leadlever.simulations.world._leads.sample_leads`
(same ground truth), scores them once with the evaluator's predictor, and each
week draws the channel's lead count :math:`N_j \sim \text{Poisson}(n_j(x_j))`
from its true Hill curve and :math:`N_j` leads from its pool with replacement.
Every quantity the policies see comes from those leads; the ground truth
(the pool's mean true expected value per lead) is used only to score policies.

The evaluator (what a real campaign tool would see):

- **at arrival** a lead is worth :math:`\hat v_i = \hat p_i \hat c_i - c_0`: the
  predicted conversion probability :math:`\hat p_i` of a statsmodels logit fitted
  once on simulated closed history (deliberately misspecified: the true
  log-odds are non-linear), the estimated commission
  :math:`\hat c_i = 0.2 \times` expected salary, and a handling cost :math:`c_0`;
- **later** it is corrected with its outcome: a closed lead is worth its
  realised commission (0 if lost) minus :math:`c_0`; a lead still open at age
  :math:`s` days is worth :math:`\hat c_i \tilde p_i(s) - c_0` with
  :math:`\tilde p_i(s) = \hat p_i S_c(s) / (\hat p_i S_c(s) + (1 - \hat p_i) S_l(s))`,
  Bayes' rule given that it has not closed yet, with the population time to
  placement :math:`S_c(s) = e^{-(s/60)^{1.3}}` (the world's timing law at its base scale,
  :data:`leadlever.simulations.world.TIMING_LAW`) and time to loss uniform on
  20..330 days (the evaluator's timing model; covariate effects on timing are
  ignored, a small approximation).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from leadlever.simulations.world._channels import ROLES, ValiantWorld, default_world
from leadlever.simulations.world._leads import MAX_DAYS_TO_CLOSE, sample_leads, simulate_leads
from leadlever.simulations.world._timing import TIMING_LAW

__all__ = [
    "LeadPool",
    "ConversionPredictor",
    "PREDICTORS",
    "fit_predictor",
    "lead_pool",
    "open_lead_probability",
]

_FEATURES = (
    "skills_match",
    "years_experience",
    "log_visits",
    "log_downloads",
    "log_clicks",
    "days_since_last_activity",
    "served",
)


def _design(leads: pd.DataFrame, channels: list[str]) -> np.ndarray:
    served = leads["country"].astype(str).isin(["UK", "DE", "FR", "PL", "PT", "NL"]).to_numpy(float)
    cols = [
        leads["skills_match"].to_numpy(float),
        np.minimum(leads["years_experience"].to_numpy(float), 15.0),
        np.log1p(leads["site_visits"].to_numpy(float)),
        np.log1p(leads["downloads"].to_numpy(float)),
        np.log1p(leads["email_clicks"].to_numpy(float)),
        leads["days_since_last_activity"].to_numpy(float) / 30.0,
        served,
    ]
    role = leads["role_category"].astype(str).to_numpy()
    cols += [(role == r).astype(float) for r in ROLES[1:]]
    chan = leads["channel"].astype(str).to_numpy()
    cols += [(chan == c).astype(float) for c in channels[1:]]
    return np.column_stack([np.ones(len(leads))] + cols)


@dataclass(frozen=True)
class ConversionPredictor:
    """A logistic regression of conversion on lead features and channel dummies."""

    params: np.ndarray
    channels: tuple[str, ...]

    def predict(self, leads: pd.DataFrame) -> np.ndarray:
        z = _design(leads, list(self.channels)) @ self.params
        return 1.0 / (1.0 + np.exp(-z))


@lru_cache(maxsize=4)
def fit_predictor(seed: int = 2026, n: int = 12_000) -> ConversionPredictor:
    """Fit the evaluator's logit once on simulated closed, fully matured history.

    Only leads older than the longest time to close are used, so the sample
    is not biased towards early converters.
    """
    import statsmodels.api as sm  # imported here: it is slow to import

    world = default_world()
    leads = simulate_leads(n, seed=seed, world=world, history_days=MAX_DAYS_TO_CLOSE + 400)
    age = np.datetime64(world.observation_date, "D") - leads["created_at"].to_numpy().astype(
        "datetime64[D]"
    )
    matured = leads[age.astype(int) > MAX_DAYS_TO_CLOSE]
    y = matured["converted"].astype(float).to_numpy()
    x = _design(matured, world.channel_names)
    fit = sm.Logit(y, x).fit(disp=0, maxiter=100)
    return ConversionPredictor(np.asarray(fit.params, float), tuple(world.channel_names))


@dataclass(frozen=True)
class LeadPool:
    """Per-channel pools of scored leads (arrays indexed [channel][lead]).

    Attributes
    ----------
    predicted : list of ndarray
        :math:`\\hat p_i` from the evaluator's predictor.
    commission_est : list of ndarray
        :math:`\\hat c_i`, the estimated commission.
    realised : list of ndarray
        Commission actually earned (0 if the lead is lost).
    close_day : list of ndarray
        Days from arrival to the lead's close (placement or loss).
    true_value : ndarray (K,)
        Ground truth: mean true expected commission per lead of each channel.
    true_ev : list of ndarray
        Ground truth per lead: true p x commission.
    """

    predicted: list[np.ndarray]
    commission_est: list[np.ndarray]
    realised: list[np.ndarray]
    close_day: list[np.ndarray]
    true_value: np.ndarray
    true_ev: list[np.ndarray]


def _world_key(world: ValiantWorld) -> tuple:
    return tuple((c.name, c.quality) for c in world.channels)


_POOLS: dict[tuple, LeadPool] = {}


PREDICTORS = ("logit", "noisy_truth")


def lead_pool(
    world: ValiantWorld, *, pool_size: int = 3000, seed: int = 99, predictor: str = "logit"
) -> LeadPool:
    """The world's scored lead pool (cached per world quality, seed and predictor).

    ``predictor="logit"`` scores with :func:`fit_predictor` (fitted before any
    shift); ``"noisy_truth"`` uses the true probability with noise,
    :math:`\\hat p = \\sigma(\\text{logit}(p) + N(0, 0.5^2))`, an evaluator that
    sees a quality shift at arrival (to separate the learner's adaptation
    from the evaluator's delay).
    """
    if predictor not in PREDICTORS:
        from leadlever.simulations.exceptions import SimulationError

        raise SimulationError(f"Unknown predictor {predictor!r}; choose from {PREDICTORS}.")
    key = (_world_key(world), pool_size, seed, predictor)
    if key in _POOLS:
        return _POOLS[key]
    rng = np.random.default_rng(seed)
    k = len(world.channels)
    idx = np.repeat(np.arange(k), pool_size)
    leads = sample_leads(world, idx, np.full(idx.shape, 10_000), rng)
    if predictor == "logit":
        p_hat = fit_predictor().predict(leads)
    else:
        p_true = np.clip(leads["true_p_convert"].to_numpy(float), 1e-6, 1 - 1e-6)
        z = np.log(p_true / (1 - p_true)) + rng.normal(0.0, 0.5, p_true.size)
        p_hat = 1.0 / (1.0 + np.exp(-z))
    c_hat = world.commission_rate * leads["expected_salary"].to_numpy(float)
    realised = (
        leads["true_will_convert"].to_numpy(float)
        * world.commission_rate
        * leads["true_salary"].to_numpy(float)
    )
    close = leads["days_to_convert"].to_numpy(float)
    true_ev = (
        leads["true_p_convert"].to_numpy(float)
        * world.commission_rate
        * leads["true_salary"].to_numpy(float)
    )
    split = [slice(j * pool_size, (j + 1) * pool_size) for j in range(k)]
    pool = LeadPool(
        predicted=[p_hat[s] for s in split],
        commission_est=[c_hat[s] for s in split],
        realised=[realised[s] for s in split],
        close_day=[close[s] for s in split],
        true_value=np.array([true_ev[s].mean() for s in split]),
        true_ev=[true_ev[s] for s in split],
    )
    _POOLS[key] = pool
    return pool


def open_lead_probability(p_hat: np.ndarray, age_days: np.ndarray) -> np.ndarray:
    """:math:`\\tilde p(s)`: conversion probability of a lead still open at age ``s`` days."""
    s = np.asarray(age_days, float)
    s_conv = TIMING_LAW.survival(s)
    s_lost = np.clip(
        (MAX_DAYS_TO_CLOSE - np.maximum(s, 20.0)) / (MAX_DAYS_TO_CLOSE - 20.0), 0.0, 1.0
    )
    num = p_hat * s_conv
    den = num + (1.0 - p_hat) * s_lost
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)
