r"""Period-by-period closed-loop campaign runs on the simulated Valiant world.

Each week :math:`t` a policy sets the spend :math:`x_{tj}` per channel, the
world generates leads (:mod:`leadlever.simulations.campaign._env`), the evaluator scores
them (predicted expected value at arrival), the policy receives the value per
channel, and past weeks' values are revised as outcomes close.

Policies are scored on the **true expected profit** of their spend,

.. math:: \pi_t(x) = \sum_j n_j(x_{tj})\,(v_{tj} - c_0) - \sum_j x_{tj},

with the true Hill curve :math:`n_j`, the true mean value per lead
:math:`v_{tj}` (which moves at a quality shift) and the handling cost
:math:`c_0`. Cumulative regret against the oracle is
:math:`R_T = \sum_{t < T} (\pi_t(x^*_t) - \pi_t(x_t))`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from leadlever.optimisers.learning._bayes_curves import CurveDraw
from leadlever.optimisers.learning._learner import LearnerSettings
from leadlever.simulations.campaign._env import LeadPool, lead_pool, open_lead_probability
from leadlever.simulations.campaign._policies import (
    POLICY_NAMES,
    ArmThompsonPolicy,
    EpsilonGreedyPolicy,
    EqualPolicy,
    FitOncePolicy,
    HistoricalPolicy,
    LearnerPolicy,
    LimitedLearnerPolicy,
    OraclePolicy,
    Policy,
)
from leadlever.simulations.campaign._results import CampaignComparison, PolicySummary, mean_ci
from leadlever.simulations.exceptions import SimulationError
from leadlever.simulations.world._channels import ValiantWorld, default_world
from leadlever.simulations.world._timing import TIMING_LAW

__all__ = [
    "CampaignSetup",
    "PolicyRun",
    "PolicySummary",
    "CampaignComparison",
    "run_campaign",
    "compare_policies",
]


@dataclass(frozen=True)
class CampaignSetup:
    """What a closed-loop run looks like.

    Parameters
    ----------
    weeks : int
    budget : float, optional
        Weekly budget (a cap); defaults to the world's historical weekly spend.
    shift_week : int, optional
        Week at which ``shift_channel``'s quality moves by ``shift_delta`` log-odds.
    handling_cost : float
        :math:`c_0`, cost of handling one lead.
    warmup : int
        Randomised periods of the fit-once policy.
    learner : LearnerSettings
    pool_size : int
        Leads per channel in the environment's pool.
    okr_week, okr_threshold : int, float
        From ``okr_week`` on, a new OKR: leads whose value at arrival
        :math:`\\hat p \\hat c` is below ``okr_threshold`` (money) are not worked and
        count 0, in the evaluator's feedback and in the truth.
    predictor : {"logit", "noisy_truth"}
        The evaluator's conversion model (see :func:`leadlever.simulations.campaign._env.lead_pool`).
    recalibration_decay, recalibration_prior : float
        :math:`\\gamma` and :math:`\\alpha` of the evaluator's per-channel
        recalibration from early conversions (see ``_recalibration``).
    """

    weeks: int = 52
    budget: float | None = None
    shift_week: int | None = None
    shift_channel: str = "social"
    shift_delta: float = 1.2
    handling_cost: float = 0.0
    warmup: int = 8
    learner: LearnerSettings = field(default_factory=LearnerSettings)
    pool_size: int = 3000
    recalibration_decay: float = 0.85
    predictor: str = "logit"
    okr_week: int | None = None
    okr_threshold: float = 0.0
    recalibration_prior: float = 3.0

    def __post_init__(self) -> None:
        if isinstance(self.weeks, bool) or int(self.weeks) != self.weeks or self.weeks < 2:
            raise SimulationError(
                f"The 'weeks' parameter of CampaignSetup must be an int >= 2. Got {self.weeks!r} instead."
            )
        if self.budget is not None and not self.budget > 0:
            raise SimulationError(
                f"The 'budget' parameter of CampaignSetup must be > 0. Got {self.budget!r} instead."
            )
        if self.okr_week is not None and not 0 < self.okr_week < self.weeks:
            raise SimulationError(
                f"The 'okr_week' parameter must be between 1 and weeks - 1 ({self.weeks - 1}). "
                f"Got {self.okr_week!r} instead."
            )
        if self.shift_week is not None and not 0 < self.shift_week < self.weeks:
            raise SimulationError(
                f"The 'shift_week' parameter must be between 1 and weeks - 1 ({self.weeks - 1}). "
                f"Got {self.shift_week!r} instead."
            )


@dataclass(frozen=True)
class PolicyRun:
    """One policy's run: spend per week and channel, true expected profit per week."""

    name: str
    spend: np.ndarray
    profit: np.ndarray


