"""The simulated Valiant world, closed-loop campaign runs, B2B deal comparison and the demo.

May use every other package; nothing in the library imports it except the demo and the tests.
"""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.simulations.exceptions import (
        DealError,
        IdenticalDealsError,
        NoCrossingError,
        SimulationError,
    )

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
