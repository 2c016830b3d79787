"""Response curves (channel spend to expected value) and fitting them to history."""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.optimisers.curves._family import (
        CURVE_KINDS,
        Curve,
        ExpSaturation,
        Hill,
        Logistic,
        MichaelisMenten,
        Power,
        curve_from_params,
    )
    from leadlever.optimisers.curves._fit import (
        HISTORY_SCHEMA,
        CurveFitResult,
        FittedCurve,
        fit_curve,
        fit_curves,
    )
    from leadlever.optimisers.curves._mmm_fit import AdditiveFit, fit_additive
    from leadlever.optimisers.curves._stack import CurveStack

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
