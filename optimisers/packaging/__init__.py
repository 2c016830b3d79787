"""Quality-graded lead bundles for partner agencies (PuLP MILP over lead classes)."""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.optimisers.packaging._buyers import Buyer, Market, parse_buyers, read_buyers
    from leadlever.optimisers.packaging._greedy import greedy_packaging
    from leadlever.optimisers.packaging._packager import PackagerSettings, package, prepare_leads
    from leadlever.optimisers.packaging._ratings import (
        NOT_RATED,
        RatingScale,
        certified_line,
        certified_windows,
        rate_bundle,
    )
    from leadlever.optimisers.packaging._result import (
        Bundle,
        LeadPool,
        PackagingResult,
        plan_violations,
    )
    from leadlever.optimisers.packaging._sale import Sale, package_open_leads

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
