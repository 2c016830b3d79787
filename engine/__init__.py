"""engine: data loading and schemas, models, evaluators (the lowest layer).

``engine`` imports nothing from ``optimisers``, ``pricing``, ``simulations``
or the CLI.
"""

from engine import poisson_binomial
from engine.calibration import Calibrator
from engine.conversion import ConversionModel, DataQualityWarning
from engine.costs import CostModel, load_costs
from engine.effort import EffortModel
from engine.exceptions import (
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
from engine.fit import FitModel
from engine.io import append_table, atomic_write_text, read_table, write_table
from engine.lead_schema import LEAD_SCHEMA, OUTCOME_SCHEMA, load_leads
from engine.metrics import EvaluationResult, evaluate
from engine.preprocessing import Preprocessor
from engine.profit import ResaleModel, SalaryModel
from engine.qualification import (
    QualificationBundle,
    QualificationSettings,
    active_leads,
    load_bundle,
)
from engine.qualification_fit import fit_bundle
from engine.rescore import RescoreResult, rescore
from engine.roi import RoiReport, Threshold, evaluate_leads, parse_threshold
from engine.roi_stream import LeadVerdict, RoiStream
from engine.rules import RuleSet, apply_rules, load_rules
from engine.schema import ColumnSpec, TableSchema, coerce_binary, validate_table
from engine.scoring import FitReport, fit_and_evaluate
from engine.timing import TimingModel, concordance_index, survival_target

__all__ = [
    "LeadLeverError",
    "DataError",
    "InputFileError",
    "EmptyDataError",
    "MissingColumnsError",
    "InvalidValueError",
    "ParameterError",
    "ModelFileError",
    "NotFittedError",
    "read_table",
    "write_table",
    "atomic_write_text",
    "append_table",
    "ColumnSpec",
    "TableSchema",
    "validate_table",
    "coerce_binary",
    "LEAD_SCHEMA",
    "OUTCOME_SCHEMA",
    "load_leads",
    "poisson_binomial",
    "ConversionModel",
    "DataQualityWarning",
    "Calibrator",
    "Preprocessor",
    "evaluate",
    "EvaluationResult",
    "fit_and_evaluate",
    "FitReport",
    "load_rules",
    "apply_rules",
    "RuleSet",
    "TimingModel",
    "survival_target",
    "concordance_index",
    "EffortModel",
    "SalaryModel",
    "ResaleModel",
    "FitModel",
    "QualificationSettings",
    "QualificationBundle",
    "active_leads",
    "load_bundle",
    "fit_bundle",
    "rescore",
    "RescoreResult",
    "CostModel",
    "load_costs",
    "RoiReport",
    "Threshold",
    "evaluate_leads",
    "parse_threshold",
    "RoiStream",
    "LeadVerdict",
]
