"""Conversion scoring: the calibrated additive conversion model with chosen pairs,
honest evaluation, metrics, tiers, thresholds, manual rules and their blend with the model.
"""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.engine.scoring._apply import score_file, score_summary
    from leadlever.engine.scoring._blend import (
        ComparisonResult,
        blend_probabilities,
        compare_scores,
        points_to_probability,
    )
    from leadlever.engine.scoring._calibration import Calibrator
    from leadlever.engine.scoring._comparison import HonestComparison, compare_on_unseen
    from leadlever.engine.scoring._conversion import ConversionModel
    from leadlever.engine.scoring._evaluation import FitReport, fit_and_evaluate, split_target
    from leadlever.engine.scoring._fit_record import (
        CHANCE_AUC_LOWER,
        MODEL_WARNING_COLUMN,
        FitRecord,
        chance_warning,
        estimated_overlap,
        load_model,
        save_model,
    )
    from leadlever.engine.scoring._metrics import (
        AucInterval,
        ConfusionResult,
        EvaluationResult,
        auc_ci,
        brier,
        calibration_slope_intercept,
        confusion,
        ece,
        evaluate,
        gains_table,
        lift_top,
        log_loss,
        pr_auc,
        reliability_table,
        roc_auc,
        roc_curve,
    )
    from leadlever.engine.scoring._penalised import ConvergenceWarning, DataQualityWarning
    from leadlever.engine.scoring._rules import (
        Criterion,
        RuleSet,
        apply_rules,
        load_rules,
        parse_rules,
    )
    from leadlever.engine.scoring._scored import ScoredLeads, score_leads
    from leadlever.engine.scoring._thresholds import (
        ThresholdChoice,
        threshold_for_capacity,
        threshold_for_precision,
        threshold_max_f1,
        threshold_max_profit,
    )
    from leadlever.engine.scoring._tiers import (
        FUNNEL_CUTOFFS,
        FUNNEL_LABELS,
        LETTER_CUTOFFS,
        apply_tiers,
        choose_tiers,
        funnel_tiers,
        letter_tiers,
        quantile_tiers,
        score_from_p,
    )

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
