"""Monitoring what scores promised against what happened: the calibration ledger
(predicted vs realised conversion by week of arrival and model version, with a
drift alarm and a retrain suggestion).
"""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.engine.monitoring._ledger import (
        ALARM_LEVEL,
        ALARM_RUN,
        CalibrationLedger,
        calibration_ledger,
    )

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
