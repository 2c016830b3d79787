"""Qualification on the case's four criteria (conversion and its timing,
delivery effort, profit potential, strategic fit), and rescoring over time.
"""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.engine.qualification._apply import qualify_file, qualify_summary
    from leadlever.engine.qualification._bundle import (
        CRITERIA,
        QualificationBundle,
        QualificationSettings,
        active_leads,
        load_bundle,
    )
    from leadlever.engine.qualification._columns import ColumnMap, load_mapping, resolve_columns
    from leadlever.engine.qualification._cox import concordance_index
    from leadlever.engine.qualification._effort import EffortModel, delivery_cost
    from leadlever.engine.qualification._fit_bundle import fit_bundle
    from leadlever.engine.qualification._profile_leads import ProfileResult, qualify_leads
    from leadlever.engine.qualification._profit import ResaleModel, ValueModel, expected_commission
    from leadlever.engine.qualification._rescore import (
        HISTORY_COLUMNS,
        RescoreResult,
        rescore,
        rescore_frame,
    )
    from leadlever.engine.qualification._strategic_fit import FitModel
    from leadlever.engine.qualification._timing import (
        TimingModel,
        durations_from_dates,
        survival_target,
    )

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
