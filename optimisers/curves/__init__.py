"""Response curves (channel spend to expected value) and fitting them to a history:
carry-over, a shared time effect, saturation, posterior draws and verdicts per channel."""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.optimisers.curves._carryover import geometric_adstock
    from leadlever.optimisers.curves._diagnostics import MIN_R2
    from leadlever.optimisers.curves._export import ChannelHistory, read_history
    from leadlever.optimisers.curves._family import (
        CURVE_KINDS,
        Curve,
        ExpSaturation,
        Hill,
        Logistic,
        MichaelisMenten,
        Power,
        curve_from_params,
        hill_basis,
    )
    from leadlever.optimisers.curves._fit import fit_curve
    from leadlever.optimisers.curves._io import fit_and_write
    from leadlever.optimisers.curves._mmm_fit import AdditiveFit, fit_additive
    from leadlever.optimisers.curves._result import (
        QUALITIES,
        CurveDraws,
        CurveFitResult,
        FittedCurve,
        TimeEffect,
        fit_json_path,
        read_fit_json,
        write_fit,
    )
    from leadlever.optimisers.curves._stack import CurveStack
    from leadlever.optimisers.curves._weekly import WeeklyCurveModel, fit_curves

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
