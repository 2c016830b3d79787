r"""Manual point scoring from a TOML rules file (the seeds' classic lead scoring).

Each criterion is a condition on one column and a number of points (negative
points for negative criteria). Behaviour points decay with the days since the
lead's last activity :math:`d`:

.. math::
    S_i = \sum_{c \in demo} \pi_c [cond_c(i)]
          + 2^{-d_i / h} \sum_{c \in behav} \pi_c [cond_c(i)],

with half-life :math:`h` days; lead :math:`i` is *hot* when :math:`S_i \ge` the
hot threshold. Operators: ``==``, ``!=``, ``>``, ``>=``, ``<``, ``<=``, ``in``,
``not_in``, ``between`` (inclusive ``[low, high]``). Missing values satisfy no
condition (``not_in`` included). See ``simulations/examples/data/example_rules.toml``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import ParameterError
from leadlever.engine.io._numbers import check_number
from leadlever.engine.io._schema import closest_names, require_columns
from leadlever.engine.io._tables import read_toml

__all__ = [
    "Criterion",
    "RuleSet",
    "load_rules",
    "parse_rules",
    "apply_rules",
    "OPERATORS",
]

OPERATORS = ("==", "!=", ">", ">=", "<", "<=", "in", "not_in", "between")


@dataclass(frozen=True)
class Criterion:
    """One scoring condition."""

    name: str
    column: str
    op: str
    value: Any
    points: float
    kind: str = "demographic"

    def mask(self, series: pd.Series) -> np.ndarray:
        """Rows meeting the condition (missing values never do)."""
        present = series.notna().to_numpy()
        if self.op in ("in", "not_in"):
            text = series.astype("string").str.strip()
            hit = text.isin([str(v) for v in self.value]).fillna(False).to_numpy(dtype=bool)
            return (hit if self.op == "in" else ~hit) & present
        if isinstance(self.value, str) and self.op in ("==", "!="):
            text = series.astype("string").str.strip()
            hit = (text == self.value).fillna(False).to_numpy(dtype=bool)
            return (hit if self.op == "==" else ~hit) & present
        x = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):  # comparisons with NaN (missing) are False
            if self.op == "between":
                lo, hi = self.value
                out = (x >= lo) & (x <= hi)
            else:
                v = float(self.value)
                out = {
                    "==": x == v,
                    "!=": x != v,
                    ">": x > v,
                    ">=": x >= v,
                    "<": x < v,
                    "<=": x <= v,
                }[self.op]
        return out & ~np.isnan(x)


@dataclass(frozen=True)
class RuleSet:
    """Criteria plus the hot threshold and behaviour decay."""

    criteria: tuple[Criterion, ...]
    hot_threshold: float = 100.0
    decay_column: str | None = None
    half_life_days: float | None = None
    source: str = "the rules"
    columns: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "hot_threshold": self.hot_threshold,
            "decay_column": self.decay_column,
            "half_life_days": self.half_life_days,
            "criteria": [c.__dict__ for c in self.criteria],
        }


_EXAMPLE = "`leadlever examples DIR` writes an example rules.toml."


def _bad(source: str, where: str, problem: str) -> ParameterError:
    return ParameterError(f"Rules file '{source}', {where}: {problem}. {_EXAMPLE}")


def _number(source: str, where: str, key: str, value: Any, **limits: Any) -> float:
    """A finite number of realistic size (:func:`check_number`), named in the message."""
    return check_number(value, f"Rules file '{source}', {where}, '{key}'", fix=_EXAMPLE, **limits)


#: keys a rules file may use, per table
SCORING_KEYS = ("hot_threshold", "decay_column", "half_life_days")
CRITERION_KEYS = ("name", "column", "op", "value", "points", "kind")


def _check_keys(source: str, where: str, table: Any, known: tuple[str, ...]) -> None:
    """Reject unknown keys (typos) naming the closest known key."""
    if not isinstance(table, dict):
        raise _bad(source, where, "expected a TOML table")
    for key in table:
        if key not in known:
            close = closest_names(str(key), list(known))
            hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(known)}"
            raise _bad(source, where, f"unknown key '{key}' ({hint})")


def parse_rules(data: dict[str, Any], source: str = "rules") -> RuleSet:
    """Validate a parsed TOML document into a :class:`RuleSet`."""
    scoring = data.get("scoring", {})
    raw = data.get("criteria")
    if not isinstance(raw, list) or not raw:
        raise _bad(source, "[[criteria]]", "no criteria found; add at least one [[criteria]] table")
    _check_keys(source, "[scoring]", scoring, SCORING_KEYS)
    criteria = []
    for i, item in enumerate(raw, start=1):
        where = f"criterion {i}"
        _check_keys(source, where, item, CRITERION_KEYS)
        for key in ("column", "op", "points"):
            if key not in item:
                raise _bad(source, where, f"missing key '{key}'")
        op = item["op"]
        if op not in OPERATORS:
            raise _bad(source, where, f"operator {op!r} is not one of {OPERATORS}")
        value = item.get("value")
        if op in ("in", "not_in") and not isinstance(value, list):
            raise _bad(source, where, f'\'{op}\' needs a list value, e.g. ["tech", "finance"]')
        if op == "between" and (not isinstance(value, list) or len(value) != 2):
            raise _bad(source, where, "'between' needs a [low, high] value")
        if op == "between":
            low, high = (_number(source, where, "value", v) for v in value)
            if low > high:
                raise _bad(source, where, f"'between' needs low <= high, got {value!r}")
        elif op in (">", ">=", "<", "<=") or (op in ("==", "!=") and not isinstance(value, str)):
            _number(source, where, "value", value)
        _number(source, where, "points", item["points"])
        kind = item.get("kind", "demographic")
        if kind not in ("behaviour", "demographic"):
            raise _bad(source, where, f"kind must be 'behaviour' or 'demographic', got {kind!r}")
        criteria.append(
            Criterion(
                name=str(item.get("name", item["column"])),
                column=str(item["column"]),
                op=op,
                value=value,
                points=float(item["points"]),
                kind=kind,
            )
        )
    half_life = scoring.get("half_life_days")
    if half_life is not None:
        _number(source, "[scoring]", "half_life_days", half_life, low=0, low_open=True)
    decay_column = scoring.get("decay_column")
    if (decay_column is None) != (half_life is None):
        raise _bad(source, "[scoring]", "set both decay_column and half_life_days, or neither")
    threshold = _number(source, "[scoring]", "hot_threshold", scoring.get("hot_threshold", 100))
    cols = tuple(
        dict.fromkeys([c.column for c in criteria] + ([decay_column] if decay_column else []))
    )
    return RuleSet(
        tuple(criteria),
        float(threshold),
        decay_column,
        float(half_life) if half_life else None,
        source,
        cols,
    )


def load_rules(path: str | os.PathLike) -> RuleSet:
    """Read and validate a TOML rules file (parsed with :mod:`tomllib`; no code runs)."""
    data = read_toml(path, what="Rules")
    return parse_rules(data, source=str(Path(path)))


def apply_rules(rules: RuleSet, table: pd.DataFrame, source: str | None = None) -> pd.DataFrame:
    """``table`` with ``manual_points`` (total, decayed) and ``manual_hot`` (0/1) appended."""
    require_columns(
        table,
        list(rules.columns),
        source=source,
        needed_for=f"used by {rules.source}",
        fix="Add them or edit the rules file.",
    )
    demo = np.zeros(len(table))
    behav = np.zeros(len(table))
    for c in rules.criteria:
        hit = c.mask(table[c.column])
        if c.kind == "behaviour":
            behav += c.points * hit
        else:
            demo += c.points * hit
    if rules.decay_column:
        days = pd.to_numeric(table[rules.decay_column], errors="coerce").to_numpy(dtype=float)
        factor = np.where(np.isnan(days), 1.0, 0.5 ** (np.maximum(days, 0) / rules.half_life_days))
        behav = behav * factor
    out = table.copy()
    out["manual_points"] = demo + behav
    out["manual_hot"] = (out["manual_points"] >= rules.hot_threshold).astype(np.int64)
    return out
