"""What a campaign learner state file must hold, checked on load (the wrong field named)."""

from __future__ import annotations

from leadlever.engine.io._docschema import TEXT, ListOf, MapOf, Nullable, Number, Obj

__all__ = ["STATE_SCHEMA", "STATE_HINT"]

STATE_HINT = "Start a new state file, or use the LeadLever version that wrote it."

_COUNT = Number(low=0, integer=True)
_SETTINGS = Obj(
    {
        "forgetting": Number(0.0, 1.0, low_open=True),
        "floor_share": Number(0.0, 1.0),
        "window": Number(1, 10_000, integer=True),
        "grid_half_saturation": Number(2, 1_000, integer=True),
        "grid_low": Number(0.0, low_open=True),
        "grid_high": Number(0.0, low_open=True),
        "shapes": ListOf(Number(0.0, 100.0, low_open=True), min_length=1),
        "allocator_grid": Number(2, 100_000, integer=True),
    },
    optional=(
        "forgetting",
        "floor_share",
        "window",
        "grid_half_saturation",
        "grid_low",
        "grid_high",
        "shapes",
        "allocator_grid",
    ),
)
#: the state file's schema (sizes bounded: a grid of 10^9 points would not fit in memory)
STATE_SCHEMA = Obj(
    {
        "channels": ListOf(TEXT, min_length=1),
        "seed": _COUNT,
        "period": _COUNT,
        "reference_spend": Number(0.0, low_open=True),
        "settings": _SETTINGS,
        "last_proposal": Nullable(ListOf(Number(low=0.0), length="channels")),
        "curves": Nullable(
            Obj(
                {
                    "path": TEXT,
                    "sha256": TEXT,
                    "fit_path": Nullable(TEXT),
                    "fit_sha256": Nullable(TEXT),
                    "period": _COUNT,
                }
            )
        ),
        "logs": MapOf(
            Obj(
                {
                    "period": ListOf(Number(integer=True)),
                    "spend": ListOf(Number(low=0.0), length="period"),
                    "value": ListOf(Number(), length="period"),
                    "value_at_arrival": ListOf(Number(), length="period"),
                    "cusum": ListOf(Number(), min_length=2),
                    "reset_period": Number(integer=True),
                    "changes": ListOf(Number(integer=True)),
                }
            )
        ),
    },
    optional=("curves",),
)
