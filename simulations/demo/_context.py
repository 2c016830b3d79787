"""The state handed from demo step to demo step, and what each step reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["DemoContext", "Section"]


@dataclass
class DemoContext:
    """Mutable state handed from step to step.

    Attributes
    ----------
    seed : int
    out_dir : pathlib.Path
        Where steps save plots (``out_dir / "<name>.png"``).
    data : dict
        Tables and objects produced by earlier steps, by name.
    """

    seed: int
    out_dir: Path
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Section:
    """What one demo step reports.

    Attributes
    ----------
    key, title : str
    lines : tuple of str
        Text printed by the CLI and shown in the report.
    tables : dict
        Tables written as ``<name>.csv`` into the output folder.
    plots : tuple of Path
        PNG files the step saved (embedded in ``report.html``).
    explanation : str
        Two lines for a manager: what the section shows and what to do with it.
    highlights : dict
        The numbers that matter most (label -> formatted value), shown first in the report.
    """

    key: str
    title: str
    lines: tuple[str, ...] = ()
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    plots: tuple[Path, ...] = ()
    explanation: str = ""
    highlights: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "lines": list(self.lines),
            "tables": sorted(self.tables),
            "plots": [str(p) for p in self.plots],
            "highlights": dict(self.highlights),
        }
