"""The simulated Valiant world: channels with ground-truth response curves.

Valiant Recruiters (the case study) buys ads on several online channels; each
channel turns weekly spend into leads through a saturating response curve and
brings its own mix of lead quality. :class:`ValiantWorld` holds that ground
truth; :mod:`leadlever.simulations.world._leads` draws leads from it and
:mod:`leadlever.simulations.world._history` draws the weekly channel history.

Response curve (Hill), leads per week at spend :math:`x`:

.. math:: n(x) = s \\frac{x^k}{K^k + x^k}

with scale :math:`s` (leads at saturation), half-saturation spend :math:`K`
and shape :math:`k` (S-shaped when :math:`k > 1`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from leadlever.optimisers.curves._family import hill_basis
from leadlever.simulations.world._channel_world import Seasonality, SpendPattern

__all__ = [
    "Channel",
    "ValiantWorld",
    "ROLES",
    "EDUCATION",
    "CITIES",
    "INDUSTRIES",
    "SERVED_COUNTRIES",
    "default_world",
]

ROLES = (
    "data_scientist",
    "data_engineer",
    "bi_engineer",
    "software_engineer",
    "analyst",
    "product_manager",
)
#: log-odds effect of the role on eventual conversion (ground truth)
ROLE_EFFECT = np.array([0.35, 0.25, 0.10, 0.0, -0.15, -0.45])
#: median current salary (EUR / year) per role
ROLE_SALARY = np.array([62000.0, 64000.0, 52000.0, 60000.0, 45000.0, 70000.0])
#: strategic-fit log-odds effect per role (the agency places data roles)
ROLE_FIT = np.array([1.2, 1.0, 0.4, -0.3, -0.2, -1.0])

EDUCATION = ("bachelor", "master", "phd", "bootcamp", "other")
EDUCATION_PROBS = np.array([0.35, 0.38, 0.10, 0.12, 0.05])
EDUCATION_EFFECT = np.array([0.0, 0.15, 0.25, -0.25, -0.3])

CITIES = (
    ("London", "UK", 1.15),
    ("Manchester", "UK", 0.95),
    ("Berlin", "DE", 1.0),
    ("Munich", "DE", 1.1),
    ("Paris", "FR", 1.05),
    ("Warsaw", "PL", 0.7),
    ("Lisbon", "PT", 0.65),
    ("Amsterdam", "NL", 1.05),
    ("New York", "US", 1.5),
    ("Bangalore", "IN", 0.35),
)
CITY_PROBS = np.array([0.16, 0.08, 0.14, 0.09, 0.12, 0.12, 0.08, 0.09, 0.06, 0.06])
#: countries the agency serves; leads elsewhere rarely convert (negative criterion)
SERVED_COUNTRIES = ("UK", "DE", "FR", "PL", "PT", "NL")

INDUSTRIES = ("tech", "finance", "retail", "health", "public", "consulting")
INDUSTRY_PROBS = np.array([0.34, 0.2, 0.12, 0.1, 0.09, 0.15])


@dataclass(frozen=True)
class Channel:
    """Ground truth of one ad channel.

    Parameters
    ----------
    name : str
    scale : float
        Leads per week at saturation (:math:`s`).
    half_saturation : float
        Weekly spend giving half the saturated leads (:math:`K`).
    shape : float
        Hill shape :math:`k`; above 1 the curve is S-shaped.
    quality : float
        Log-odds shift of its leads' conversion probability.
    role_mix : tuple of float
        Probabilities of each role in :data:`ROLES`.
    current_spend : float
        Weekly spend of the agency's historical plan.
    campaigns : tuple of str
        Campaign names running on this channel.
    carryover : float
        Adstock rate: the share of a week's effect carried into the next week.
    """

    name: str
    scale: float
    half_saturation: float
    shape: float
    quality: float
    role_mix: tuple[float, ...]
    current_spend: float
    campaigns: tuple[str, ...]
    carryover: float = 0.0

    def expected_leads(self, spend: np.ndarray | float) -> np.ndarray:
        """Expected leads per week at steady weekly ``spend`` (Hill curve, average season)."""
        return self.scale * hill_basis(spend, self.half_saturation, self.shape)


def _channels() -> tuple[Channel, ...]:
    return (
        Channel(
            "professional_network",
            110.0,
            6000.0,
            1.0,
            0.35,
            (0.30, 0.22, 0.12, 0.14, 0.12, 0.10),
            5000.0,
            ("pn-data-talent", "pn-leaders"),
            0.3,
        ),
        Channel(
            "job_board_a",
            90.0,
            3000.0,
            1.0,
            0.0,
            (0.18, 0.16, 0.18, 0.22, 0.20, 0.06),
            3000.0,
            ("jba-sponsored", "jba-banner"),
            0.15,
        ),
        Channel(
            "job_board_b",
            70.0,
            4000.0,
            2.2,
            -0.15,
            (0.14, 0.14, 0.22, 0.18, 0.26, 0.06),
            2000.0,
            ("jbb-sponsored", "jbb-newsletter"),
            0.2,
        ),
        Channel(
            "search_ads",
            80.0,
            5000.0,
            1.6,
            -0.05,
            (0.22, 0.18, 0.14, 0.20, 0.16, 0.10),
            3000.0,
            ("search-brand", "search-generic"),
            0.05,
        ),
        Channel(
            "social",
            150.0,
            8000.0,
            2.5,
            -0.55,
            (0.12, 0.10, 0.14, 0.24, 0.24, 0.16),
            4000.0,
            ("social-video", "social-carousel"),
            0.4,
        ),
        Channel(
            "referral",
            25.0,
            800.0,
            0.9,
            0.8,
            (0.34, 0.26, 0.10, 0.14, 0.08, 0.08),
            600.0,
            ("referral-bonus",),
            0.5,
        ),
    )


@dataclass(frozen=True)
class ValiantWorld:
    """Ground truth of the simulated recruiting agency.

    Parameters
    ----------
    channels : tuple of Channel
    observation_date : str
        The day the data is "exported"; leads younger than their outcome stay open.
    history_days : int
        Leads' creation dates spread over this many days before the observation date.
    commission_rate : float
        Commission as a share of the starting salary (the case: 20%).
    intercept : float
        Baseline log-odds of eventual conversion.
    seasonality : Seasonality
        Shared time effect on the channels' lead volume (recruiting peaks in January).
    spend_pattern : SpendPattern
        How the agency's weekly spend varied around its plan in the history.
    spend_wander : float
        Log-normal spread of that variation.
    """

    channels: tuple[Channel, ...] = field(default_factory=_channels)
    observation_date: str = "2026-11-16"
    history_days: int = 540
    commission_rate: float = 0.20
    intercept: float = -1.15
    seasonality: Seasonality = field(
        default_factory=lambda: Seasonality(amplitude=0.12, peak_week=2.0, trend=0.05)
    )
    spend_pattern: SpendPattern = field(
        default_factory=lambda: SpendPattern(
            persistence=0.0, push_rate=0.08, pause_rate=0.03, lognormal=True
        )
    )
    spend_wander: float = 0.45

    @property
    def channel_names(self) -> list[str]:
        return [c.name for c in self.channels]

    @property
    def current_spend(self) -> np.ndarray:
        return np.array([c.current_spend for c in self.channels])

    def expected_leads(self, spend: np.ndarray) -> np.ndarray:
        """Expected weekly leads per channel for a spend vector."""
        spend = np.asarray(spend, dtype=float)
        return np.array([c.expected_leads(s) for c, s in zip(self.channels, spend, strict=True)])

    def with_quality_shift(self, channel: str, delta: float) -> ValiantWorld:
        """A copy of the world whose ``channel`` has its quality moved by ``delta`` log-odds."""
        names = self.channel_names
        if channel not in names:
            raise KeyError(channel)
        chans = tuple(
            replace(c, quality=c.quality + delta) if c.name == channel else c for c in self.channels
        )
        return replace(self, channels=chans)


def default_world() -> ValiantWorld:
    """The standard Valiant world used by the demo, tests and benchmarks."""
    return ValiantWorld()