class _Regimes:
    """The world before and after the shift and the OKR change, with pools and true curves."""

    def __init__(self, world: ValiantWorld, setup: CampaignSetup) -> None:
        self.setup = setup
        self.worlds = [world]
        if setup.shift_week is not None:
            if setup.shift_channel not in world.channel_names:
                raise SimulationError(
                    f"Unknown shift channel {setup.shift_channel!r}; choose one of {world.channel_names}."
                )
            self.worlds.append(world.with_quality_shift(setup.shift_channel, setup.shift_delta))
        self.pools: list[LeadPool] = [
            lead_pool(w, pool_size=setup.pool_size, predictor=setup.predictor) for w in self.worlds
        ]
        self._curves: dict[tuple[int, float], list[CurveDraw]] = {}

    def index(self, week: int) -> int:
        s = self.setup.shift_week
        return 1 if s is not None and week >= s else 0

    def threshold(self, week: int) -> float:
        """OKR threshold on a lead's value at arrival in force at ``week`` (0 = none)."""
        s = self.setup.okr_week
        return float(self.setup.okr_threshold) if s is not None and week >= s else 0.0

    def curves_at(self, week: int) -> list[CurveDraw]:
        key = (self.index(week), self.threshold(week))
        if key not in self._curves:
            w, pool = self.worlds[key[0]], self.pools[key[0]]
            curves = []
            for j, c in enumerate(w.channels):
                worked = pool.predicted[j] * pool.commission_est[j] >= key[1]
                v = float(np.mean(pool.true_ev[j] * worked)) - self.setup.handling_cost
                curves.append(CurveDraw(c.scale * v, c.half_saturation, c.shape))
            self._curves[key] = curves
        return self._curves[key]

    def true_profit(self, week: int, spend: np.ndarray) -> float:
        return float(
            sum(c.value(spend[j]) for j, c in enumerate(self.curves_at(week))) - spend.sum()
        )


def _make_policy(
    name: str,
    world: ValiantWorld,
    budget: float,
    seed: int,
    setup: CampaignSetup,
    regimes: _Regimes,
) -> Policy:
    chans = world.channel_names
    if name == "learner":
        return LearnerPolicy(channels=chans, budget=budget, seed=seed, settings=setup.learner)
    if name == "learner_limited":
        return LimitedLearnerPolicy(
            channels=chans, budget=budget, seed=seed, settings=setup.learner
        )
    if name == "equal":
        return EqualPolicy(channels=chans, budget=budget, seed=seed)
    if name == "historical":
        return HistoricalPolicy(
            channels=chans, budget=budget, historical=world.current_spend, seed=seed
        )
    if name == "epsilon_greedy":
        return EpsilonGreedyPolicy(channels=chans, budget=budget, seed=seed)
    if name == "arm_thompson":
        return ArmThompsonPolicy(channels=chans, budget=budget, seed=seed)
    if name == "fit_once":
        return FitOncePolicy(channels=chans, budget=budget, seed=seed, warmup=setup.warmup)
    if name == "oracle":
        return OraclePolicy(channels=chans, budget=budget, curves_at=regimes.curves_at, seed=seed)
    raise SimulationError(f"Unknown policy {name!r}; choose from {', '.join(POLICY_NAMES)}.")


def _run_one(
    policy: Policy, world: ValiantWorld, regimes: _Regimes, setup: CampaignSetup, seed: int
) -> PolicyRun:
    rng = np.random.default_rng([seed, 11])  # the same world stream for every policy
    k = len(world.channels)
    c0 = setup.handling_cost
    weeks = int(setup.weeks)
    spend_log = np.zeros((weeks, k))
    profit = np.zeros(weeks)
    per, chan, p_hat, c_hat, real, close, worked = ([] for _ in range(7))
    for t in range(weeks):
        pool = regimes.pools[regimes.index(t)]
        x = np.maximum(np.asarray(policy.propose(t), float), 0.0)
        spend_log[t] = x
        profit[t] = regimes.true_profit(t, x)
        counts = rng.poisson(world.expected_leads(x))
        tau = regimes.threshold(t)
        for j in range(k):
            idx = rng.integers(0, pool.predicted[j].shape[0], counts[j])
            per.append(np.full(counts[j], t))
            chan.append(np.full(counts[j], j))
            p_hat.append(pool.predicted[j][idx])
            c_hat.append(pool.commission_est[j][idx])
            real.append(pool.realised[j][idx])
            close.append(pool.close_day[j][idx])
            worked.append(pool.predicted[j][idx] * pool.commission_est[j][idx] >= tau)
        a_per, a_chan = np.concatenate(per), np.concatenate(chan)
        a_p, a_c = np.concatenate(p_hat), np.concatenate(c_hat)
        age = (t - a_per) * 7.0 + 3.5
        closed = np.concatenate(close) <= age
        a_real = np.concatenate(real)
        rho = _recalibration(a_p, a_chan, a_per, age, closed & (a_real > 0), t, k, setup)
        p_cal = np.minimum(a_p * rho[a_chan], 0.999)
        lead_value = (
            np.where(closed, a_real, a_c * open_lead_probability(p_cal, age))
            * np.concatenate(worked)
            - c0
        )
        agg = np.bincount(a_per * k + a_chan, weights=lead_value, minlength=(t + 1) * k).reshape(
            t + 1, k
        )
        policy.observe(t, x, agg[t])
        for u in range(t):
            policy.revise(u, agg[u])
    return PolicyRun(policy.name, spend_log, profit)


