"""What a chunked run keeps from chunk to chunk: the ids met so far, running totals.

Both are small whatever the number of leads: :class:`SeenIds` keeps 8 bytes a lead,
:class:`Tally` a few numbers, and a :class:`Tally` of each chunk can be computed where the
chunk is (a Dask worker) and added up where the run is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SeenIds", "Tally", "split_result"]


class SeenIds:
    """Ids met in earlier chunks, as sorted 64-bit hashes (8 bytes a lead), merged in
    levels so that checking N leads in C chunks costs O(N log C)."""

    def __init__(self) -> None:
        self._levels: list[np.ndarray] = []

    @staticmethod
    def hashes(ids: pd.Series) -> np.ndarray:
        return pd.util.hash_array(ids.astype("string").fillna("").to_numpy(dtype=object))

    def seen(self, h: np.ndarray) -> np.ndarray:
        out = np.zeros(h.size, dtype=bool)
        for level in self._levels:
            pos = np.minimum(np.searchsorted(level, h), level.size - 1)
            out |= level[pos] == h
        return out

    def add(self, h: np.ndarray) -> None:
        new = np.sort(h)
        while self._levels and self._levels[-1].size <= new.size:
            new = np.sort(np.concatenate([self._levels.pop(), new]), kind="stable")
        self._levels.append(new)


class Tally:
    """Running totals of chunks (rows, sums of some columns, counts of the values of
    others, rows with a value in others, the ``k`` rows with the largest value of a column,
    and whatever counts the chunk's function returned beside it, as ``{key: number}``),
    added up the same way whichever engine made the chunks."""

    def __init__(
        self,
        sums: tuple[str, ...] = (),
        counts: tuple[str, ...] = (),
        top: tuple[str, int, tuple[str, ...]] | None = None,
        present: tuple[str, ...] = (),
    ) -> None:
        self.sums, self.counts, self.top, self.presents = sums, counts, top, present
        self.totals: dict[str, float] = {"n": 0}
        self.top_rows: pd.DataFrame | None = None

    def _top_of(self, frame: pd.DataFrame) -> pd.DataFrame:
        column, k, keep = self.top  # type: ignore[misc]
        cols = [c for c in keep if c in frame.columns]
        return frame.nlargest(k, column, keep="first")[cols]

    def of(self, frame: pd.DataFrame, extra: Mapping[str, float] | None = None) -> dict[str, Any]:
        """The totals of one chunk (what a worker sends back), with the ``extra`` counts its
        function returned beside it (:func:`split_result`)."""
        out: dict[str, Any] = {"n": len(frame)}
        if self.top is not None:
            out["_top"] = self._top_of(frame)
        for c in self.sums:
            out[f"sum:{c}"] = float(frame[c].to_numpy(dtype=float).sum())
        for c in self.counts:
            for value, n in frame[c].astype(str).value_counts(sort=False).items():
                out[f"count:{c}:{value}"] = int(n)
        for c in self.presents:
            out[f"present:{c}"] = int(frame[c].notna().sum()) if c in frame.columns else 0
        out.update(extra or {})
        return out

    def add(self, part: dict[str, Any]) -> None:
        for k, v in part.items():
            if k == "_top":
                both = v if self.top_rows is None else pd.concat([self.top_rows, v])
                self.top_rows = self._top_of(both)
            else:
                self.totals[k] = self.totals.get(k, 0) + v

    def mean(self, column: str) -> float:
        n = self.totals["n"]
        return self.totals.get(f"sum:{column}", 0.0) / n if n else float("nan")

    def total(self, column: str) -> float:
        return self.totals.get(f"sum:{column}", 0.0)

    def present(self, column: str) -> int:
        """Rows with a value in ``column``."""
        return int(self.totals.get(f"present:{column}", 0))

    def value_counts(self, column: str) -> dict[str, int]:
        prefix = f"count:{column}:"
        return {k[len(prefix) :]: int(v) for k, v in self.totals.items() if k.startswith(prefix)}


def split_result(result: Any) -> tuple[pd.DataFrame, Mapping[str, float]]:
    """A chunk function's result: a frame, or a frame and counts to add to the tally."""
    return result if isinstance(result, tuple) else (result, {})
