"""Errors raised by the simulators."""

from __future__ import annotations

from engine.exceptions import LeadLeverError

__all__ = ["SimulationError"]


class SimulationError(LeadLeverError, ValueError):
    """A simulation parameter is invalid."""
