"""Statistical building blocks: seeded cross-validation splits and the exact
Poisson-binomial distribution.
"""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.engine.stats._cv import out_of_fold, stratified_kfold, time_split

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
