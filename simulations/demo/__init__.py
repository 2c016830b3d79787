"""``leadlever demo``: the whole Valiant case end to end on the simulated world."""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.simulations.demo._context import DemoContext, Section
    from leadlever.simulations.demo._report import render_report, write_report
    from leadlever.simulations.demo._run import STEPS, DemoResult, run_demo

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
