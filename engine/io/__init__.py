"""Reading and writing tables and files safely, and declared table schemas."""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.engine.io._dates import ParsedDates, parse_dates
    from leadlever.engine.io._inspect import ColumnReport, Inspection, inspect_table
    from leadlever.engine.io._lead_schema import (
        LEAD_SCHEMA,
        OUTCOME_COLUMNS,
        OUTCOME_SCHEMA,
        data_dictionary,
        is_outcome_column,
        load_leads,
    )
    from leadlever.engine.io._outcomes import (
        OUTCOME_COLUMN,
        Outcome,
        OutcomeSpec,
        keep_open,
        open_mask,
        parse_outcome,
        parse_values,
        split_open,
    )
    from leadlever.engine.io._schema import (
        ColumnSpec,
        TableSchema,
        closest_names,
        coerce_binary,
        require_columns,
        validate_table,
    )
    from leadlever.engine.io._tables import (
        append_table,
        atomic_write_text,
        neutralise_formulas,
        read_table,
        read_toml,
        table_format,
        write_table,
    )

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
