r"""Column checks behind ``leadlever inspect`` and the fit commands.

Each check looks at one column of an export (and, where it needs one, the coded
outcome :math:`y`, 1 won / 0 lost) and says what it found in words a user can act on:

* **id-like**: unique per row (text), a unique whole number that increases (or
  decreases) with the row order or fills a dense range, however it is named, or a
  name such as ``lead_id``, ``Prospect ID``, ``Lead Number``;
* **leak suspect**: a column that alone separates won from lost almost perfectly
  (single-column AUC :math:`\ge` :data:`LEAK_AUC`, out-of-fold for categories), that is
  filled for closed leads but empty for open ones, or whose name reads like something
  only known after the outcome (``duration``, ``close_date``, ``stage`` ...);
* **period-coded numeric**: a non-integer number with few distinct values over many
  rows (an index published once per month, say): a code per period, better a category;
* **near-constant**: one value in at least :data:`NEAR_CONSTANT` of the rows;
* **missing codes**: numeric sentinels (``999``, ``-1`` beyond the other values) and
  text placeholders (``unknown``, ``Select``, ``N/A`` ...).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.io._formats import ID_FIRST_WORDS, ID_WORDS
from leadlever.engine.io._schema import _FALSE, _TRUE

__all__ = [
    "LEAK_AUC",
    "NEAR_CONSTANT",
    "ID_NAME",
    "POST_OUTCOME_WORDS",
    "name_words",
    "OUTCOME_NAME",
    "TEXT_MISSING_CODES",
    "single_column_auc",
    "id_reason",
    "leak_reasons",
    "CLOSED_ONLY",
    "closed_only_note",
    "period_coded",
    "near_constant",
    "numeric_sentinels",
    "text_missing_codes",
    "is_yes_no",
]

#: single-column AUC from which a column "separates the outcome almost perfectly"
LEAK_AUC = 0.95
#: share of rows holding one value from which a column is near-constant
NEAR_CONSTANT = 0.99
#: share of open leads that must be empty (and of closed leads filled) for "filled only when closed"
CLOSED_ONLY_SHARE = 0.95
#: the leak reason of such a column: it cannot score an open lead, so the fits leave it out
CLOSED_ONLY = "filled for closed leads but empty for open ones"
#: at most this many distinct values make a non-integer numeric column period-coded ...
PERIOD_MAX_LEVELS = 30
#: ... when each value covers at least this many rows on average
PERIOD_ROWS_PER_LEVEL = 50
#: expected wins (or losses) a level must have at the base rate before "none won" is suspicious
ONE_SIDED_EXPECTED = 20.0
#: ... and a level holding at most this share of the wins (or losses) expected is (nearly)
#: one-sided: on the public data checked (bank marketing, Hillstrom, online shoppers, a retail
#: campaign) no column has such a level; on an education lead export, its free 'Tags' do
NEAR_ONE_SIDED = 0.1
#: least rows for uniqueness to say anything
MIN_ROWS_FOR_ID = 20
#: a unique whole number increasing with the row order at least this well (|Spearman|) is an id
ID_ORDER_CORRELATION = 0.9
#: least rows for a unique whole number to be an id whatever its name and order ...
MIN_ROWS_FOR_NUMBER_ID = 50
#: ... when a measurement spread over its range would repeat: n rows drawn from R values
#: repeat about n^2 / (2R) times, so all n distinct with R <= n^2 / 10 (5 expected repeats,
#: chance e^-5 < 1 %) says the numbers were handed out, not measured
ID_RANGE_FACTOR = 10

#: names that make a column an id *suspect* (then confirmed by its values): the identifier
#: words of :data:`~leadlever.engine.io._formats.ID_NAME_PATTERN` plus numbering words
#: (``Lead Number``, ``Order nr``, ``#``), which alone do not make a column text on reading
ID_NAME = re.compile(
    rf"(^|[_\s.#-])({'|'.join((*ID_WORDS, 'number', 'nr', 'no'))})$"
    rf"|^({'|'.join(ID_FIRST_WORDS)})([_\s.-]|$)|^#$",
    re.I,
)
#: words (after splitting a name into words) of measures only known after the outcome
POST_OUTCOME_WORDS = frozenset(
    {
        "duration", "close", "closed", "closing", "outcome", "result", "results", "status",
        "stage", "won", "lost", "reason", "revenue", "paid", "payment", "purchase", "purchased",
        "spend", "order", "orders", "placement", "placed", "hired", "signed", "churn",
        "churned", "cancelled", "canceled", "refund", "refunded",
    }
)  # fmt: skip
#: word pairs of such measures
POST_OUTCOME_PAIRS = frozenset(
    {("days", "to"), ("time", "to"), ("talk", "time"), ("call", "length"), ("deal", "value")}
)
#: names of likely outcome columns
OUTCOME_NAME = re.compile(
    r"^(y|target|label|outcome|result|converted|conversion|won|success|subscribed|"
    r"purchased?|churn(ed)?|deal.?stage|stage|status)$",
    re.I,
)
TEXT_MISSING_CODES = frozenset(
    {
        "unknown", "select", "n/a", "na", "none", "null", "nan", "-", "--", "?", "not provided",
        "not available", "missing", "not specified", "undefined", "(blank)", "#n/a", "nil",
    }
)  # fmt: skip
_NUMERIC_CODES = (-1.0, -9.0, -99.0, -999.0, -9999.0, 99.0, 999.0, 9999.0, 99999.0)


def _auc_ranked(y: np.ndarray, x: np.ndarray) -> float:
    """AUC of score ``x`` for outcome ``y`` (ties halved), folded to >= 0.5."""
    from scipy.stats import rankdata

    from leadlever.engine.scoring._metrics import roc_auc

    if y.min() == y.max():
        return float("nan")
    auc = roc_auc(y, rankdata(x) / len(x))
    return float(max(auc, 1 - auc))


def name_words(name: str) -> list[str]:
    """``"Lead Close-Date"`` / ``"leadCloseDate"`` -> ``["lead", "close", "date"]``."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name))
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def _post_outcome_name(name: str) -> bool:
    words = name_words(name)
    return bool(POST_OUTCOME_WORDS.intersection(words)) or any(
        pair in POST_OUTCOME_PAIRS for pair in zip(words, words[1:], strict=False)
    )


