"""The lowest layer: reading exports, features, models and evaluators.

Subpackages: :mod:`~leadlever.engine.io` (tables, schemas, TOML),
:mod:`~leadlever.engine.features` (the feature builder),
:mod:`~leadlever.engine.stats` (cross-validation, Poisson-binomial),
:mod:`~leadlever.engine.scoring` (conversion models, metrics, tiers, rules),
:mod:`~leadlever.engine.qualification` (timing, effort, profit, fit, rescoring) and
:mod:`~leadlever.engine.roi` (expected-ROI feedback). ``engine`` imports nothing
from ``optimisers``, ``pricing``, ``simulations`` or the command line.
"""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.engine.exceptions import (
        DataError,
        EmptyDataError,
        InputFileError,
        InvalidValueError,
        LeadLeverError,
        MissingColumnsError,
        ModelFileError,
        NotFittedError,
        ParameterError,
    )

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
