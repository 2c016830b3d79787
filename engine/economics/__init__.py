"""The business figures decisions rest on (value of a conversion, hourly rate, costs),
in one settings object that says where each figure came from.
"""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.engine.economics._economics import (
        DESCRIPTIONS,
        Assumption,
        Economics,
        load_economics,
        merge_assumptions,
    )
    from leadlever.engine.economics._lead_values import (
        LeadValues,
        conversion_values,
        implied_value_per_conversion,
        in_house_values,
        resale_values,
    )

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
