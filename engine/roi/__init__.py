"""Expected-ROI evaluation of leads: per-lead verdicts against the OKR threshold
and per-channel feedback, in batch or one lead at a time.
"""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.engine.roi._costs import CostModel, load_costs
    from leadlever.engine.roi._evaluate import (
        RoiReport,
        Threshold,
        evaluate_file,
        evaluate_leads,
        lead_economics,
        parse_threshold,
    )
    from leadlever.engine.roi._okr import DEFAULT_OKR_METRIC, DEFAULT_OKR_THRESHOLD
    from leadlever.engine.roi._stream import LeadVerdict, RoiStream

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
