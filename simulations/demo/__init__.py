"""``leadlever demo``: the whole Valiant case end to end on the simulated world.

The demo is a list of steps (:data:`STEPS`). Each step is a function
``step(ctx) -> Section`` in its own module of this package: it reads what
earlier steps left in the :class:`DemoContext`, adds its own results, and
returns a :class:`Section` (title, text lines, tables to write, plots).
Capabilities add their step by appending to :data:`STEPS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from engine.io import write_table
from simulations.demo.packaging_step import packaging_step
from simulations.demo.world_step import world_step

__all__ = ["DemoContext", "Section", "DemoResult", "run_demo", "STEPS"]


@dataclass
class DemoContext:
    """Mutable state handed from step to step.

    Attributes
    ----------
    seed : int
    out_dir : pathlib.Path
    data : dict
        Tables and objects produced by earlier steps, by name.
    """

    seed: int
    out_dir: Path
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Section:
    """What one demo step reports."""

    key: str
    title: str
    lines: tuple[str, ...] = ()
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    plots: tuple[Path, ...] = ()
    explanation: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "lines": list(self.lines),
            "tables": sorted(self.tables),
            "plots": [str(p) for p in self.plots],
        }


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
    return DemoResult(seed=seed, out_dir=out, sections=tuple(sections), files=tuple(files))