def _one_sided_level(values: pd.Series, y: np.ndarray) -> str | None:
    r"""A value held by many rows whose leads (nearly) all lose, or all win, against the
    base rate: at most :data:`NEAR_ONE_SIDED` of the wins (losses) expected at the base rate,
    with at least :data:`ONE_SIDED_EXPECTED` expected. A CRM's free tags ("Closed by
    Horizzon", "Already a student") give such levels; so does a status written after the
    outcome. Text columns are checked whatever their number of values; numeric ones when
    they have at most :data:`PERIOD_MAX_LEVELS` values, and only for levels with no win (or
    no loss) at all: a count's low values can honestly be nearly one-sided."""
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if numeric and values.nunique(dropna=False) > PERIOD_MAX_LEVELS:
        return None
    codes = values.astype("string").fillna("<empty>").to_numpy(dtype=object)
    frame = pd.DataFrame({"level": codes, "y": y})
    stats = frame.groupby("level", sort=False)["y"].agg(["sum", "count"])
    base = float(y.mean())
    # a count's low values can honestly be nearly one-sided (1 visit: few wins); only text
    # levels (tags, statuses) are held to "nearly", numbers to "none"
    share = 0.0 if numeric else NEAR_ONE_SIDED
    found = []
    for level, row in stats.iterrows():
        n, won = int(row["count"]), float(row["sum"])
        for seen, expected, what in ((won, n * base, "won"), (n - won, n * (1 - base), "lost")):
            if expected >= ONE_SIDED_EXPECTED and seen <= share * expected:
                found.append((seen / expected, level, n, int(seen), expected, what))
    if not found:
        return None
    _, level, n, seen, expected, what = min(found, key=lambda f: (f[0], -f[2]))
    if seen == 0:
        other = "won" if what == "won" else "lost"
        return (
            f"no lead with value '{level}' {other} ({n:,} rows, about {expected:,.0f} "
            f"{'wins' if what == 'won' else 'losses'} expected at the base rate)"
        )
    return (
        f"only {seen:,} of the {n:,} leads with value '{level}' {what} (about {expected:,.0f} "
        "expected at the base rate)"
        + (f"; {len(found) - 1} more such value(s)" if len(found) > 1 else "")
    )
    codes = values.astype("string").fillna("<empty>").to_numpy(dtype=object)
    frame = pd.DataFrame({"level": codes, "y": y})
    stats = frame.groupby("level", sort=False)["y"].agg(["sum", "count"])
    base = float(y.mean())
    for level, row in stats.iterrows():
        n, won = int(row["count"]), float(row["sum"])
        if won == 0 and n * base >= ONE_SIDED_EXPECTED:
            return (
                f"no lead with value '{level}' won ({n:,} rows, about {n * base:,.0f} wins "
                "expected at the base rate)"
            )
        if won == n and n * (1 - base) >= ONE_SIDED_EXPECTED:
            return (
                f"every lead with value '{level}' won ({n:,} rows, about {n * (1 - base):,.0f} "
                "losses expected at the base rate)"
            )
    return None


