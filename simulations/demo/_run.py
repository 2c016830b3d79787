"""``leadlever demo``: the whole Valiant case end to end on the simulated world.

The demo is a list of steps (:data:`STEPS`). Each step is a function
``step(ctx) -> Section`` in its own module of this package: it reads what
earlier steps left in the :class:`DemoContext`, adds its own results, and
returns a :class:`Section` (title, text lines, tables to write, plots).
Capabilities add their step by appending to :data:`STEPS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leadlever.engine.io._tables import write_table
from leadlever.simulations.demo._context import DemoContext, Section
from leadlever.simulations.demo._loop_step import loop_step
from leadlever.simulations.demo._packaging_step import packaging_step
from leadlever.simulations.demo._pricing_step import pricing_step
from leadlever.simulations.demo._qualification_step import qualification_step
from leadlever.simulations.demo._roi_step import roi_step
from leadlever.simulations.demo._scoring_step import scoring_step
from leadlever.simulations.demo._world_step import world_step

__all__ = ["DemoResult", "run_demo", "STEPS"]


@dataclass(frozen=True)
class DemoResult:
    """All sections of a demo run and where its files went."""

    seed: int
    out_dir: Path
    sections: tuple[Section, ...]
    files: tuple[Path, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "out_dir": str(self.out_dir),
            "sections": [s.to_dict() for s in self.sections],
            "files": [str(f) for f in self.files],
        }


Step = Callable[[DemoContext], Section]

#: the demo's steps, in order (each capability appends its own)
STEPS: list[tuple[str, Step]] = [
    ("simulate the Valiant world", world_step),
    ("score conversion", scoring_step),
    ("qualify leads and plan actions", qualification_step),
    ("evaluate expected ROI and reallocate the budget", roi_step),
    ("closed-loop campaign learning", loop_step),
    ("price leads for sale and compare deals", pricing_step),
    ("package leads for partner agencies", packaging_step),
]


def run_demo(
    *,
    seed: int = 7,
    out_dir: str | Path = "leadlever-demo",
    on_step: Callable[[str], None] | None = None,
) -> DemoResult:
    """Run every demo step and write its tables into ``out_dir``.

    Parameters
    ----------
    seed : int
        Seed for every random draw in the demo.
    out_dir : path
        Folder for the CSV tables, plots and report (created if needed).
    on_step : callable, optional
        Called with each step's label before it runs (for progress display).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ctx = DemoContext(seed=seed, out_dir=out)
    sections: list[Section] = []
    files: list[Path] = []
    for label, step in STEPS:
        if on_step is not None:
            on_step(label)
        section = step(ctx)
        for name, table in section.tables.items():
            files.append(write_table(table, out / f"{name}.csv"))
        files.extend(section.plots)
        sections.append(section)
    from leadlever.simulations.demo._report import write_report

    result = DemoResult(seed=seed, out_dir=out, sections=tuple(sections), files=tuple(files))
    report = write_report(result, out / "report.html")
    return DemoResult(
        seed=seed, out_dir=out, sections=result.sections, files=(*result.files, report)
    )
