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

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