def single_column_auc(values: pd.Series, y: np.ndarray, *, seed: int = 0) -> float:
    """How well one column alone separates won (1) from lost (0), as an AUC in [0.5, 1].

    Numbers are ranked as they are (missing below every value); other columns are
    target-encoded out-of-fold (two folds, smoothed towards the base rate), so a
    category with many rare levels does not look predictive by memorising them.
    """
    y = np.asarray(y, dtype=float)
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        finite = x[np.isfinite(x)]
        low = (finite.min() - 1.0) if finite.size else 0.0
        return _auc_ranked(y, np.where(np.isfinite(x), x, low))
    codes, _ = pd.factorize(values.astype("string").fillna("<missing>"))
    rng = np.random.default_rng(seed)
    fold = rng.integers(0, 2, size=len(y))
    enc = np.empty(len(y))
    prior, weight = float(y.mean()), 5.0
    for k in (0, 1):
        train, test = fold != k, fold == k
        sums = np.bincount(codes[train], weights=y[train], minlength=codes.max() + 1)
        counts = np.bincount(codes[train], minlength=codes.max() + 1)
        enc[test] = ((sums + weight * prior) / (counts + weight))[codes[test]]
    return _auc_ranked(y, enc)


def is_yes_no(values: pd.Series) -> bool:
    """Whether every non-empty value is a yes/no, true/false or 1/0 code (two at most)."""
    text = values.dropna().astype(str).str.strip().str.lower()
    text = text[text != ""]
    uniq = set(text.unique().tolist())
    return 0 < len(uniq) <= 2 and uniq <= (_TRUE | _FALSE | {"1.0", "0.0"})


def id_reason(values: pd.Series, name: str) -> str | None:
    """Why a column looks like an identifier, or None."""
    if ID_NAME.search(str(name).strip()):
        return "named like an identifier"
    n = len(values)
    filled = values.dropna()
    if n < MIN_ROWS_FOR_ID or len(filled) < 0.99 * n:
        return None
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        return None
    if pd.api.types.is_numeric_dtype(values):
        x = filled.to_numpy(dtype=float)
        if not np.all(np.isfinite(x)) or np.any(np.abs(x - np.round(x)) > 0):
            return None
        if np.unique(x).size != x.size:
            return None
        order = pd.Series(np.arange(x.size)).corr(pd.Series(x), method="spearman")
        spread = x.max() - x.min() + 1
        dense = spread <= 2 * x.size
        if abs(order) >= ID_ORDER_CORRELATION or dense:
            how = "increases" if order >= ID_ORDER_CORRELATION else "decreases"
            return (
                f"a unique whole number per row that {how} with the row order"
                if abs(order) >= ID_ORDER_CORRELATION
                else "a unique whole number per row in a dense range (a row counter)"
            )
        if x.size >= MIN_ROWS_FOR_NUMBER_ID and spread * ID_RANGE_FACTOR <= x.size**2:
            return (
                f"a unique whole number per row: {x.size:,} measurements over a range of "
                f"{spread:,.0f} would repeat, so these numbers were handed out (a lead number)"
            )
        return None
    text = filled.astype(str).str.strip()
    if text.nunique() == len(text):
        return "unique per row"
    return None


