"""griffe extension: a package's public names are the ones its lazy ``__init__`` declares.

LeadLever's ``__init__`` files list their public names as imports under
``if TYPE_CHECKING:`` and compute ``__all__`` at run time (``leadlever/_lazy.py``), which
static analysis cannot evaluate. This extension reads the same block and marks those names
as the package's exports, so the API reference documents them.
"""

from __future__ import annotations

import ast

import griffe


class LazyExports(griffe.Extension):
    """Set ``module.exports`` from the ``if TYPE_CHECKING:`` imports of an ``__init__``."""

    def on_module_members(self, *, node: ast.AST, mod: griffe.Module, **kwargs) -> None:
        if not isinstance(node, ast.Module) or not mod.is_init_module:
            return
        names: list[str] = []
        for stmt in node.body:
            if isinstance(stmt, ast.If) and getattr(stmt.test, "id", None) == "TYPE_CHECKING":
                for imp in stmt.body:
                    if isinstance(imp, ast.ImportFrom):
                        names += [alias.asname or alias.name for alias in imp.names]
        if names:
            mod.exports = names
