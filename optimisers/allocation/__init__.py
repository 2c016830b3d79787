"""Budget allocation across channels: exact for concave curves, global otherwise,
with a certificate; budget scenarios; the CURVES table.
"""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.optimisers.allocation._allocator import (
        Allocation,
        AllocatorSettings,
        Certificate,
        allocate,
    )
    from leadlever.optimisers.allocation._constraints import (
        GroupConstraint,
        check_feasible,
        resolve_bounds,
    )
    from leadlever.optimisers.allocation._curve_table import (
        CurveTable,
        TrustedCurve,
        read_curves,
        solve_curves,
    )
    from leadlever.optimisers.allocation._objectives import Objective
    from leadlever.optimisers.allocation._scenarios import (
        Frontier,
        frontier,
        max_profit,
        max_value,
        min_spend_for_value,
        spend_for_average_roi,
        spend_for_marginal_roi,
    )

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