def leak_reasons(
    values: pd.Series, name: str, y: np.ndarray | None, closed: np.ndarray | None
) -> list[str]:
    """Why a column may leak the outcome (empty when nothing suggests it).

    ``y`` is the coded outcome of the closed rows (in order), ``closed`` marks them.
    """
    out = []
    if _post_outcome_name(name):
        out.append("named like something only known after the outcome")
    if y is not None and closed is not None and closed.sum() >= 10 and 0 < y.mean() < 1:
        auc = single_column_auc(values[closed].reset_index(drop=True), y)
        if np.isfinite(auc) and auc >= LEAK_AUC:
            out.append(f"alone separates won from lost almost perfectly (AUC {auc:.2f})")
        else:
            one_sided = _one_sided_level(values[closed].reset_index(drop=True), y)
            if one_sided:
                out.append(one_sided)
        is_open = ~closed
        if is_open.sum() >= 10:
            empty = values.isna().to_numpy() | (values.astype("string").str.strip() == "").fillna(
                True
            ).to_numpy(dtype=bool)
            filled_closed = float((~empty[closed]).mean())
            if (
                empty[is_open].mean() >= CLOSED_ONLY_SHARE
                and filled_closed >= 1 - CLOSED_ONLY_SHARE
                and _rarer_when_open(
                    int((~empty[is_open]).sum()), int(is_open.sum()), filled_closed
                )
            ):
                out.append(CLOSED_ONLY)
    return out


#: chance below which "so few open leads have it" cannot be luck at the closed leads' rate
CLOSED_ONLY_CHANCE = 1e-6


def _rarer_when_open(k_open: int, n_open: int, rate_closed: float) -> bool:
    """Whether at most ``k_open`` filled among ``n_open`` open leads is beyond chance when the
    closed leads are filled at ``rate_closed``: binomial P(K <= k_open) below
    :data:`CLOSED_ONLY_CHANCE`. A field filled for half the closed leads and none of 30 open
    ones is (0.5^30 ~ 1e-9); one filled for 20 % of the closed leads (a resale price known
    only for lost ones) and none of 849 open ones is too (0.8^849 ~ 1e-82); a sparse optional
    field, as rare among open leads as among closed ones, is not."""
    from scipy.stats import binom

    return bool(binom.cdf(k_open, n_open, rate_closed) < CLOSED_ONLY_CHANCE)


def closed_only_note(columns: list[str]) -> str:
    """The notice of the fits that leave out columns filled only once a lead closed."""
    return (
        f"Left out column(s) {columns} from the features: filled for the closed leads but "
        "empty for the open ones (written when a lead is won or lost), so they cannot score "
        "a lead that is still open."
    )


def period_coded(values: pd.Series) -> str | None:
    """A non-integer numeric column with few values over many rows, or None."""
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return None
    x = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    if x.size == 0 or np.all(np.abs(x - np.round(x)) == 0):
        return None
    k = np.unique(x).size
    if 2 < k <= PERIOD_MAX_LEVELS and x.size >= PERIOD_ROWS_PER_LEVEL * k:
        return (
            f"{k} distinct non-integer values over {x.size:,} rows: looks like a code per period "
            "(e.g. a monthly index); it may work better as a category"
        )
    return None


def near_constant(values: pd.Series) -> str | None:
    """One value in at least :data:`NEAR_CONSTANT` of the rows, or None."""
    counts = values.astype("string").fillna("<empty>").value_counts(normalize=True)
    if len(counts) and counts.iloc[0] >= NEAR_CONSTANT:
        if len(counts) == 1:
            return f"constant ('{counts.index[0]}' in every row): carries no information"
        return f"near-constant: '{counts.index[0]}' in {counts.iloc[0]:.1%} of the rows"
    return None


def numeric_sentinels(values: pd.Series) -> list[dict[str, Any]]:
    """Codes such as 999 or -1 standing apart from the other values."""
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return []
    x = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    if x.size < MIN_ROWS_FOR_ID:
        return []
    out = []
    for code in _NUMERIC_CODES:
        hit = x == code
        count = int(hit.sum())
        if count < max(3, 0.005 * x.size):
            continue
        rest = x[~hit]
        if rest.size == 0:
            continue
        apart = (code < 0 and rest.min() >= 0) or (code > 0 and code >= 2 * max(rest.max(), 0))
        if apart:
            out.append({"value": code, "count": count, "share": count / x.size})
    return out


def text_missing_codes(values: pd.Series) -> list[dict[str, Any]]:
    """Placeholders such as 'unknown', 'Select' or 'N/A' in a text column."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        return []
    text = values.dropna().astype(str).str.strip()
    counts = text[text.str.lower().isin(TEXT_MISSING_CODES)].value_counts()
    n = max(len(values), 1)
    return [{"value": str(v), "count": int(c), "share": int(c) / n} for v, c in counts.items()]
