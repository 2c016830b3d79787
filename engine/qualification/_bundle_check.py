"""What a qualification bundle file must hold, and the probe run once when one is loaded.

:data:`BUNDLE_SCHEMA` is checked by :func:`leadlever.engine.io._persist.check_versioned`
(the wrong field is named); the conversion model inside is checked by its own schema.
:func:`probe_bundle` then profiles one lead with every input empty: a bundle whose models
fail on it or give a non-finite number is damaged, which is said on load instead of as
NaN in every profile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from leadlever.engine.exceptions import LeadLeverError, MissingColumnsError, ModelFileError
from leadlever.engine.io._docschema import ANY, TEXT, ListOf, MapOf, Nullable, Number, Obj
from leadlever.engine.io._persist import rebuilding

if TYPE_CHECKING:  # pragma: no cover
    from leadlever.engine.qualification._bundle import QualificationBundle

__all__ = ["BUNDLE_SCHEMA", "probe_bundle"]

_SETTINGS = Obj(
    {
        "horizons": ListOf(Number(1, 36_500, integer=True), min_length=1),
        "target_roles": Nullable(ListOf(TEXT)),
        "tier_cuts": ListOf(Number(0, 100), min_length=3),
        "lost": TEXT,
    },
    optional=("horizons", "target_roles", "tier_cuts", "lost"),
)
_MODEL = Nullable(Obj({}))
#: what a qualification bundle file must hold (the models' internals are checked on rebuild)
BUNDLE_SCHEMA = Obj(
    {
        "model_version": TEXT,
        "columns": Obj({}),
        "features": ListOf(TEXT),
        "settings": _SETTINGS,
        "grade_cuts": MapOf(ListOf(Number(), min_length=4)),
        "models": Obj(
            {
                "conversion": Obj({"class": TEXT, "data": ANY}),
                "timing": _MODEL,
                "effort": _MODEL,
                "value": _MODEL,
                "resale": _MODEL,
                "fit": _MODEL,
            },
            optional=("timing", "effort", "value", "resale", "fit"),
        ),
    }
)


def probe_bundle(bundle: QualificationBundle, source: str, hint: str) -> None:
    """Profile one empty lead; raise :class:`ModelFileError` if the bundle cannot."""
    import pandas as pd

    columns = list(
        dict.fromkeys([*bundle.features, *getattr(bundle.conversion, "feature_names_in_", [])])
    )
    probe = pd.DataFrame({c: [None] for c in columns}, dtype=object)
    try:
        # the probe is one all-missing row: its arithmetic on NaN warns by design
        with rebuilding(source, hint), np.errstate(all="ignore"):
            profile = bundle.profile(probe)
    except MissingColumnsError:
        return  # the bundle reads columns the conversion model does not: no verdict
    except ModelFileError:
        raise
    except LeadLeverError as exc:
        raise ModelFileError(f"{source} is damaged ({exc}). {hint}") from None
    numbers = profile.select_dtypes("number").drop(columns=["expected_roi"], errors="ignore")
    # a criterion the bundle skipped, or a lead without the data it needs, may be empty (NaN);
    # an infinite number, or no conversion probability, is damage
    bad = [c for c in numbers.columns if np.isinf(numbers[c].to_numpy(float)).any()]
    if (
        "p_convert" in numbers.columns
        and not np.isfinite(numbers["p_convert"].to_numpy(float)).all()
    ):
        bad.insert(0, "p_convert")
    if bad:
        raise ModelFileError(
            f"{source} is damaged: it gives a non-finite {bad[0]} for a lead with no data. {hint}"
        )
