"""``leadlever demo``: the whole Valiant case end to end on the simulated world.

The demo is a list of steps (:data:`STEPS`). Each step is a function
``step(ctx) -> Section`` in its own module of this package: it reads what
earlier steps left in the :class:`DemoContext`, adds its own results, and
returns a :class:`Section` (title, text lines, tables to write, plots).
Capabilities add their step by appending to :data:`STEPS`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leadlever.engine.io._atomic import fresh_folder, swap_folder
from leadlever.engine.io._tables import atomic_write_text, write_table
from leadlever.simulations.demo._context import DemoContext, Section
from leadlever.simulations.demo._loop_step import loop_step
from leadlever.simulations.demo._packaging_step import packaging_step
from leadlever.simulations.demo._pricing_step import pricing_step
from leadlever.simulations.demo._qualification_step import qualification_step
from leadlever.simulations.demo._roi_step import roi_step
from leadlever.simulations.demo._scoring_step import scoring_step
from leadlever.simulations.demo._world_step import world_step
from leadlever.simulations.exceptions import SimulationError

__all__ = ["DemoResult", "run_demo", "STEPS", "DEMO_MARKER"]

#: file that marks a folder as a demo's output (a later demo may replace it as a whole)
DEMO_MARKER = ".leadlever-demo"


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


def _check_target(out: Path, force: bool) -> bool:
    """Whether ``out`` is replaced as a whole (it is a demo's folder); raise if it may not
    be written."""
    if out.exists() and not out.is_dir():
        raise SimulationError(f"--out '{out}' is a file, not a folder. Name a folder.")
    if not out.is_dir() or not any(out.iterdir()):
        return True
    if (out / DEMO_MARKER).exists():
        return True
    if not force:
        raise SimulationError(
            f"Folder '{out}' is not empty and was not written by `leadlever demo`. Choose a new "
            "or empty folder with --out, or pass --force to write the demo's files into it "
            "(files of the same name are replaced, the others kept)."
        )
    return False


def run_demo(
    *,
    seed: int = 7,
    out_dir: str | Path = "leadlever-demo",
    on_step: Callable[[str], None] | None = None,
    force: bool = False,
) -> DemoResult:
    """Run every demo step and write its tables into ``out_dir``.

    Everything is built in a fresh folder next to ``out_dir`` and swapped in at the end,
    so a run that fails or is killed leaves ``out_dir`` as it was (never a mix of old and
    new files). An earlier demo's folder is replaced as a whole; a non-empty folder of
    other files is refused unless ``force`` (then the demo's files are moved into it).

    Parameters
    ----------
    seed : int
        Seed for every random draw in the demo.
    out_dir : path
        Folder for the CSV tables, plots and report (created if needed).
    on_step : callable, optional
        Called with each step's label before it runs (for progress display).
    force : bool
        Write into a non-empty folder that is not a demo's.
    """
    out = Path(out_dir)
    replace_whole = _check_target(out, force)
    work = fresh_folder(out)
    try:
        result = _run_steps(seed, work, on_step)
        atomic_write_text(f"leadlever demo --seed {seed}\n", work / DEMO_MARKER)
        swap_folder(work, out, replace_whole=replace_whole)
    except BaseException:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
        raise

    def moved(path: Path) -> Path:
        return out / Path(path).relative_to(work)

    sections = tuple(
        dataclasses.replace(s, plots=tuple(moved(p) for p in s.plots)) for s in result.sections
    )
    return DemoResult(seed, out, sections, tuple(moved(f) for f in result.files))


def _run_steps(seed: int, out: Path, on_step: Callable[[str], None] | None) -> DemoResult:
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
