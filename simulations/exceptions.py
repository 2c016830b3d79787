"""Errors raised by the simulators."""

from __future__ import annotations

from leadlever.engine.exceptions import LeadLeverError

__all__ = ["SimulationError", "DealError", "NoCrossingError", "IdenticalDealsError"]


class SimulationError(LeadLeverError, ValueError):
    """A simulation parameter is invalid."""


class DealError(SimulationError):
    """A deal, a deal pair or a deals file is invalid or degenerate."""


class NoCrossingError(DealError):
    """Two deals' profit lines are parallel: no break-even p* exists."""


class IdenticalDealsError(DealError):
    """Two deals have the same profit line: neither is ever better."""
