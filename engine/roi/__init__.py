"""Expected-ROI evaluation of leads: per-lead verdicts against the OKR threshold
and per-channel feedback, in batch or one lead at a time.
"""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.engine.roi._evaluate import (
        METRICS,
        RoiReport,
        evaluate_file,
        evaluate_leads,
        lead_economics,
    )
    from leadlever.engine.roi._okr import DEFAULT_OKR_METRIC, DEFAULT_OKR_THRESHOLD
    from leadlever.engine.roi._stream import LeadVerdict, RoiStream
    from leadlever.engine.roi._target import TargetingResult, target_contacts
    from leadlever.engine.roi._threshold import Threshold, parse_threshold

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
