"""The run report: one self-contained HTML page, decisions first, then the evidence,
built from whatever a user's run produced (``leadlever report``) or from the demo.
"""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.simulations.report._build import ReportResult, build_report
    from leadlever.simulations.report._collect import Inputs, collect
    from leadlever.simulations.report._html import Block, Page, render_page, write_page

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
