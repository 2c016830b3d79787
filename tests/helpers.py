"""Helpers shared by tests: repository paths and the ../shared/data guard."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

__all__ = ["REPO", "SHARED_DATA", "shared_data", "require_shared"]


def shared_data(*parts: str) -> Path:
    """Path inside ../shared/data (which may be absent on a user's clone)."""
    return SHARED_DATA.joinpath(*parts)


def require_shared(*parts: str) -> Path:
    """Return the path, or skip the test with a clear reason when it is absent."""
    path = shared_data(*parts)
    if not path.exists():
        pytest.skip(
            f"{path} not present: this real-data check needs ../shared/data beside the checkout "
            "(the same code path is tested on simulated data)"
        )
    return path
