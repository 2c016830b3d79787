"""engine: data loading and schemas, models, evaluators (the lowest layer).

``engine`` imports nothing from ``optimisers``, ``pricing``, ``simulations``
or the CLI.
"""

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
from engine.io import append_table, atomic_write_text, read_table, write_table
from engine import poisson_binomial
from engine.lead_schema import LEAD_SCHEMA, OUTCOME_SCHEMA, load_leads
from engine.costs import CostModel, load_costs
from engine.roi import RoiReport, Threshold, evaluate_leads, parse_threshold
from engine.roi_stream import LeadVerdict, RoiStream
from engine.schema import ColumnSpec, TableSchema, coerce_binary, validate_table

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
    "CostModel",
    "load_costs",
    "RoiReport",
    "Threshold",
    "evaluate_leads",
    "parse_threshold",
    "RoiStream",
    "LeadVerdict",
]
