"""Example input files for every command (rules, costs, buyers, deals, team)."""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.simulations.examples._write import EXAMPLE_FILES, example_path, write_examples

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
