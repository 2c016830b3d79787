"""Lazy public APIs for LeadLever's packages (PEP 562).

Each package's ``__init__`` lists its public names once, as imports inside an
``if TYPE_CHECKING:`` block, so type checkers and the documentation see an
ordinary API, and ends with::

    __getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)

:func:`lazy_exports` reads those imports from the file and imports the module
that defines a name only when the name is first used. Importing a package is
therefore cheap (no pandas, statsmodels, PuLP or matplotlib), which keeps the
``leadlever`` command quick to start.

Examples
--------
>>> import leadlever.pricing as pricing
>>> pricing.break_even_p.__module__
'leadlever.pricing._formulas'
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["lazy_exports", "exported_names"]


def exported_names(init_file: str | Path) -> dict[str, tuple[str, str]]:
    """Public name -> (defining module, name there), from an ``__init__``'s
    ``if TYPE_CHECKING:`` block of absolute ``from ... import ...`` statements."""
    tree = ast.parse(Path(init_file).read_text(encoding="utf-8"))
    out: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if not (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Name)
            and node.test.id == "TYPE_CHECKING"
        ):
            continue
        for stmt in node.body:
            if isinstance(stmt, ast.ImportFrom) and stmt.module and stmt.level == 0:
                for alias in stmt.names:
                    out[alias.asname or alias.name] = (stmt.module, alias.name)
    return out


def lazy_exports(
    package: str, init_file: str
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` of a lazily exporting package.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    init_file : str
        The package's ``__file__`` (its ``__init__.py``).
    """
    names = exported_names(init_file)
    public = list(names)

    def __getattr__(name: str) -> Any:
        try:
            module, attr = names[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module), attr)
        # cache on the package, so the lookup runs once per name
        importlib.import_module(package).__dict__[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(public) | set(importlib.import_module(package).__dict__))

    return __getattr__, __dir__, public
