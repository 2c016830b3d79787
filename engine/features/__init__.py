"""Turning any CRM export into a numeric design matrix."""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.engine.features._preprocessing import Preprocessor, infer_kind
    from leadlever.engine.features._splines import rcs_basis, rcs_combination

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
