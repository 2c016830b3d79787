"""Categorical cells as text: the one normalisation every categorical column goes through
(stripped, blanks and missing read as ``missing``) and the rows per level."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["level_counts"]


def _to_text(series: pd.Series) -> pd.Series:
    """Every cell as stripped text; blanks and missing cells read as ``missing``."""
    text = series.astype("string").str.strip()
    return text.mask(text == "").fillna("missing").astype(object)


def level_counts(series: pd.Series) -> pd.Series:
    """Rows per level of a categorical column, most first, ties in order of first
    appearance (what ``_to_text(series).value_counts()`` gives from pandas 3 on), with the
    text work done once per distinct value instead of once per row when the values are
    text (numbers of mixed types, which :func:`pandas.factorize` would merge, 3 and 3.0,
    take the row path)."""
    if pd.api.types.infer_dtype(series, skipna=True) not in ("string", "empty"):
        return _to_text(series).value_counts(sort=False).sort_values(ascending=False, kind="stable")
    codes, uniques = pd.factorize(series, use_na_sentinel=False)  # missing: a value too
    text = _to_text(pd.Series(np.asarray(uniques, dtype=object)))
    merged, levels = pd.factorize(text)  # values that differ only in spaces, or blanks
    counts = np.bincount(merged[codes], minlength=len(levels)).astype(np.int64)
    by_level = pd.Series(counts, index=pd.Index(np.asarray(levels, dtype=object)))
    return by_level.sort_values(ascending=False, kind="stable")
