"""Example input files for every command, written into a folder of the user's.

``leadlever examples DIR`` calls :func:`write_examples`: the rules file of the
manual point scoring, the economics (business figures) of every decision, the consultants
team of the planner, the buyers of the packager and the deals of the deal
comparison, each the documented example, ready to edit.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from leadlever.engine.io._tables import atomic_write_text, write_table
from leadlever.simulations.demo._qualification_step import DEMO_TEAM
from leadlever.simulations.exceptions import SimulationError

__all__ = ["EXAMPLE_FILES", "write_examples", "example_path"]

#: file name in the output folder -> the packaged example file (in ``examples/data``)
EXAMPLE_FILES = {
    "rules.toml": "example_rules.toml",
    "economics.toml": "example_economics.toml",
    "buyers.toml": "example_buyers.toml",
    "deals.toml": "example_deals.toml",
}


def example_path(resource: str) -> Path:
    """Path of a packaged example file, e.g. ``example_path("example_buyers.toml")``."""
    return Path(str(resources.files(__package__).joinpath("data", resource)))


def write_examples(out_dir: str | Path, *, overwrite: bool = False) -> list[Path]:
    """Write the example input files (and ``team.csv``) into ``out_dir``.

    Parameters
    ----------
    out_dir : path
        Created if needed.
    overwrite : bool
        Replace files that already exist (default: refuse, so nothing is lost).

    Returns
    -------
    list of Path
        The files written.
    """
    out = Path(out_dir)
    targets = [*EXAMPLE_FILES, "team.csv"]
    existing = [name for name in targets if (out / name).exists()]
    if existing and not overwrite:
        raise SimulationError(
            f"Folder '{out}' already has {', '.join(existing)}. Choose another folder or pass "
            "--overwrite to replace them."
        )
    written = []
    for name, resource in EXAMPLE_FILES.items():
        text = example_path(resource).read_text(encoding="utf-8")
        written.append(atomic_write_text(text, out / name))
    written.append(write_table(DEMO_TEAM, out / "team.csv"))
    return written
