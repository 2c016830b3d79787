"""Reading and writing tables and files safely, and declared table schemas."""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.engine.io._atomic import save_figure
    from leadlever.engine.io._dates import ParsedDates, parse_dates
    from leadlever.engine.io._formats import (
        ID_NAME_PATTERN,
        id_columns,
        neutralise_formulas,
        restore_formulas,
        table_format,
    )
    from leadlever.engine.io._inspect import ColumnReport, Inspection, inspect_table
    from leadlever.engine.io._lead_schema import (
        LEAD_SCHEMA,
        OUTCOME_COLUMNS,
        OUTCOME_SCHEMA,
        data_dictionary,
        is_outcome_column,
        load_leads,
        read_leads,
        unique_ids,
    )
    from leadlever.engine.io._lock import exclusive_lock, locked
    from leadlever.engine.io._numbers import MAX_ABS_VALUE, check_number, shorten
    from leadlever.engine.io._open_leads import (
        OpenLeads,
        find_outcome,
        keep_open,
        open_leads,
        open_mask,
        split_open,
    )
    from leadlever.engine.io._outcomes import (
        OUTCOME_COLUMN,
        Outcome,
        OutcomeSpec,
        parse_outcome,
        parse_values,
    )
    from leadlever.engine.io._paths import check_output, check_outputs
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
        read_table,
        read_toml,
        write_table,
    )

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
