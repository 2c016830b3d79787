"""The schema of a CURVES table's sidecar (``curves.fit.json``), checked when it is read.

A hand-edited or damaged sidecar is a :class:`ModelFileError` naming the field (a season
order of ``"abc"``, a ragged draw matrix, a draw for a channel the file does not list), not
an internal error later in ``allocate solve``, ``allocate plan`` or ``roi evaluate
--curves``.
"""

from __future__ import annotations

from typing import Any

from leadlever.engine.exceptions import ModelFileError
from leadlever.engine.io._docschema import (
    ANY,
    BOOL,
    TEXT,
    Choice,
    ListOf,
    MapOf,
    Nullable,
    Number,
    Obj,
)
from leadlever.optimisers.curves._family import CURVE_KINDS

__all__ = ["FIT_SCHEMA", "MAX_SEASON_ORDER", "MAX_LOG_EFFECT", "check_fit_shapes"]

#: the fitter uses season orders 0-2; a few more are allowed for other writers
MAX_SEASON_ORDER = 12
#: a coefficient of the log time effect: exp(20) is already a 5e8-fold multiplier
MAX_LOG_EFFECT = 20.0

_TIME_EFFECT = Obj(
    {
        "order": Number(0, MAX_SEASON_ORDER, integer=True),
        "trend": BOOL,
        "coef": ListOf(Number(-MAX_LOG_EFFECT, MAX_LOG_EFFECT)),
        "last_week_of_year": Nullable(Number(0, 53)),
    },
    optional=("last_week_of_year",),
)
_DRAWS = Obj(
    {
        "channels": ListOf(TEXT, min_length=1),
        "kind": Choice(*CURVE_KINDS),
        "params": MapOf(ListOf(ListOf(Number()), min_length=1)),
    }
)
FIT_SCHEMA = Obj(
    {
        "kind": TEXT,
        "channels": ListOf(TEXT),
        "n_periods": Number(0, None, integer=True),
        "sequential": BOOL,
        "time_effect": Nullable(_TIME_EFFECT),
        "draws": Nullable(_DRAWS),
        "assumptions": ANY,
        "notes": ANY,
    },
    optional=("n_periods", "sequential", "time_effect", "draws", "assumptions", "notes"),
)


def check_fit_shapes(doc: dict[str, Any], source: str, hint: str) -> None:
    """What the schema cannot say: the time effect has one coefficient per column (trend,
    then a sine and a cosine per season order), and the draws one matrix per parameter of
    their curve kind (and ``adstock``), each of the same number of draws and one column per
    channel, carry-over rates in [0, 1]."""

    def damaged(problem: str) -> ModelFileError:
        return ModelFileError(f"{source} is damaged: {problem}. {hint}".rstrip())

    te = doc.get("time_effect")
    if te is not None:
        want = int(te["trend"]) + 2 * int(te["order"])
        if len(te["coef"]) != want:
            raise damaged(
                f"field 'time_effect.coef' must hold {want} values (trend "
                f"{str(te['trend']).lower()}, season order {te['order']}), not {len(te['coef'])}"
            )
    draws = doc.get("draws")
    if draws is None:
        return
    names = (*CURVE_KINDS[draws["kind"]].param_names, "adstock")
    missing = [n for n in names if n not in draws["params"]]
    if missing:
        raise damaged(f"field 'draws.params' lacks {', '.join(map(repr, missing))}")
    n_channels, n_draws = len(draws["channels"]), len(draws["params"][names[0]])
    for name in names:
        rows = draws["params"][name]
        bad = next((i for i, row in enumerate(rows) if len(row) != n_channels), None)
        if len(rows) != n_draws or bad is not None:
            raise damaged(
                f"field 'draws.params.{name}' must be {n_draws} draws of {n_channels} values "
                f"(one per channel in 'draws.channels')"
            )
    if any(not 0.0 <= v <= 1.0 for row in draws["params"]["adstock"] for v in row):
        raise damaged("field 'draws.params.adstock' must hold carry-over rates in [0, 1]")
