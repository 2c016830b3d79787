"""The qualification-profile columns answered for each posted lead (shared by the library
path in :mod:`._pipeline` and the compiled path in :mod:`._fast_eval`)."""

from __future__ import annotations

__all__ = ["PROFILE_OUT"]

#: profile columns answered per lead (besides p_convert, score, tier)
PROFILE_OUT = (
    "p_convert_30d",
    "p_convert_180d",
    "expected_effort_hours",
    "expected_commission",
    "p_fit",
    "expected_resale_value",
    "grade_conversion",
    "grade_timing",
    "grade_delivery",
    "grade_profit",
    "grade_fit",
)
