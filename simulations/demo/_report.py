"""Render a demo run as one self-contained HTML report (the run report's renderer).

The decisions come first (the plan, pricing and deals, packaging, budget), then the
evidence (the simulated world, scoring, the closed loop); the numbers that matter lead
the page with the decisions' first. Rendering is
:func:`leadlever.simulations.report.render_page`, the same as ``leadlever report``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from leadlever.engine.io._tables import atomic_write_text
from leadlever.simulations.report._html import Block, Page, render_page

if TYPE_CHECKING:  # pragma: no cover
    from leadlever.simulations.demo._context import Section
    from leadlever.simulations.demo._run import DemoResult

__all__ = ["render_report", "write_report", "DECISION_KEYS"]

#: demo sections that are decisions (shown first, in this order)
DECISION_KEYS = ("qualification", "pricing", "packaging", "roi")


def _block(section: Section) -> Block:
    return Block(
        key=section.key,
        title=section.title,
        explanation=section.explanation,
        plots=tuple(section.plots),
        highlights=dict(section.highlights),
        text="\n".join(section.lines),
    )


def render_report(result: DemoResult) -> str:
    """The report of a demo run as an HTML string."""
    by_key = {s.key: s for s in result.sections}
    decisions = tuple(_block(by_key[k]) for k in DECISION_KEYS if k in by_key)
    evidence = tuple(_block(s) for s in result.sections if s.key not in DECISION_KEYS)
    page = Page(
        title="LeadLever: the Valiant case, end to end",
        subtitle=f"Simulated world, seed {result.seed}. All tables are in the same folder as "
        "CSV files.",
        decisions=decisions,
        evidence=evidence,
    )
    return render_page(page)


def write_report(result: DemoResult, path: str | Path) -> Path:
    """Write :func:`render_report` to ``path`` atomically and return the path."""
    return atomic_write_text(render_report(result), path)