def _recalibration(
    p_hat: np.ndarray,
    chan: np.ndarray,
    period: np.ndarray,
    age: np.ndarray,
    converted: np.ndarray,
    t: int,
    k: int,
    setup: CampaignSetup,
) -> np.ndarray:
    r"""Per-channel calibration factor of the predictor from early conversions.

    .. math:: \rho_j = \frac{\sum_i \omega_i [\text{converted}_i] + \alpha}
                            {\sum_i \omega_i \hat p_i F_c(s_i) + \alpha},
              \qquad \omega_i = \gamma^{t - t_i},

    over channel :math:`j`'s leads, with :math:`F_c(s) = 1 - e^{-(s/60)^{1.3}}` (the
    world's timing law at its base scale, :data:`leadlever.simulations.world.TIMING_LAW`)
    the evaluator's probability of a placement by age :math:`s` and a prior of
    :math:`\alpha` conversions (shrinks :math:`\rho` to 1).
    """
    omega = setup.recalibration_decay ** (t - period)
    expected = omega * p_hat * TIMING_LAW.cdf(age)
    obs = np.bincount(chan, weights=omega * converted, minlength=k)
    exp_ = np.bincount(chan, weights=expected, minlength=k)
    a = setup.recalibration_prior
    return (obs + a) / (exp_ + a)


def run_campaign(
    policies: Sequence[str] = POLICY_NAMES,
    *,
    seed: int = 0,
    setup: CampaignSetup | None = None,
    world: ValiantWorld | None = None,
) -> dict[str, PolicyRun]:
    """Run every policy for ``setup.weeks`` weeks with the same seed."""
    setup = setup or CampaignSetup()
    world = world or default_world()
    budget = float(setup.budget if setup.budget is not None else world.current_spend.sum())
    regimes = _Regimes(world, setup)
    out = {}
    for name in policies:
        policy = _make_policy(name, world, budget, seed, setup, regimes)
        out[name] = _run_one(policy, world, regimes, setup, seed)
    return out


def compare_policies(
    policies: Sequence[str] = POLICY_NAMES,
    *,
    seeds: int | Sequence[int] = 20,
    setup: CampaignSetup | None = None,
    world: ValiantWorld | None = None,
    on_seed: Callable[[int], None] | None = None,
) -> CampaignComparison:
    """Run all ``policies`` on every seed and summarise (the oracle is always run).

    Profit intervals are 95% t-intervals of the mean total profit over seeds;
    ``regret`` is the mean cumulative regret at the last week;
    ``pct_of_oracle`` is 100 x mean total profit / the oracle's, and
    ``pct_of_oracle_last_quarter`` the same over the last quarter of the weeks.
    """
    setup = setup or CampaignSetup()
    world = world or default_world()
    names = list(dict.fromkeys(policies))
    if not names:
        raise SimulationError(
            f"No policy given (--policies names none); choose from {', '.join(POLICY_NAMES)}."
        )
    for n in names:
        if n not in POLICY_NAMES:
            raise SimulationError(f"Unknown policy {n!r}; choose from {', '.join(POLICY_NAMES)}.")
    if "oracle" not in names:
        names.append("oracle")
    seed_list = (
        list(range(seeds)) if isinstance(seeds, int | np.integer) else [int(s) for s in seeds]
    )
    if not seed_list:
        raise SimulationError("compare_policies needs at least one seed.")
    weeks = int(setup.weeks)
    profit = np.zeros((len(names), len(seed_list), weeks))
    spend = np.zeros((len(names), len(seed_list), weeks, len(world.channels)))
    for s_i, seed in enumerate(seed_list):
        runs = run_campaign(names, seed=seed, setup=setup, world=world)
        for p_i, n in enumerate(names):
            profit[p_i, s_i] = runs[n].profit
            spend[p_i, s_i] = runs[n].spend
        if on_seed is not None:
            on_seed(seed)
    o = names.index("oracle")
    tail = slice(weeks - max(1, weeks // 4), weeks)
    oracle_total = profit[o].sum(axis=1).mean()
    oracle_tail = profit[o][:, tail].sum(axis=1).mean()
    summaries = []
    for p_i, n in enumerate(names):
        total = profit[p_i].sum(axis=1)
        m, ci = mean_ci(total)
        summaries.append(
            PolicySummary(
                name=n,
                profit_mean=m,
                profit_ci=ci,
                regret=float((profit[o] - profit[p_i]).sum(axis=1).mean()),
                pct_of_oracle=100.0 * m / oracle_total,
                pct_of_oracle_last_quarter=100.0
                * profit[p_i][:, tail].sum(axis=1).mean()
                / oracle_tail,
            )
        )
    return CampaignComparison(
        weeks=weeks,
        seeds=tuple(seed_list),
        shift_week=setup.shift_week,
        shift_channel=setup.shift_channel,
        names=tuple(names),
        channels=tuple(world.channel_names),
        policies=tuple(summaries),
        profit=profit,
        spend=spend,
    )
